/**
 * Learned alert roles (AlertRoleModel, EngineConfig.roles): a type that usually fires on the
 * broken item, arriving on a second item of an incident that already has one, is a second fault.
 */
import { describe, expect, it } from 'vitest';
import { AlertRoleModel } from '../../../correlator/engine/alert-role-model.ts';
import { CoOccurrenceModel } from '../../../correlator/engine/co-occurrence-model.ts';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { engineConfig, type EngineConfig } from '../../../correlator/engine/engine-config.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import type { Topology } from '../../../engine/topology/topology.ts';
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

  it("links it when learned co-occurrence with the incident's types reaches vouchedAt (0.5)", () => {
    const withFeedback = (n: number) => {
      const model = new CoOccurrenceModel();
      model.feedback('ContainerOOMKilled@service', 'UpstreamTimeouts@service', n);
      const e = new CorrelationEngine({ graph: new TopologyGraph(SHOP), matcher: new ItemMatcher(SHOP.items), model, roles: taught() });
      const orders = e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: 'orders' }, at: 0 }));
      e.decide(alert({ name: 'UpstreamTimeouts', labels: { service: 'web' }, at: 10 }));
      return { orders, web: e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: 'web' }, at: 20 })) };
    };
    // One merge: 0.6 × tanh(1) ≈ 0.46, not enough; two: ≈ 0.58.
    const once = withFeedback(1);
    expect(once.web.score!.learned).toBeCloseTo(0.46, 2);
    expect(once.web).toMatchObject({ action: 'opened', score: { roleFactor: 0.5, roleRule: 'second-root' } });
    const twice = withFeedback(2);
    expect(twice.web.score!.learned).toBeCloseTo(0.58, 2);
    expect(twice.web).toMatchObject({ action: 'linked', incidentKey: twice.orders.incidentKey, score: { roleFactor: 1 } });
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
    expect(oom.score).toMatchObject({ rootFit: 'effect', rootHops: 2, roleFactor: 0.5, roleItem: 'db:orders-db', roleRule: 'below-root' });
    expect(oom.reason).toContain("a root-like alert (its type fired on the root in 88% of confirmed incidents) 2 causal hops below the incident's root orders-db, which has none (a fault that far down shows symptoms), score ×0.50");
  });

  it('links it with belowRootHops 0 (off)', () => {
    const { db, oom } = run({ roles: { ...engineConfig().roles, belowRootHops: 0 } }, 'web');
    expect(oom.incidentKey).toBe(db.incidentKey);
    expect(oom.score).toMatchObject({ roleFactor: 1, roleRule: null });
  });

  it('opens a new incident one hop below the root when it comes later than the cascade needs, and says why', () => {
    const late = (config: Partial<EngineConfig>) => {
      const e = engine(config, taught());
      const db = e.decide(alert({ name: 'SlowQueries', labels: { db: 'orders-db' }, at: 0 }));
      e.decide(alert({ name: 'HighLatency', labels: { service: 'orders' }, at: 10 }));
      // 30 s of grace + 45 s for one hop: at 90 s the cascade would have raised it long ago.
      return { db, oom: e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: 'orders' }, at: 90 })) };
    };
    const { db, oom } = late({});
    expect(oom.incidentKey).not.toBe(db.incidentKey);
    expect(oom.score).toMatchObject({ rootFit: 'effect', rootHops: 1, roleFactor: 0.5, roleItem: 'db:orders-db', roleRule: 'late-below-root' });
    expect(oom.reason).toContain("a root-like alert (its type fired on the root in 88% of confirmed incidents) directly below the incident's root orders-db, which has none, 90 s after its first alert (later than the cascade needs: a second fault starting there), score ×0.50");
    const off = late({ roles: { ...engineConfig().roles, lateOneHopBelow: false } });
    expect(off.oom.incidentKey).toBe(off.db.incidentKey);
    expect(off.oom.score).toMatchObject({ roleFactor: 1, roleRule: null });
  });

  it('links it one hop below the root: what runs on a failing thing often reports itself down', () => {
    const { db, oom } = run({}, 'orders');
    expect(oom.incidentKey).toBe(db.incidentKey);
    expect(oom.score).toMatchObject({ rootFit: 'effect', rootHops: 1, roleFactor: 1 });
  });
});

