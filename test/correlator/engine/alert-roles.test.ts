/**
 * Learned alert roles (AlertRoleModel, EngineConfig.roles): a type that usually fires on the
 * broken item, arriving on a second item of an incident that already has one, is a second fault.
 */
import { describe, expect, it } from 'vitest';
import { AlertRoleModel } from '../../../correlator/engine/alert-role-model.ts';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { engineConfig, type EngineConfig } from '../../../correlator/engine/engine-config.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import { alert, SHOP } from './fixtures.ts';

function engine(config: Partial<EngineConfig> = {}, roles?: AlertRoleModel): CorrelationEngine {
  return new CorrelationEngine({ graph: new TopologyGraph(SHOP), matcher: new ItemMatcher(SHOP.items), config, roles });
}

/** A model that has seen OOM kills on the root of six confirmed incidents, and timeouts elsewhere. */
function taught(): AlertRoleModel {
  const m = new AlertRoleModel();
  for (let i = 0; i < 6; i++) m.observeIncident(['ContainerOOMKilled@service'], ['UpstreamTimeouts@service']);
  return m;
}

describe('AlertRoleModel', () => {
  it('gives the smoothed share of incidents a type fired on the root, once it has support', () => {
    const m = new AlertRoleModel({ minSupport: 3 });
    m.observeIncident(['HostDown@host', 'HostDown@host'], ['HighLatency@service']);
    m.observeIncident(['HostDown@host'], []);
    expect(m.role('HostDown@host')).toBeNull();
    m.observeIncident(['HostDown@host'], ['HostDown@host']);
    // Counted once per incident and role: 3 on the root, 1 elsewhere, add-one smoothing.
    expect(m.role('HostDown@host')).toEqual({ rootShare: 4 / 6, onRoot: 3, elsewhere: 1 });
  });

  it('stays bounded', () => {
    const m = new AlertRoleModel({ maxTypes: 100 });
    for (let i = 0; i < 1000; i++) m.observeIncident([`T${i}`], []);
    expect(m.size).toBeLessThanOrEqual(100);
  });
});

describe('second root', () => {
  const run = (config: Partial<EngineConfig>) => {
    const e = engine(config, taught());
    const orders = e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: 'orders' }, at: 0 }));
    const timeouts = e.decide(alert({ name: 'UpstreamTimeouts', labels: { service: 'web' }, at: 10 }));
    const web = e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: 'web' }, at: 20 }));
    return { orders, timeouts, web };
  };

  it('opens a new incident for a root-like alert on another item, and says why', () => {
    const { orders, timeouts, web } = run({});
    expect(timeouts.incidentKey).toBe(orders.incidentKey);
    expect(web.action).toBe('opened');
    expect(web.score).toMatchObject({ rootFit: 'effect', roleFactor: 0.5, roleItem: 'svc:orders' });
    expect(web.score!.roleShare).toBeCloseTo(7 / 8);
    expect(web.reason).toContain('a root-like alert (its type fired on the root in 88% of confirmed incidents) while orders already has one, score ×0.50');
  });

  it('links it as an effect without the learned roles', () => {
    const { orders, web } = run({ roles: { ...engineConfig().roles, enabled: false } });
    expect(web.incidentKey).toBe(orders.incidentKey);
    expect(web.score!.roleFactor).toBe(1);
  });

  it('keeps a root-like alert on the item that already has one', () => {
    const e = engine({}, taught());
    const first = e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: 'orders' }, at: 0, fingerprint: 'oom-1' }));
    const again = e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: 'orders' }, at: 20, fingerprint: 'oom-2' }));
    expect(again.incidentKey).toBe(first.incidentKey);
    expect(again.score!.roleFactor).toBe(1);
  });

  it('learns roles from incidents that resolve', () => {
    const e = engine({ roles: { ...engineConfig().roles, minSupport: 1 } });
    e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 0 }));
    e.decide(alert({ name: 'HighLatency', labels: { service: 'orders' }, at: 10 }));
    e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 60, status: 'resolved', startedAt: 0 }));
    e.decide(alert({ name: 'HighLatency', labels: { service: 'orders' }, at: 60, status: 'resolved', startedAt: 10 }));
    expect(e.roles.role('HostDown@host')).toBeNull();
    // An event after the hold runs the resolve timer.
    e.decide(alert({ name: 'Other', labels: { service: 'billing' }, at: 60 + e.config.holdMs / 1000 + 1 }));
    expect(e.roles.role('HostDown@host')).toMatchObject({ onRoot: 1, elsewhere: 0 });
    expect(e.roles.role('HighLatency@service')).toMatchObject({ onRoot: 0, elsewhere: 1 });
  });
});

describe('root-like alert far below the root', () => {
  // The incident's root orders-db has only alerts the model knows nothing about, so nothing in
  // it is root-like; web needs orders-db two causal hops up (web → orders → orders-db).
  const run = (config: Partial<EngineConfig>, oomOn: string) => {
    const e = engine(config, taught());
    const db = e.decide(alert({ name: 'SlowQueries', labels: { db: 'orders-db' }, at: 0 }));
    const orders = e.decide(alert({ name: 'HighLatency', labels: { service: 'orders' }, at: 10 }));
    const oom = e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: oomOn }, at: 20 }));
    return { db, orders, oom };
  };

  it('opens a new incident two causal hops below a root with nothing root-like, and says why', () => {
    const { db, orders, oom } = run({}, 'web');
    expect(orders.incidentKey).toBe(db.incidentKey);
    expect(oom.action).toBe('opened');
    expect(oom.score).toMatchObject({ rootFit: 'effect', rootHops: 2, roleFactor: 0.5, roleItem: 'db:orders-db', roleBelowRoot: true });
    expect(oom.reason).toContain("a root-like alert (its type fired on the root in 88% of confirmed incidents) 2 causal hops below the incident's root orders-db, which has none (a fault that far down shows symptoms), score ×0.50");
  });

  it('links it with belowRootHops 0 (off)', () => {
    const { db, oom } = run({ roles: { ...engineConfig().roles, belowRootHops: 0 } }, 'web');
    expect(oom.incidentKey).toBe(db.incidentKey);
    expect(oom.score).toMatchObject({ roleFactor: 1, roleBelowRoot: false });
  });

  it('links it one hop below the root: what runs on a failing thing often reports itself down', () => {
    const { db, oom } = run({}, 'orders');
    expect(oom.incidentKey).toBe(db.incidentKey);
    expect(oom.score).toMatchObject({ rootFit: 'effect', rootHops: 1, roleFactor: 1 });
  });
});
