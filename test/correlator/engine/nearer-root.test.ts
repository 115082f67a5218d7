/**
 * Root fit between rivals and the "neither side" penalty (EngineConfig.rootFit), on small
 * hand-made topologies where one figure decides.
 */
import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { engineConfig, type EngineConfig } from '../../../correlator/engine/engine-config.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import type { Topology } from '../../../engine/topology/topology.ts';
import { alert } from './fixtures.ts';

const svc = (name: string) => ({ id: `svc:${name}`, kind: 'service', name, labels: { service: name } });

function engine(topology: Topology, config: Partial<EngineConfig> = {}): CorrelationEngine {
  return new CorrelationEngine({ graph: new TopologyGraph(topology), matcher: new ItemMatcher(topology.items), config });
}

describe('root fit: neither cause nor effect', () => {
  // a runs on vm-1, which runs on host-9; b runs on host-9 directly: a common cause two hops up
  // from a, so no direct parent is shared (not the silent-parent exception).
  const TOPO: Topology = {
    items: [svc('a'), svc('b'), { id: 'vm:vm-1', kind: 'vm', name: 'vm-1', labels: { vm: 'vm-1' } }, { id: 'host:host-9', kind: 'host', name: 'host-9', labels: { host: 'host-9' } }],
    relations: [
      { from: 'svc:a', to: 'vm:vm-1', kind: 'runs_on' },
      { from: 'vm:vm-1', to: 'host:host-9', kind: 'runs_on' },
      { from: 'svc:b', to: 'host:host-9', kind: 'runs_on' },
    ],
  };
  const run = (config: Partial<EngineConfig>) => {
    const e = engine(TOPO, config);
    const first = e.decide(alert({ name: 'HighLatency', labels: { service: 'a' }, at: 0 }));
    const b = e.decide(alert({ name: 'HighLatency', labels: { service: 'b' }, at: 10 }));
    return { first, b };
  };

  it('scales an alert on neither side of the root by 0.6 and says so', () => {
    const { first, b } = run({});
    expect(b.action).toBe('opened');
    expect(b.incidentKey).not.toBe(first.incidentKey);
    expect(b.score).toMatchObject({ rootFit: 'apart', rootItem: 'svc:a', silentParent: false, rootFactor: 0.6 });
    expect(b.reason).toContain('×0.60: neither cause nor effect of its root a');
  });

  it('links the same alert without the penalty', () => {
    const { first, b } = run({ rootFit: { ...engineConfig().rootFit, apartFactor: 1 } });
    expect(b.action).toBe('linked');
    expect(b.incidentKey).toBe(first.incidentKey);
  });
});

describe('root fit: a silent common parent explains a sibling only when it fires with the root', () => {
  // a and b both run on host-9 directly: host-9 could be a silent cause of both.
  const TOPO: Topology = {
    items: [svc('a'), svc('b'), { id: 'host:host-9', kind: 'host', name: 'host-9', labels: { host: 'host-9' } }],
    relations: [
      { from: 'svc:a', to: 'host:host-9', kind: 'runs_on' },
      { from: 'svc:b', to: 'host:host-9', kind: 'runs_on' },
    ],
  };
  const run = (at: number, config: Partial<EngineConfig> = {}) => {
    const e = engine(TOPO, config);
    const first = e.decide(alert({ name: 'HighLatency', labels: { service: 'a' }, at: 0 }));
    const b = e.decide(alert({ name: 'HighLatency', labels: { service: 'b' }, at }));
    return { first, b };
  };

  it('links a sibling within 30 s of the root with no apart factor', () => {
    const { first, b } = run(25);
    expect(b).toMatchObject({ action: 'linked', incidentKey: first.incidentKey });
    expect(b.score).toMatchObject({ rootFit: 'apart', silentParent: true, silentParentLate: false, rootFactor: 1 });
    expect(b.reason).toContain("neither cause nor effect of the incident's root a (both need a common item that is not alerting)");
  });

  it('scales a sibling later than that by the apart factor, and says why', () => {
    const { first, b } = run(45);
    expect(b.action).toBe('opened');
    expect(b.incidentKey).not.toBe(first.incidentKey);
    expect(b.score).toMatchObject({ rootFit: 'apart', silentParent: true, silentParentLate: true, rootFactor: 0.6 });
    expect(b.reason).toContain('×0.60: neither cause nor effect of its root a, 45 s after its first alert: too late for one silent cause of both');
  });

  it('links the late sibling when the window is wide enough', () => {
    const { first, b } = run(45, { rootFit: { ...engineConfig().rootFit, silentParentWithinMs: 60_000 } });
    expect(b).toMatchObject({ action: 'linked', incidentKey: first.incidentKey });
    expect(b.score).toMatchObject({ silentParentLate: false, rootFactor: 1 });
  });
});

describe('root fit: the nearer root wins', () => {
  //   front ──► mid ──► store        (store's fault reaches front in 2 causal hops)
  //   front ──► side                 (side's fault reaches it in 1)
  const TOPO: Topology = {
    items: [svc('front'), svc('mid'), svc('side'), { id: 'db:store', kind: 'database', name: 'store', labels: { db: 'store' } }],
    relations: [
      { from: 'svc:front', to: 'svc:mid', kind: 'depends_on' },
      { from: 'svc:mid', to: 'db:store', kind: 'depends_on' },
      { from: 'svc:front', to: 'svc:side', kind: 'depends_on' },
    ],
  };
  const run = (config: Partial<EngineConfig>) => {
    const e = engine(TOPO, config);
    const store = e.decide(alert({ name: 'DBDown', labels: { db: 'store' }, at: 0 }));
    const side = e.decide(alert({ name: 'HighErrorRate', labels: { service: 'side' }, at: 5 }));
    const mid = e.decide(alert({ name: 'HighLatency', labels: { service: 'mid' }, at: 10 }));
    // Alike the store incident's latest member in name and time; as near to side's root as to mid.
    const front = e.decide(alert({ name: 'HighLatency', labels: { service: 'front' }, at: 20 }));
    return { store, side, mid, front };
  };

  it('gives an effect both faults reach in time to the one whose root is fewer hops away', () => {
    const { store, side, mid, front } = run({});
    expect(side.incidentKey).not.toBe(store.incidentKey);
    expect(mid.incidentKey).toBe(store.incidentKey);
    expect(front.incidentKey).toBe(side.incidentKey);
    expect(front.score).toMatchObject({ rootFit: 'effect', rootItem: 'svc:side', rootHops: 1, nearerRoot: 1 });
  });

  it('without the hop decay, the busier and more alike incident takes it', () => {
    const { store, front } = run({ rootFit: { ...engineConfig().rootFit, nearerRootDecay: 1 } });
    expect(front.incidentKey).toBe(store.incidentKey);
  });

  it('says so when the farther root still wins', () => {
    const { store, front } = run({ rootFit: { ...engineConfig().rootFit, nearerRootDecay: 0.99 } });
    expect(front.incidentKey).toBe(store.incidentKey);
    expect(front.score).toMatchObject({ rootItem: 'db:store', rootHops: 2, nearerRoot: 0.99 });
    expect(front.reason).toContain("an effect of the incident's root store, 2 causal hops away while another incident's root is nearer, score ×0.99");
  });
});