describe('root-like alerts beside each other, directly below the root', () => {
  // host-1 fails (its own alert is of a type the model knows nothing about); orders-db and
  // orders both run on it, one causal hop below; web is two hops below (through orders).
  const run = (config: Partial<EngineConfig>, oomOn: string) => {
    const roles = taught();
    for (let i = 0; i < 6; i++) roles.observeIncident(['DBDown@database'], ['UpstreamTimeouts@service']);
    const e = engine(config, roles);
    const host = e.decide(alert({ name: 'HighCPU', labels: { host: 'host-1' }, at: 0 }));
    const db = e.decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 5 }));
    const oom = e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: oomOn }, at: 15 }));
    return { host, db, oom };
  };

  it('links a root-like alert beside one that is also directly below the root, and says why', () => {
    const { host, db, oom } = run({}, 'orders');
    expect(db.incidentKey).toBe(host.incidentKey);
    expect(oom.incidentKey).toBe(host.incidentKey);
    expect(oom.score).toMatchObject({ rootFit: 'effect', rootHops: 1, rootItem: 'host:host-1', roleFactor: 1, roleItem: 'db:orders-db', roleRule: 'beside-root' });
    expect(oom.reason).toContain("a root-like alert (its type fired on the root in 88% of confirmed incidents) beside the one on orders-db, both directly below the incident's root host-1 (what runs on one broken thing reports itself down): not a second root");
  });

  it('judges it as a second root with besideRoot off', () => {
    const { host, oom } = run({ roles: { ...engineConfig().roles, besideRoot: false } }, 'orders');
    expect(oom.incidentKey).not.toBe(host.incidentKey);
    expect(oom.score).toMatchObject({ roleFactor: 0.5, roleRule: 'second-root' });
  });

  it('still judges one directly below a root that has a root-like alert of its own', () => {
    const roles = taught();
    for (let i = 0; i < 6; i++) roles.observeIncident(['HostDown@host'], ['UpstreamTimeouts@service']);
    const e = engine({}, roles);
    const host = e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 0 }));
    const oom = e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: 'orders' }, at: 15 }));
    expect(oom.incidentKey).not.toBe(host.incidentKey);
    expect(oom.score).toMatchObject({ rootHops: 1, roleFactor: 0.5, roleItem: 'host:host-1', roleRule: 'second-root' });
  });

  it('still judges one further down as a second root', () => {
    const { host, oom } = run({}, 'web');
    expect(oom.incidentKey).not.toBe(host.incidentKey);
    expect(oom.score).toMatchObject({ rootHops: 2, roleFactor: 0.5, roleItem: 'db:orders-db', roleRule: 'second-root' });
  });
});

