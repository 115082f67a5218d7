/**
 * A cause of a root that already reports itself broken (EngineConfig.roles.causeOfBrokenRoot):
 * an alert that is not root-like itself, on an item the incident's root needs, does not take
 * that root's place when the root already has a root-like alert: it is a second fault.
 */
import { describe, expect, it } from 'vitest';
import { AlertRoleModel } from '../../../correlator/engine/alert-role-model.ts';
import { appliedTerms } from '../../../correlator/engine/applied-terms.ts';
import { CoOccurrenceModel } from '../../../correlator/engine/co-occurrence-model.ts';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { engineConfig, type EngineConfig } from '../../../correlator/engine/engine-config.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import { alert, SHOP } from './fixtures.ts';

/** Crash loops fired on the root of six confirmed incidents, timeouts elsewhere; HostDown is unknown. */
function taught(): AlertRoleModel {
  const m = new AlertRoleModel();
  for (let i = 0; i < 6; i++) m.observeIncident(['PodCrashLooping@service'], ['UpstreamTimeouts@service']);
  return m;
}

function engine(config: Partial<EngineConfig> = {}, model?: CoOccurrenceModel): CorrelationEngine {
  return new CorrelationEngine({ graph: new TopologyGraph(SHOP), matcher: new ItemMatcher(SHOP.items), config, roles: taught(), model });
}

const roles = (over: Partial<EngineConfig['roles']>): Partial<EngineConfig> => ({ roles: { ...engineConfig().roles, ...over } });

/** orders (running on host-1) opens an incident with `first`; host-1 reports itself down 3 s later. */
function run(first: string, config: Partial<EngineConfig> = {}, model?: CoOccurrenceModel) {
  const e = engine(config, model);
  const orders = e.decide(alert({ name: first, labels: { service: 'orders' }, at: 0 }));
  const host = e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 3 }));
  return { orders, host };
}

describe('a cause of a root that already reports itself broken', () => {
  it('opens its own incident, and the reason says why', () => {
    const { orders, host } = run('PodCrashLooping');
    expect(host.action).toBe('opened');
    expect(host.incidentKey).not.toBe(orders.incidentKey);
    expect(host.score).toMatchObject({ rootFit: 'cause', roleShare: null, roleFactor: 0.5, roleRule: 'broken-root', roleItem: 'svc:orders' });
    expect(host.reason).toContain(
      "not known to be root-like (too few incidents of its type yet), would be a cause of the incident's root orders, which already has a root-like alert (the incident names its broken thing: a second fault), score ×0.50",
    );
    // Recorded with the applied terms: the rule and the factor it applied.
    expect(appliedTerms(host.score!)).toMatchObject({ roleRule: 'broken-root', roleFactor: 0.5 });
  });

  it('joins as the new root when the root only shows a symptom (one fault: the service alerted first)', () => {
    const { orders, host } = run('UpstreamTimeouts');
    expect(host.action).toBe('linked');
    expect(host.incidentKey).toBe(orders.incidentKey);
    expect(host.score).toMatchObject({ rootFit: 'cause', roleFactor: 1, roleRule: null });
  });

  it('joins with causeOfBrokenRoot off', () => {
    const { orders, host } = run('PodCrashLooping', roles({ causeOfBrokenRoot: false }));
    expect(host.incidentKey).toBe(orders.incidentKey);
    expect(host.score).toMatchObject({ rootFit: 'cause', roleFactor: 1, roleRule: null });
  });

  it('joins when learned co-occurrence with the incident types vouches for it (vouchedAt)', () => {
    const model = new CoOccurrenceModel();
    model.feedback('HostDown@host', 'PodCrashLooping@service', 3);
    const { orders, host } = run('PodCrashLooping', {}, model);
    expect(host.score!.learned).toBeGreaterThanOrEqual(engineConfig().roles.vouchedAt);
    expect(host.incidentKey).toBe(orders.incidentKey);
    expect(host.score).toMatchObject({ roleFactor: 1, roleRule: null });
  });

  it('leaves a root-like cause to the second-root rule', () => {
    const m = taught();
    for (let i = 0; i < 6; i++) m.observeIncident(['HostDown@host'], []);
    const e = new CorrelationEngine({ graph: new TopologyGraph(SHOP), matcher: new ItemMatcher(SHOP.items), roles: m });
    e.decide(alert({ name: 'PodCrashLooping', labels: { service: 'orders' }, at: 0 }));
    const host = e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 3 }));
    expect(host.score).toMatchObject({ rootFit: 'cause', roleFactor: 0.5, roleRule: 'second-root' });
  });
});

