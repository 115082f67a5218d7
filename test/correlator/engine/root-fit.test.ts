/**
 * Root fit: a link is judged against the incident's alerting root, so two faults that overlap
 * in time on nearby items stay apart (EngineConfig.rootFit).
 */
import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { engineConfig, type EngineConfig } from '../../../correlator/engine/engine-config.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import { alert, SHOP } from './fixtures.ts';

function engine(config: Partial<EngineConfig> = {}): CorrelationEngine {
  return new CorrelationEngine({ graph: new TopologyGraph(SHOP), matcher: new ItemMatcher(SHOP.items), config });
}

describe('root fit', () => {
  it('links a cause that fires with the incident and makes it the root', () => {
    const e = engine();
    const first = e.decide(alert({ name: 'HighErrorRate', labels: { service: 'orders' }, at: 0 }));
    const db = e.decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 10 }));
    expect(db.incidentKey).toBe(first.incidentKey);
    expect(db.score).toMatchObject({ rootFit: 'cause', rootItem: 'svc:orders', rootLagMs: 10_000, rootFactor: 1 });
    expect(db.reason).toContain("would be a cause of the incident's root orders, 10 s after its first alert");
    // orders-db now explains every member: the next alert is judged against it.
    const web = e.decide(alert({ name: 'HighLatency', labels: { service: 'web' }, at: 40 }));
    expect(web.incidentKey).toBe(first.incidentKey);
    expect(web.score).toMatchObject({ rootFit: 'effect', rootItem: 'db:orders-db' });
  });

  it('opens a new incident for a cause that fires minutes after the incident it would explain', () => {
    const late = (config: Partial<EngineConfig>) => {
      const e = engine(config);
      const first = e.decide(alert({ name: 'HighErrorRate', labels: { service: 'orders' }, at: 0 }));
      e.decide(alert({ name: 'HighLatency', labels: { service: 'web' }, at: 100 }));
      return { first, host: e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 110 })) };
    };
    const { first, host } = late({});
    expect(host.action).toBe('opened');
    expect(host.incidentKey).not.toBe(first.incidentKey);
    expect(host.score).toMatchObject({ rootFit: 'cause', rootItem: 'svc:orders', rootLagMs: 110_000 });
    expect(host.score!.rootFactor).toBeLessThan(1);
    expect(host.reason).toMatch(/a late cause of its root orders/);
    // Without the check it would have joined.
    const lenient = late({ rootFit: { ...engine().config.rootFit, causeGraceMs: 3_600_000 } });
    expect(lenient.host.incidentKey).toBe(lenient.first.incidentKey);
  });

  it('halves a cause 20 s past its grace (causeScaleMs 20 s): a second fault, not the new root', () => {
    const late = (config: Partial<EngineConfig>) => {
      const e = engine(config);
      const first = e.decide(alert({ name: 'HighErrorRate', labels: { service: 'orders' }, at: 0 }));
      return { first, db: e.decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 40 })) };
    };
    const { first, db } = late({});
    expect(db.action).toBe('opened');
    expect(db.reason).toContain('×0.50: a late cause of its root orders');
    // With the 60 s scale of rounds 1-6 the same cause kept 0.75 of its score and joined.
    const old = late({ rootFit: { ...engineConfig().rootFit, causeScaleMs: 60_000 } });
    expect(old.db.incidentKey).toBe(old.first.incidentKey);
    expect(old.db.score).toMatchObject({ rootFit: 'cause', rootFactor: 0.75 });
    expect(first.incidentKey).not.toBe(db.incidentKey);
  });

  it('gives an effect to the fault that reaches it in time, not to a nearer one it reaches too late', () => {
    const run = (config: Partial<EngineConfig>) => {
      const e = engine(config);
      const a = e.decide(alert({ name: 'HighLatency', labels: { service: 'search' }, at: 0 }));
      e.decide(alert({ name: 'HighErrorRate', labels: { service: 'search' }, at: 220 }));
      const b = e.decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 200 }));
      const web = e.decide(alert({ name: 'UpstreamTimeouts', labels: { service: 'web' }, at: 230 }));
      return { a, b, web };
    };
    const { a, b, web } = run({});
    expect(b.incidentKey).not.toBe(a.incidentKey);
    expect(web.incidentKey).toBe(b.incidentKey);
    expect(web.score).toMatchObject({ rootFit: 'effect', rootItem: 'db:orders-db', lateEffect: 1 });
    // With no bound on how fast a cascade travels, search's incident (1 hop, busier) wins.
    const unbounded = run({ rootFit: { ...engine().config.rootFit, hopMs: 3_600_000 } });
    expect(unbounded.web.incidentKey).toBe(unbounded.a.incidentKey);
  });
});
