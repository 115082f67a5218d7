/**
 * A fault's alerts on one item fire together (EngineConfig.itemBurst): an incident whose alerts
 * on the alert's item began a while ago yields to a rival incident whose fault reaches the item
 * now, through the item itself or an item it needs directly.
 */
import { describe, expect, it } from 'vitest';
import { appliedTerms } from '../../../correlator/engine/applied-terms.ts';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { engineConfig, type EngineConfig } from '../../../correlator/engine/engine-config.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import type { Topology } from '../../../engine/topology/topology.ts';
import { alert } from './fixtures.ts';

//   api ──depends_on──► users-db
//    └───depends_on──► orders-db ──runs_on──► host-1
const TOPO: Topology = {
  items: [
    { id: 'svc:api', kind: 'service', name: 'api', labels: { service: 'api' } },
    { id: 'db:users-db', kind: 'database', name: 'users-db', labels: { db: 'users-db' } },
    { id: 'db:orders-db', kind: 'database', name: 'orders-db', labels: { db: 'orders-db' } },
    { id: 'host:host-1', kind: 'host', name: 'host-1', labels: { host: 'host-1' } },
  ],
  relations: [
    { from: 'svc:api', to: 'db:users-db', kind: 'depends_on' },
    { from: 'svc:api', to: 'db:orders-db', kind: 'depends_on' },
    { from: 'db:orders-db', to: 'host:host-1', kind: 'runs_on' },
  ],
};

function engine(config: Partial<EngineConfig> = {}): CorrelationEngine {
  return new CorrelationEngine({ graph: new TopologyGraph(TOPO), matcher: new ItemMatcher(TOPO.items), config });
}

const burst = (over: Partial<EngineConfig['itemBurst']>): Partial<EngineConfig> => ({ itemBurst: { ...engineConfig().itemBurst, ...over } });
const db = (name: string, db: string, at: number) => alert({ name, labels: { db }, at });
const api = (name: string, at: number) => alert({ name, labels: { service: 'api' }, at });

/**
 * users-db slows down and api, which needs it, reports high latency `apiAt` s later (one
 * incident); orders-db, which api needs too, goes down at 50 s (its own incident); api times
 * out at 60 s, an effect of either.
 */
function run(config: Partial<EngineConfig> = {}, apiAt = 10) {
  const e = engine(config);
  const users = e.decide(db('SlowQueries', 'users-db', 0));
  const latency = e.decide(api('HighLatency', apiAt));
  const orders = e.decide(db('DBDown', 'orders-db', 50));
  const timeouts = e.decide(api('UpstreamTimeouts', 60));
  return { users, latency, orders, timeouts };
}

