/**
 * The online correlation engine's decisions: linking along the topology with a reason in
 * words, opening on unrelated alerts, duplicates, resolves with a hold time, flapping with
 * hysteresis, late events.
 */
import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import type { Decision } from '../../../correlator/engine/decision.ts';
import type { EngineConfig } from '../../../correlator/engine/engine-config.ts';
import type { IncidentView } from '../../../correlator/engine/incident-view.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import { alert, SHOP } from './fixtures.ts';

function engine(config: Partial<EngineConfig> = {}, onIncidentResolved?: (v: IncidentView) => void): CorrelationEngine {
  return new CorrelationEngine({ graph: new TopologyGraph(SHOP), matcher: new ItemMatcher(SHOP.items), config, onIncidentResolved });
}

describe('CorrelationEngine decisions', () => {
  it('links a downstream symptom to the incident of its dependency and says why', () => {
    const e = engine();
    const root = e.decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 0 }));
    expect(root.action).toBe('opened');
    expect(root.isNewIncident).toBe(true);
    expect(root.itemIds).toEqual(['db:orders-db']);
    expect(root.component).toBe('db:orders-db');

    const orders = e.decide(alert({ name: 'HighErrorRate', labels: { service: 'orders' }, at: 30 }));
    expect(orders.action).toBe('linked');
    expect(orders.incidentKey).toBe(root.incidentKey);
    expect(orders.isNewIncident).toBe(false);
    expect(orders.score).toMatchObject({ viaItem: 'db:orders-db', hops: 1, relation: 'upstream', gapMs: 30_000 });
    expect(orders.score!.total).toBeGreaterThanOrEqual(e.config.linkThreshold);
    expect(orders.reason).toContain('1 hop from orders-db via depends_on');
    expect(orders.reason).toContain('30 s after the first alert');
    expect(orders.reason).toMatch(/label similarity 0\.\d\d/);

    const web = e.decide(alert({ name: 'HighLatency', labels: { service: 'web' }, at: 75 }));
    expect(web.incidentKey).toBe(root.incidentKey);
    expect(web.reason).toContain('1 hop from orders via depends_on');
    expect(web.reason).toContain('75 s after the first alert');
    const view = e.incident(root.incidentKey!)!;
    expect(view.members.map((m) => m.name)).toEqual(['DBDown', 'HighErrorRate', 'HighLatency']);
    expect(view.members[1]!.fingerprint).toBe(orders.fingerprint);
    expect(view.members[0]!.type).toBe('DBDown@database');
  });

  it('opens a new incident for an alert in another part of the estate, and says so', () => {
    const e = engine();
    const a = e.decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 0 }));
    const b = e.decide(alert({ name: 'DBConnectionsExhausted', labels: { db: 'billing-db' }, at: 20 }));
    expect(b.action).toBe('opened');
    expect(b.incidentKey).not.toBe(a.incidentKey);
    expect(b.reason).toMatch(/^opened: no active incident within 3 hops/);
  });

  it('explains a near miss with the best candidate and its figures', () => {
    const e = engine();
    e.decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 0 }));
    // search is only linked to orders-db through web (3 hops, no causal path): too weak.
    const far = e.decide(alert({ name: 'PodCrashLooping', labels: { service: 'search' }, at: 500 }));
    expect(far.action).toBe('opened');
    expect(far.reason).toMatch(/^opened: the best candidate .* scored 0\.\d\d < 0\.50 \(topology/);
  });

  it('keeps duplicates, repeats and acknowledgements of a member in its incident', () => {
    const e = engine();
    const ev = alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 0 });
    const first = e.decide(ev);
    const dup = e.decide({ ...ev });
    expect(dup).toMatchObject({ action: 'duplicate', incidentKey: first.incidentKey });
    const ack = e.decide({ ...ev, status: 'acknowledged', eventTime: new Date(Date.parse(ev.eventTime) + 5000).toISOString() });
    expect(ack).toMatchObject({ action: 'kept', incidentKey: first.incidentKey });
    const repeat = e.decide({ ...ev, eventTime: new Date(Date.parse(ev.eventTime) + 60_000).toISOString() });
    expect(repeat).toMatchObject({ action: 'kept', incidentKey: first.incidentKey, reason: 'repeat of a firing alert' });
  });

  it('ignores a resolve for an alert it never saw', () => {
    const d = engine().decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 10, status: 'resolved' }));
    expect(d).toMatchObject({ action: 'ignored', incidentKey: null });
  });
});