/** OOM kills fired on the root of six confirmed incidents; crash loops and HostDown are unknown. */
function taughtOom(): AlertRoleModel {
  const m = new AlertRoleModel();
  for (let i = 0; i < 6; i++) m.observeIncident(['ContainerOOMKilled@service'], ['UpstreamTimeouts@service']);
  return m;
}

describe('a root-like alert on the item an incident started on, below a root that joined later', () => {
  const make = (config: Partial<EngineConfig> = {}) =>
    new CorrelationEngine({ graph: new TopologyGraph(SHOP), matcher: new ItemMatcher(SHOP.items), config, roles: taughtOom() });

  // orders crash-loops (its type not known yet), host-1 (which orders runs on) reports itself down
  // 3 s later and becomes the incident's root as a cause; then orders is OOM-killed.
  const run = (config: Partial<EngineConfig> = {}) => {
    const e = make(config);
    const orders = e.decide(alert({ name: 'PodCrashLooping', labels: { service: 'orders' }, at: 0 }));
    const host = e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 3 }));
    const oom = e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: 'orders' }, at: 5 }));
    return { orders, host, oom };
  };

  it('opens a new incident, and the reason names the root that took over', () => {
    const { orders, host, oom } = run();
    expect(host.incidentKey).toBe(orders.incidentKey);
    expect(host.score).toMatchObject({ rootFit: 'cause', roleRule: null });
    expect(oom.action).toBe('opened');
    expect(oom.score).toMatchObject({ rootFit: 'effect', rootHops: 1, roleFactor: 0.5, roleRule: 'displaced-root', roleItem: 'host:host-1' });
    expect(oom.reason).toContain(
      "on the item the incident started on, below its root host-1, which joined later as a cause and has none (the item it started on reports itself broken: host-1 was a second fault), score ×0.50",
    );
    expect(appliedTerms(oom.score!)).toMatchObject({ roleRule: 'displaced-root', roleFactor: 0.5 });
  });

  it('links it with displacedRoot off', () => {
    const { orders, oom } = run(roles({ displacedRoot: false }));
    expect(oom.incidentKey).toBe(orders.incidentKey);
    expect(oom.score).toMatchObject({ rootFit: 'effect', roleFactor: 1, roleRule: null });
  });

  it('does not judge it on another item directly below the root (what runs on a broken host may report itself down)', () => {
    const e = make();
    const db = e.decide(alert({ name: 'SlowQueries', labels: { db: 'orders-db' }, at: 0 }));
    e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 3 }));
    const oom = e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: 'orders' }, at: 5 }));
    expect(oom.incidentKey).toBe(db.incidentKey);
    expect(oom.score).toMatchObject({ rootFit: 'effect', rootHops: 1, roleFactor: 1, roleRule: null });
  });

  it('does not judge it while the item the incident started on is still its root', () => {
    const e = make();
    const orders = e.decide(alert({ name: 'PodCrashLooping', labels: { service: 'orders' }, at: 0 }));
    const oom = e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: 'orders' }, at: 5 }));
    expect(oom.incidentKey).toBe(orders.incidentKey);
    expect(oom.score).toMatchObject({ roleFactor: 1, roleRule: null });
  });
});