describe('a fault whose alerts on an item began a while ago, against one reaching it now', () => {
  it('gives the alert to the fault reaching the item now', () => {
    const { users, orders, timeouts } = run();
    expect(orders.incidentKey).not.toBe(users.incidentKey);
    expect(timeouts.incidentKey).toBe(orders.incidentKey);
    expect(timeouts.score).toMatchObject({ rootFit: 'effect', rootItem: 'db:orders-db', staleItem: 1 });
  });

  it('keeps it with the earlier burst with the rule off', () => {
    const { users, timeouts } = run(burst({ staleAfterMs: null }));
    expect(timeouts.incidentKey).toBe(users.incidentKey);
    expect(timeouts.score).toMatchObject({ relation: 'self', staleItem: 1, staleItemMs: null });
  });

  it('names both bursts in the reason and the score when the stale incident still wins', () => {
    const { users, timeouts } = run(burst({ factor: 0.95 }));
    expect(timeouts.incidentKey).toBe(users.incidentKey);
    expect(timeouts.score).toMatchObject({ staleItem: 0.95, staleItemMs: 50_000, freshItem: 'db:orders-db', freshAgoMs: 10_000 });
    expect(timeouts.reason).toContain(
      "on api, already in the incident, 60 s after the first alert, an effect of the incident's root users-db, but the incident's alerts on api began 50 s before, while another incident's fault reaches it now (its first alert on orders-db 10 s ago: a fault's alerts on one item fire together), score ×0.95",
    );
    expect(appliedTerms(timeouts.score!)).toMatchObject({ staleItem: 0.95, freshItem: 'db:orders-db' });
  });

  it('leaves an incident whose alerts on the item are recent alone', () => {
    // api first alerted 15 s before, within staleAfterMs: one burst.
    const { users, timeouts } = run({}, 45);
    expect(timeouts.incidentKey).toBe(users.incidentKey);
    expect(timeouts.score).toMatchObject({ staleItem: 1 });
    // The same with a zero window: every earlier alert on the item is stale.
    expect(run(burst({ staleAfterMs: 0 }), 45).timeouts.incidentKey).not.toBe(users.incidentKey);
  });

  it('needs the rival to reach the item now: a dependency alerting longer ago than parentWithinMs is not', () => {
    const { users, timeouts } = run(burst({ parentWithinMs: 5_000 }));
    expect(timeouts.incidentKey).toBe(users.incidentKey);
    expect(timeouts.score).toMatchObject({ staleItem: 1 });
  });

  it('counts a rival whose own alerts on the item are recent', () => {
    // orders-db's incident takes api's timeouts at 60 s (its dependency alerted 3 s before), then
    // api's circuit breaker opens at 70 s: that incident's alerts on api began 10 s before.
    const e = engine(burst({ parentWithinMs: 5_000 }));
    const users = e.decide(db('SlowQueries', 'users-db', 0));
    e.decide(api('HighLatency', 10));
    const orders = e.decide(db('DBDown', 'orders-db', 57));
    expect(e.decide(api('UpstreamTimeouts', 60)).incidentKey).toBe(orders.incidentKey);
    e.decide(db('ReplicationLag', 'users-db', 65));
    const breaker = e.decide(api('CircuitBreakerOpen', 70));
    expect(breaker.incidentKey).toBe(orders.incidentKey);
    expect(breaker.incidentKey).not.toBe(users.incidentKey);
  });

  it('only counts a rival that could take the alert (at the link threshold)', () => {
    // With a higher threshold api's latency opens an incident of its own (0.72 < 0.75), and
    // orders-db's incident (0.72) could not take the timeouts: api's keeps them at full score
    // instead of dropping below the threshold.
    const { latency, timeouts } = run({ linkThreshold: 0.75 });
    expect(latency.action).toBe('opened');
    expect(timeouts.action).toBe('linked');
    expect(timeouts.incidentKey).toBe(latency.incidentKey);
    expect(timeouts.score).toMatchObject({ relation: 'self', staleItem: 1 });
    expect(timeouts.score!.total).toBeGreaterThanOrEqual(0.75);
  });

  it('does not count a rival whose own alerts on the item began a while ago', () => {
    // As above; at 120 s both incidents' alerts on api began long before (110 s and 60 s), and
    // their dependencies of api alerted 120 s and 63 s before: neither fault reaches api now.
    const e = engine(burst({ parentWithinMs: 5_000 }));
    e.decide(db('SlowQueries', 'users-db', 0));
    e.decide(api('HighLatency', 10));
    e.decide(db('DBDown', 'orders-db', 57));
    e.decide(api('UpstreamTimeouts', 60));
    e.decide(db('ReplicationLag', 'users-db', 65));
    const late = e.decide(api('PodCrashLooping', 120));
    expect(late.action).toBe('linked');
    expect(late.score).toMatchObject({ relation: 'self', staleItem: 1, freshItem: null });
  });

  it('never judges an incident against itself, nor without a rival', () => {
    // One fault: host-1 fails, api alerts at 5 s, orders-db (between them) at 40 s, api again at
    // 50 s. Its alerts on api began 45 s before, its own dependency alerted 10 s before. An old
    // incident on users-db is scored too, but reaches api from long ago.
    const e = engine();
    e.decide(db('SlowQueries', 'users-db', -200));
    const host = e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 0 }));
    e.decide(api('HighLatency', 5));
    e.decide(db('DBDown', 'orders-db', 40));
    const again = e.decide(api('UpstreamTimeouts', 50));
    expect(again.incidentKey).toBe(host.incidentKey);
    expect(again.score).toMatchObject({ relation: 'self', staleItem: 1, freshItem: null });
    expect(again.reason).not.toContain('fire together');
  });
});
