/**
 * The baseline groupers do what their documentation says on tiny streams, and our engine
 * behind the same Grouper shape gives a key per event.
 */
import { describe, expect, it } from 'vitest';
import { AlertNameGrouper } from '../../../correlator/baselines/alert-name-grouper.ts';
import { DbscanGrouper } from '../../../correlator/baselines/dbscan-grouper.ts';
import { HostWindowGrouper, hostOf } from '../../../correlator/baselines/host-window-grouper.ts';
import { CorrelationEngineGrouper } from '../../../correlator/engine/correlation-engine-grouper.ts';
import { alert, SHOP } from './fixtures.ts';

describe('baselines', () => {
  it('by name: same name within the window, a new group after a longer gap', () => {
    const events = [
      alert({ name: 'HighLatency', labels: { service: 'web' }, at: 0 }),
      alert({ name: 'HighLatency', labels: { service: 'orders' }, at: 300 }),
      alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 310 }),
      alert({ name: 'HighLatency', labels: { service: 'search' }, at: 300 + 601 }),
      alert({ name: 'HighLatency', labels: { service: 'web' }, at: 1000, status: 'resolved', startedAt: 0 }),
    ];
    const [a, b, c, d, r] = new AlertNameGrouper(600_000).group({ events });
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(d).not.toBe(a);
    expect(r).toBe(a);
  });

  it('per host: host, then node, then instance without its port', () => {
    expect(hostOf({ host: 'h1', instance: 'x:1' })).toBe('h1');
    expect(hostOf({ instance: '10.0.0.1:8080', node: 'n1' })).toBe('n1');
    expect(hostOf({ instance: 'node-3:9100' })).toBe('node-3');
    expect(hostOf({ service: 'web' })).toBeNull();
    const events = [
      alert({ name: 'A', labels: { instance: 'node-3:9100' }, at: 0 }),
      alert({ name: 'B', labels: { host: 'node-3' }, at: 200 }),
      alert({ name: 'C', labels: { service: 'web' }, at: 210 }),
      alert({ name: 'D', labels: { service: 'web' }, at: 220 }),
    ];
    const [a, b, c, d] = new HostWindowGrouper(300_000).group({ events });
    expect(a).toBe(b);
    expect(c).not.toBe(d);
  });

  it('DBSCAN with ALEC defaults: same item within 75 s, adjacent items within about 27 s', () => {
    const events = [
      alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 0 }),
      alert({ name: 'SlowQueries', labels: { db: 'orders-db' }, at: 70 }),
      alert({ name: 'HighErrorRate', labels: { service: 'orders' }, at: 90 }),
      alert({ name: 'HighLatency', labels: { service: 'web' }, at: 200 }),
      alert({ name: 'Unmapped', labels: { job: 'x' }, at: 201 }),
    ];
    const [a, b, c, d, u] = new DbscanGrouper().group({ events, topology: SHOP });
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(d).not.toBe(a);
    expect(u).not.toBe(d);
    const loose = new DbscanGrouper({ eps: 300 }).group({ events, topology: SHOP });
    expect(loose[3]).toBe(loose[0]);
  });

  it('our engine as a Grouper: one key per event in input order, null when suppressed', () => {
    const events = [
      alert({ name: 'HighErrorRate', labels: { service: 'orders' }, at: 20 }),
      alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 0 }),
      alert({ name: 'HostDown', labels: { host: 'host-3' }, at: 5 }),
    ];
    const grouper = new CorrelationEngineGrouper({
      suppression: { maintenance: [{ id: 'mw', itemIds: ['host:host-3'], schedule: { kind: 'once', startMs: 0, endMs: Number.MAX_SAFE_INTEGER } }], silences: [], inhibitRules: [] },
    });
    const [orders, db, host] = grouper.group({ events, topology: SHOP });
    expect(orders).toBe(db);
    expect(db).toMatch(/DBDown/);
    expect(host).toBeNull();
  });
});
