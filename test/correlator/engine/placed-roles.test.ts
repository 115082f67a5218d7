/**
 * Placed roles (PlacementRoles, EngineConfig.roles.placedMinSeen): while a type has too few
 * confirmed incidents for a learned role, the share of its alerts the engine placed on the
 * first item of their incident stands in for it, so a cold stream can judge root-like alerts.
 */
import { describe, expect, it } from 'vitest';
import { AlertRoleModel } from '../../../correlator/engine/alert-role-model.ts';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { engineConfig, type EngineConfig } from '../../../correlator/engine/engine-config.ts';
import { PlacementRoles } from '../../../correlator/engine/placement-roles.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import { alert, SHOP } from './fixtures.ts';

function engine(config: Partial<EngineConfig> = {}, roles?: AlertRoleModel): CorrelationEngine {
  return new CorrelationEngine({ graph: new TopologyGraph(SHOP), matcher: new ItemMatcher(SHOP.items), config, roles });
}

const roles = (over: Partial<EngineConfig['roles']>): Partial<EngineConfig> => ({ roles: { ...engineConfig().roles, ...over } });

describe('PlacementRoles', () => {
  it('gives the smoothed share of placed alerts on their incident first item, from minSeen on', () => {
    const p = new PlacementRoles(100, 1);
    for (let i = 0; i < 4; i++) p.observe('ContainerOOMKilled@service', true);
    expect(p.role('ContainerOOMKilled@service', 5)).toBeNull();
    p.observe('ContainerOOMKilled@service', false);
    expect(p.role('ContainerOOMKilled@service', 5)).toEqual({ rootShare: 5 / 7, onFirst: 4, seen: 5 });
    expect(p.role('UpstreamTimeouts@service', 1)).toBeNull();
  });

  it('stays bounded, keeping the most seen types', () => {
    const p = new PlacementRoles(4, 1);
    for (let i = 0; i < 10; i++) p.observe('often', true);
    for (let t = 0; t < 50; t++) p.observe(`rare-${t}`, false);
    expect(p.role('often', 10)).not.toBeNull();
    expect(['rare-46', 'rare-47', 'rare-48', 'rare-49'].filter((t) => p.role(t, 1) !== null).length).toBeLessThanOrEqual(4);
    expect(p.role('rare-0', 1)).toBeNull();
  });
});

describe('a root-like alert judged by placed roles, cold', () => {
  // Five OOM kills of billing's pods: the first opens an incident, the others join it on the
  // same item, so all five are placed on their incident's first item. Then orders-db's fault
  // (nothing root-like in it) and an OOM kill on web, two causal hops below orders-db.
  const run = (config: Partial<EngineConfig>, model?: AlertRoleModel) => {
    const e = engine(config, model);
    for (let i = 0; i < 5; i++) e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: 'billing', pod: `billing-${i}` }, at: i }));
    const db = e.decide(alert({ name: 'SlowQueries', labels: { db: 'orders-db' }, at: 100 }));
    e.decide(alert({ name: 'HighLatency', labels: { service: 'orders' }, at: 110 }));
    const oom = e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: 'web' }, at: 120 }));
    return { db, oom };
  };

  it('opens a new incident below the root with no confirmed role yet, and the reason names the placements', () => {
    const { db, oom } = run({});
    expect(oom.action).toBe('opened');
    expect(oom.incidentKey).not.toBe(db.incidentKey);
    expect(oom.score).toMatchObject({ rootFit: 'effect', rootHops: 2, roleFactor: 0.5, roleRule: 'below-root', rolePlaced: { onFirst: 5, seen: 5 } });
    expect(oom.score!.roleShare).toBeCloseTo(6 / 7);
    expect(oom.reason).toContain("a root-like alert (no confirmed incidents of its type yet, but 5 of its 5 alerts placed so far were on the item their incident started on) 2 causal hops below the incident's root orders-db, which has none (a fault that far down shows symptoms), score ×0.50");
  });

  it('links it with placedMinSeen null (off), or before the type was placed that often', () => {
    const off = run(roles({ placedMinSeen: null }));
    expect(off.oom.incidentKey).toBe(off.db.incidentKey);
    expect(off.oom.score).toMatchObject({ roleShare: null, rolePlaced: null, roleFactor: 1 });
    const early = run(roles({ placedMinSeen: 6 }));
    expect(early.oom.incidentKey).toBe(early.db.incidentKey);
    expect(early.oom.score).toMatchObject({ roleShare: null, rolePlaced: null });
  });

  it('does not take a type placed mostly away from first items for root-like', () => {
    const e = engine();
    const db = e.decide(alert({ name: 'SlowQueries', labels: { db: 'orders-db' }, at: 0 }));
    for (const [i, svc] of ['orders', 'web', 'search', 'orders', 'web'].entries()) e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: svc, pod: `p-${i}` }, at: 5 + i }));
    const oom = e.decide(alert({ name: 'ContainerOOMKilled', labels: { service: 'web', pod: 'p-new' }, at: 20 }));
    expect(oom.incidentKey).toBe(db.incidentKey);
    expect(oom.score!.roleShare).toBeLessThan(0.8);
    expect(oom.score!.roleFactor).toBe(1);
  });

  it('gives way to the confirmed role once the type has one', () => {
    const model = new AlertRoleModel();
    for (let i = 0; i < 6; i++) model.observeIncident([], ['ContainerOOMKilled@service']);
    const { db, oom } = run({}, model);
    expect(oom.incidentKey).toBe(db.incidentKey);
    expect(oom.score).toMatchObject({ rolePlaced: null, roleFactor: 1 });
    expect(oom.score!.roleShare).toBeCloseTo(1 / 8);
  });
});