describe('resolve and hold time', () => {
  it('resolves an incident holdMs after its last member resolved, and then takes no new alerts', () => {
    const resolved: IncidentView[] = [];
    const e = engine({ holdMs: 60_000 }, (v) => resolved.push(v));
    const a = e.decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 0 }));
    e.decide(alert({ name: 'HighErrorRate', labels: { service: 'orders' }, at: 20 }));
    e.decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 100, status: 'resolved', startedAt: 0 }));
    const last = e.decide(alert({ name: 'HighErrorRate', labels: { service: 'orders' }, at: 120, status: 'resolved', startedAt: 20 }));
    expect(last.reason).toMatch(/resolves in 60 s unless something fires/);
    expect(e.incident(a.incidentKey!)!.status).toBe('open');
    // 150 s: still within the hold; a new alert next to it joins.
    const during = e.decide(alert({ name: 'HighLatency', labels: { service: 'web' }, at: 150 }));
    expect(during.incidentKey).toBe(a.incidentKey);
    e.decide(alert({ name: 'HighLatency', labels: { service: 'web' }, at: 160, status: 'resolved', startedAt: 150 }));
    // 240 s: 80 s after the last resolve — resolved; a new alert on the same item opens a new incident.
    const after = e.decide(alert({ name: 'SlowQueries', labels: { db: 'orders-db' }, at: 240 }));
    expect(e.incident(a.incidentKey!)!.status).toBe('resolved');
    expect(e.incident(a.incidentKey!)!.resolvedAtMs).toBe(Date.parse(after.event.eventTime) - 20_000);
    expect(after.action).toBe('opened');
    expect(after.incidentKey).not.toBe(a.incidentKey);
    expect(resolved.map((v) => v.key)).toEqual([a.incidentKey]);
    expect(resolved[0]!.members).toHaveLength(3);
  });

  it('places a re-fire after a resolve like a new alert: back in its incident while that is active', () => {
    const e = engine({ holdMs: 60_000, flapping: { changes: 3, windowMs: 60_000, quietMs: 60_000, followNewFault: true } });
    const a = e.decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 0 }));
    e.decide(alert({ name: 'HighErrorRate', labels: { service: 'orders' }, at: 10 }));
    e.decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 100, status: 'resolved', startedAt: 0 }));
    // Three changes, but not within the (here one-minute) flapping window: a new episode.
    const again = e.decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 120 }));
    expect(again).toMatchObject({ action: 'linked', incidentKey: a.incidentKey, flapping: false });
    expect(again.reason).toContain('on orders-db, already in the incident');
  });
});

describe('flapping', () => {
  const disk = (at: number, status: 'firing' | 'resolved' = 'firing', startedAt?: number) =>
    alert({ name: 'DiskSpaceLow', labels: { host: 'host-3' }, at, status, startedAt });

  it('marks an alert flapping after N changes and keeps its re-fires in one incident, reopening it', () => {
    const resolved: string[] = [];
    const e = engine({ holdMs: 60_000, flapping: { changes: 3, windowMs: 15 * 60_000, quietMs: 15 * 60_000, followNewFault: true } }, (v) => resolved.push(v.key));
    const first = e.decide(disk(0));
    e.decide(disk(60, 'resolved', 0));
    // 300 s: the hold has passed, the incident resolved…
    const refire = e.decide(disk(300));
    expect(resolved).toEqual([first.incidentKey]);
    // …but three changes in 15 minutes make it flapping: the re-fire reopens its incident.
    expect(refire).toMatchObject({ action: 'kept', incidentKey: first.incidentKey, flapping: true });
    expect(refire.reason).toMatch(/flapping .* kept in its incident, which reopens/);
    for (let k = 1; k <= 4; k++) {
      const r = e.decide(disk(300 + k * 240 - 120, 'resolved', 300 + (k - 1) * 240));
      expect(r.incidentKey).toBe(first.incidentKey);
      const f = e.decide(disk(300 + k * 240));
      expect(f).toMatchObject({ incidentKey: first.incidentKey, flapping: true });
    }
    // While it flaps the incident stays open even between fires.
    e.decide(disk(1400, 'resolved', 1260));
    e.decide(alert({ name: 'Heartbeat', labels: { host: 'host-2' }, at: 1400 + 10 * 60 }));
    expect(e.incident(first.incidentKey!)!.status).toBe('open');
    // Quiet for 15 minutes: unmarked, and the incident resolves; a later fire opens a new one.
    const later = e.decide(disk(1400 + 40 * 60));
    expect(e.incident(first.incidentKey!)!.status).toBe('resolved');
    expect(later).toMatchObject({ action: 'opened', flapping: false });
  });

  it('does not call two far-apart episodes flapping', () => {
    const e = engine({ holdMs: 60_000 });
    const a = e.decide(disk(0));
    e.decide(disk(60, 'resolved', 0));
    const b = e.decide(disk(3600));
    expect(b).toMatchObject({ action: 'opened', flapping: false });
    expect(b.incidentKey).not.toBe(a.incidentKey);
  });
});

describe('event-time order', () => {
  it('holds events back for the lateness bound and decides them in event-time order', () => {
    const e = engine({ latenessMs: 60_000 });
    const out: Decision[] = [];
    out.push(...e.ingest(alert({ name: 'HighErrorRate', labels: { service: 'orders' }, at: 30 })));
    out.push(...e.ingest(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 0 })));
    expect(out).toEqual([]);
    out.push(...e.ingest(alert({ name: 'HighLatency', labels: { service: 'web' }, at: 100 })));
    expect(out.map((d) => d.event.name)).toEqual(['DBDown', 'HighErrorRate']);
    expect(out.map((d) => d.seq)).toEqual([1, 0]);
    expect(out[0]!.action).toBe('opened');
    expect(out[1]!.reason).toContain('1 hop from orders-db');
    out.push(...e.flush());
    expect(out.map((d) => d.event.name)).toEqual(['DBDown', 'HighErrorRate', 'HighLatency']);
  });

  it('decides an event later than the bound at once and flags it', () => {
    const e = engine({ latenessMs: 60_000 });
    e.ingest(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 0 }));
    e.ingest(alert({ name: 'HighLatency', labels: { service: 'web' }, at: 200 }));
    const late = e.ingest(alert({ name: 'HighErrorRate', labels: { service: 'orders' }, at: 60 }));
    expect(late).toHaveLength(1);
    expect(late[0]!.late).toBe(true);
    expect(e.ingest(alert({ name: 'SlowQueries', labels: { db: 'orders-db' }, at: 190 }))).toEqual([]);
  });

  it('moves a live clock forward without events', () => {
    const e = engine({ latenessMs: 60_000 });
    e.ingest(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 0 }));
    expect(e.advanceTo(Date.parse(alert({ name: 'x', labels: {}, at: 61 }).eventTime))).toHaveLength(1);
  });
});