describe('root-like alert away from where the incident started (no causal direction)', () => {
  const node = (kind: string, name: string) => ({ id: `${kind}:${name}`, kind, name, labels: { device: name } });
  //   srv-a ──connects_to── sw-1 ──connects_to── srv-b      (no causal relations: a network tree)
  const NET: Topology = {
    items: [node('server', 'srv-a'), node('switch', 'sw-1'), node('server', 'srv-b')],
    relations: [
      { from: 'server:srv-a', to: 'switch:sw-1', kind: 'connects_to' },
      { from: 'server:srv-b', to: 'switch:sw-1', kind: 'connects_to' },
    ],
  };
  const net = (config: Partial<EngineConfig> = {}, roles?: AlertRoleModel) =>
    new CorrelationEngine({ graph: new TopologyGraph(NET), matcher: new ItemMatcher(NET.items), config, roles });
  /** `type` on the item an incident started on, six times; unreachable elsewhere. */
  const isRoot = (type: string): AlertRoleModel => {
    const m = new AlertRoleModel();
    for (let i = 0; i < 6; i++) m.observeIncident([type], ['HostUnreachable@server']);
    return m;
  };
  const run = (config: Partial<EngineConfig>, at: number, on = 'srv-b', name = 'HostDown') => {
    const e = net(config, isRoot(`${name}@${on.startsWith('sw') ? 'switch' : 'server'}`));
    const sw = e.decide(alert({ name: 'InterfaceDown', labels: { device: 'sw-1' }, at: 0, fingerprint: 'if-1' }));
    const a = e.decide(alert({ name: 'HostUnreachable', labels: { device: 'srv-a' }, at: 5 }));
    const down = e.decide(alert({ name, labels: { device: on }, at }));
    return { sw, a, down };
  };
  const off = { roles: { ...engineConfig().roles, startedElsewhereAfterMs: null } };

  it('opens a new incident for a root-like alert on another item 20 s or more after the start, and says why', () => {
    const { sw, a, down } = run({}, 30);
    expect(a.incidentKey).toBe(sw.incidentKey);
    expect(down.action).toBe('opened');
    expect(down.score).toMatchObject({ relation: 'linked', roleFactor: 0.5, roleItem: 'switch:sw-1', roleRule: 'started-elsewhere' });
    expect(down.reason).toContain('a root-like alert (its type fired on the root in 88% of confirmed incidents) away from sw-1, where the incident started 30 s before (no causal direction here: the item it started on is taken as its root), score ×0.50');
  });

  it('links it when off, when it comes early, and on the item the incident started on', () => {
    const whenOff = run(off, 30);
    expect(whenOff.down.incidentKey).toBe(whenOff.sw.incidentKey);
    expect(whenOff.down.score).toMatchObject({ roleFactor: 1, roleRule: null });
    const early = run({}, 15);
    expect(early.down.incidentKey).toBe(early.sw.incidentKey);
    expect(early.down.score!.roleFactor).toBe(1);
    // A second root-like alert on sw-1, where it started (which already has one: the second-root rule leaves it too).
    const onStart = run({}, 30, 'sw-1', 'InterfaceDown');
    expect(onStart.down.incidentKey).toBe(onStart.sw.incidentKey);
    expect(onStart.down.score!.roleFactor).toBe(1);
  });

  it('is not vouched for by learned co-occurrence there', () => {
    const model = new CoOccurrenceModel();
    model.feedback('HostDown@server', 'InterfaceDown@switch', 3);
    const e = new CorrelationEngine({ graph: new TopologyGraph(NET), matcher: new ItemMatcher(NET.items), model, roles: isRoot('HostDown@server') });
    e.decide(alert({ name: 'InterfaceDown', labels: { device: 'sw-1' }, at: 0 }));
    e.decide(alert({ name: 'HostUnreachable', labels: { device: 'srv-a' }, at: 5 }));
    const down = e.decide(alert({ name: 'HostDown', labels: { device: 'srv-b' }, at: 30 }));
    expect(down.score!.learned).toBeGreaterThanOrEqual(e.config.roles.vouchedAt);
    expect(down.score).toMatchObject({ roleFactor: 0.5, roleRule: 'started-elsewhere' });
  });

  it('learns roles there with the item an incident started on as its root', () => {
    const e = net({ roles: { ...engineConfig().roles, minSupport: 1 } });
    e.decide(alert({ name: 'InterfaceDown', labels: { device: 'sw-1' }, at: 0 }));
    e.decide(alert({ name: 'HostUnreachable', labels: { device: 'srv-a' }, at: 10 }));
    e.decide(alert({ name: 'InterfaceDown', labels: { device: 'sw-1' }, at: 60, status: 'resolved', startedAt: 0 }));
    e.decide(alert({ name: 'HostUnreachable', labels: { device: 'srv-a' }, at: 60, status: 'resolved', startedAt: 10 }));
    e.decide(alert({ name: 'Other', labels: { device: 'srv-b' }, at: 60 + e.config.holdMs / 1000 + 1 }));
    expect(e.roles.role('InterfaceDown@switch')).toMatchObject({ onRoot: 1, elsewhere: 0 });
    expect(e.roles.role('HostUnreachable@server')).toMatchObject({ onRoot: 0, elsewhere: 1 });
  });
});
