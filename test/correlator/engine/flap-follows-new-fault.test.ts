/**
 * A flapping alert stays in its incident on every flap, unless its incident's fault looks over
 * (nothing in it fires steadily) and a new incident nearby wins the scoring when it fires
 * again: then a new fault raised it, and it goes there, saying so (EngineConfig.flapping.followNewFault).
 */
import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../../correlator/engine/engine-config.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import { alert, SHOP } from './fixtures.ts';

function engine(config: Partial<EngineConfig> = {}): CorrelationEngine {
  return new CorrelationEngine({ graph: new TopologyGraph(SHOP), matcher: new ItemMatcher(SHOP.items), config });
}

const errors = (at: number, status: 'firing' | 'resolved' = 'firing', startedAt?: number) =>
  alert({ name: 'HighErrorRate', labels: { service: 'orders' }, at, status, startedAt });

/**
 * Fault A: host-1 down at 0 s, orders' error rate flaps (fires at 10 s and 120 s, resolves at
 * 60 s and 200 s: flapping). Fault B: orders-db down at 900 s, when A's incident is no longer
 * taking new alerts. Orders' errors fire again at 920 s. `hostResolvesAt` null: A's host stays down.
 */
function run(e: CorrelationEngine, hostResolvesAt: number | null) {
  const a = e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 0 }));
  e.decide(errors(10));
  e.decide(errors(60, 'resolved', 10));
  const flap = e.decide(errors(120));
  e.decide(errors(200, 'resolved', 120));
  if (hostResolvesAt !== null) e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: hostResolvesAt, status: 'resolved', startedAt: 0 }));
  const b = e.decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 900 }));
  const again = e.decide(errors(920));
  return { a, flap, b, again };
}

describe('a flapping alert raised again by a new fault', () => {
  it('joins the new fault when its own incident has nothing firing steadily, and says why', () => {
    const { a, flap, b, again } = run(engine(), 300);
    expect(flap).toMatchObject({ action: 'kept', incidentKey: a.incidentKey, flapping: true });
    expect(b.incidentKey).not.toBe(a.incidentKey);
    expect(again).toMatchObject({ action: 'linked', incidentKey: b.incidentKey, flapping: true });
    expect(again.reason).toContain(`fired again while flapping, but nothing in its incident ${a.incidentKey} fires steadily any more`);
    expect(again.reason).toContain('1 hop from orders-db via depends_on');
    expect(again.score!.total).toBeGreaterThanOrEqual(DEFAULT_ENGINE_CONFIG.linkThreshold);
  });

  it('moves the incident\'s wait for the flapping alert along with it', () => {
    const e = engine({ holdMs: 60_000 });
    const { a } = run(e, 300);
    // A only waited for the flapping alert; with it gone, A resolves after its hold.
    e.decide(alert({ name: 'Heartbeat', labels: { host: 'host-2' }, at: 1000 }));
    expect(e.incident(a.incidentKey!)!.status).toBe('resolved');
  });

  it('stays in its incident while that fault still fires steadily', () => {
    const { a, again } = run(engine(), null);
    expect(again).toMatchObject({ action: 'kept', incidentKey: a.incidentKey, flapping: true });
    expect(again.reason).toMatch(/flapping .* kept in its incident/);
  });

  it('stays in its incident when the option is off', () => {
    const { a, again } = run(engine({ flapping: { ...DEFAULT_ENGINE_CONFIG.flapping, followNewFault: false } }), 300);
    expect(again).toMatchObject({ action: 'kept', incidentKey: a.incidentKey });
  });

  it('never opens an incident for a flap: with no incident near, it stays', () => {
    const e = engine();
    const a = e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 0 }));
    e.decide(errors(10));
    e.decide(errors(60, 'resolved', 10));
    e.decide(errors(120));
    e.decide(errors(200, 'resolved', 120));
    e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 300, status: 'resolved', startedAt: 0 }));
    // An unrelated incident elsewhere (another component) does not attract it.
    e.decide(alert({ name: 'DBDown', labels: { db: 'billing-db' }, at: 900 }));
    const again = e.decide(errors(920));
    expect(again).toMatchObject({ action: 'kept', incidentKey: a.incidentKey, isNewIncident: false });
  });
});

describe('a flapping alert raised again by a new fault, rebuilt after a restart', () => {
  /** The events of `run`, replayed through `restore` with the incidents they were recorded in. */
  function replay(e: CorrelationEngine, lastPin: (keys: { a: string; b: string }) => string | null) {
    const a = e.restore(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 0 }), 'A');
    e.restore(errors(10), 'A');
    e.restore(errors(60, 'resolved', 10), null);
    e.restore(errors(120), null);
    e.restore(errors(200, 'resolved', 120), null);
    e.restore(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 300, status: 'resolved', startedAt: 0 }), null);
    const b = e.restore(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 900 }), 'B');
    const again = e.restore(errors(920), lastPin({ a: a.incidentKey!, b: b.incidentKey! }));
    return { a, b, again };
  }

  it('follows the record: into the new fault\'s incident when it was linked there', () => {
    const { b, again } = replay(engine(), (k) => k.b);
    expect(again).toMatchObject({ action: 'linked', incidentKey: b.incidentKey });
  });

  it('follows the record: kept in its incident when it was kept, even though scoring would move it', () => {
    const { a, again } = replay(engine(), () => null);
    expect(again).toMatchObject({ action: 'kept', incidentKey: a.incidentKey, flapping: true });
  });
});
