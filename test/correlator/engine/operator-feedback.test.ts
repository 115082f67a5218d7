/**
 * Operators' merges and splits move members, and are remembered: merged alert types group
 * together later, split ones apart.
 */
import { describe, expect, it } from 'vitest';
import { CoOccurrenceModel } from '../../../correlator/engine/co-occurrence-model.ts';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { alert } from './fixtures.ts';

// Without topology (and on a host, not a service: a shared service is an implicit item), two ledger alerts 10 s apart score just under the threshold on time,
// labels and text alone; the learned affinity decides.
const CONFIG = { linkThreshold: 0.45, holdMs: 60_000 };
// `instance` is volatile: it makes each round a new alert without changing label similarity.
const pair = (e: CorrelationEngine, at: number) => [
  e.decide(alert({ name: 'DiskFull', labels: { host: 'ledger-1', instance: `i${at}` }, at })),
  e.decide(alert({ name: 'BackupFailed', labels: { host: 'ledger-1', instance: `i${at}` }, at: at + 10 })),
];

describe('merge and split', () => {
  it('merge moves members, and later the merged types group together', () => {
    const e = new CorrelationEngine({ config: CONFIG });
    const [a, b] = pair(e, 0);
    expect(a!.action).toBe('opened');
    expect(b!.action).toBe('opened');
    const merged = e.merge(a!.incidentKey!, b!.incidentKey!);
    expect(merged.members.map((m) => m.name)).toEqual(['DiskFull', 'BackupFailed']);
    expect(e.incident(b!.incidentKey!)).toMatchObject({ status: 'merged', mergedInto: a!.incidentKey });
    expect(e.model.affinity('DiskFull', 'BackupFailed')).toMatchObject({ feedback: 1 });

    const [c, d] = pair(e, 3600);
    expect(c!.action).toBe('opened');
    expect(d).toMatchObject({ action: 'linked', incidentKey: c!.incidentKey });
    expect(d!.reason).toMatch(/learned affinity \+0\.\d\d with DiskFull/);
  });

  it('split moves members out, and later the split types stay apart', () => {
    const model = new CoOccurrenceModel();
    model.feedback('DiskFull', 'BackupFailed', 1);
    const e = new CorrelationEngine({ config: CONFIG, model });
    const [a, b] = pair(e, 0);
    expect(b).toMatchObject({ action: 'linked', incidentKey: a!.incidentKey });
    const part = e.split(a!.incidentKey!, [b!.fingerprint]);
    expect(part.key).toBe(`${a!.incidentKey}~1`);
    expect(part.members.map((m) => m.name)).toEqual(['BackupFailed']);
    expect(e.incident(a!.incidentKey!)!.members.map((m) => m.name)).toEqual(['DiskFull']);
    expect(model.affinity('DiskFull', 'BackupFailed')).toBeNull();
    // The moved alert's later events follow it.
    const resolve = e.decide(alert({ name: 'BackupFailed', labels: { host: 'ledger-1', instance: 'i0' }, at: 30, status: 'resolved', startedAt: 10 }));
    expect(resolve.incidentKey).toBe(part.key);

    const [c, d] = pair(e, 3600);
    expect(c!.action).toBe('opened');
    expect(d!.action).toBe('opened');
  });

  it('rejects nonsense', () => {
    const e = new CorrelationEngine({ config: CONFIG });
    const [a] = pair(e, 0);
    expect(() => e.merge(a!.incidentKey!, a!.incidentKey!)).toThrow(/itself/);
    expect(() => e.merge(a!.incidentKey!, 'nope')).toThrow(/unknown incident/);
    expect(() => e.split(a!.incidentKey!, ['test:nope'])).toThrow(/not a member/);
    expect(() => e.split(a!.incidentKey!, [a!.fingerprint])).toThrow(/both sides/);
  });
});

describe('CoOccurrenceModel', () => {
  it('learns positive PMI for types that group together and negative for types that never do', () => {
    const m = new CoOccurrenceModel({ minSupport: 3 });
    for (let i = 0; i < 10; i++) m.observeIncident(['DBDown', 'HighLatency']);
    for (let i = 0; i < 10; i++) m.observeIncident(['DiskSpaceLow']);
    m.feedback('CertExpiring', 'DBDown', -1);
    expect(m.affinity('CertExpiring', 'DBDown')!.value).toBeLessThan(-0.3);
    expect(m.affinity('DBDown', 'HighLatency')!.value).toBeGreaterThan(0.3);
    expect(m.affinity('DBDown', 'DiskSpaceLow')!.value).toBeLessThan(-0.3);
    expect(m.affinity('DBDown', 'Unknown')).toBeNull();
    expect(m.affinity('DBDown', 'DBDown')).toBeNull();
  });

  it('stays bounded', () => {
    const m = new CoOccurrenceModel({ maxPairs: 100 });
    for (let i = 0; i < 200; i++) m.observeIncident([`a${i}`, `b${i}`, `c${i}`]);
    m.feedback('x', 'y', 1);
    for (let i = 0; i < 200; i++) m.observeIncident([`d${i}`, `e${i}`]);
    expect(m.affinity('x', 'y')!.feedback).toBe(1);
  });
});
