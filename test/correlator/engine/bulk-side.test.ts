/**
 * EngineConfig.bulkSide: where the topology has no causal direction, an incident that started on
 * an item and has stayed on it and on what it cuts off for `afterMs` does not take an alert on
 * the bulk side of that item (the part of the network that does not need it) at full score: a
 * fault cuts off what lies behind it, so that is more likely a second fault. The reason says so.
 */
import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { engineConfig, type EngineConfig } from '../../../correlator/engine/engine-config.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import type { Topology } from '../../../engine/topology/topology.ts';
import { alert } from './fixtures.ts';

const node = (kind: string, name: string) => ({ id: `${kind}:${name}`, kind, name, labels: { device: name } });

//   core ── dist-1 ── sw-1 ── srv-1a, srv-1b          (connects_to only: a network tree)
//     └──── dist-2 ── sw-2 ── srv-2a, srv-2b
const NAMES: Array<[string, string]> = [
  ['router', 'core'], ['router', 'dist-1'], ['switch', 'sw-1'], ['server', 'srv-1a'], ['server', 'srv-1b'],
  ['router', 'dist-2'], ['switch', 'sw-2'], ['server', 'srv-2a'], ['server', 'srv-2b'],
];
const id = (name: string): string => `${NAMES.find(([, n]) => n === name)![0]}:${name}`;
const UP: Array<[string, string]> = [['dist-1', 'core'], ['sw-1', 'dist-1'], ['srv-1a', 'sw-1'], ['srv-1b', 'sw-1'], ['dist-2', 'core'], ['sw-2', 'dist-2'], ['srv-2a', 'sw-2'], ['srv-2b', 'sw-2']];
const tree = (kind: string): Topology => ({ items: NAMES.map(([k, n]) => node(k, n)), relations: UP.map(([from, to]) => ({ from: id(from), to: id(to), kind })) });
const TREE = tree('connects_to');
// The same shape with causal relations (each item depends on its uplink): the root fit judges there.
const CAUSAL = tree('depends_on');

function engine(config: Partial<EngineConfig> = {}, topo: Topology = TREE): CorrelationEngine {
  // The local-fault factor (confined-fault.test.ts) would scale some of the same links: off here.
  return new CorrelationEngine({ graph: new TopologyGraph(topo), matcher: new ItemMatcher(topo.items), config: { confined: { afterMs: 60_000, factor: 1 }, ...config } });
}

/** A switch fault: the switch, then a server behind it; then an alert on the switch's uplink router at `distAt` s. */
function switchFaultThenDist(e: CorrelationEngine, distAt: number) {
  const sw = e.decide(alert({ name: 'InterfaceDown', labels: { device: 'sw-1' }, at: 0 }));
  e.decide(alert({ name: 'HostUnreachable', labels: { device: 'srv-1a' }, at: 8 }));
  const dist = e.decide(alert({ name: 'BGPSessionDown', labels: { device: 'dist-1' }, at: distAt }));
  return { sw, dist };
}

describe('an alert on the bulk side of the item an incident started on', () => {
  it('is on by default at ×0.50 from 20 s after the first alert', () => {
    expect(engineConfig().bulkSide).toEqual({ afterMs: 20_000, factor: 0.5 });
  });

  it('is scaled once the incident has stayed behind its first item for afterMs, and the reason says why', () => {
    const { sw, dist } = switchFaultThenDist(engine(), 60);
    expect(dist.score).toMatchObject({ relation: 'linked', hops: 1, bulkSide: 0.5, bulkSideFrom: 'switch:sw-1' });
    expect(dist.action).toBe('opened');
    expect(dist.incidentKey).not.toBe(sw.incidentKey);
    expect(dist.reason).toContain('×0.50: on the far side of sw-1 from what it cuts off, where the incident started 60 s before and has stayed (a fault cuts off what lies behind it: a second fault here)');
  });

  it('decides the link: without the rule the router joins the switch incident', () => {
    const { sw, dist } = switchFaultThenDist(engine({ bulkSide: { afterMs: null, factor: 0.5 } }), 60);
    expect(dist).toMatchObject({ action: 'linked', incidentKey: sw.incidentKey });
    expect(dist.score!.bulkSide).toBe(1);
    expect(dist.score!.bulkSideFrom).toBeNull();
  });

  it('names the factor in a linked reason when the link still holds', () => {
    const e = engine({ bulkSide: { afterMs: 20_000, factor: 0.9 } });
    const { sw, dist } = switchFaultThenDist(e, 60);
    expect(dist).toMatchObject({ action: 'linked', incidentKey: sw.incidentKey });
    expect(dist.reason).toContain('on the far side of sw-1 from what it cuts off, where the incident started 60 s before and has stayed (a fault cuts off what lies behind it: a second fault here), score ×0.90');
  });

  it('leaves alone an alert within afterMs (the first item may be a symptom of a fault beyond it)', () => {
    const { sw, dist } = switchFaultThenDist(engine(), 15);
    expect(dist).toMatchObject({ action: 'linked', incidentKey: sw.incidentKey });
    expect(dist.score!.bulkSide).toBe(1);
  });

  it('leaves alone an alert behind the first item, and an incident that already reaches the bulk side', () => {
    const e = engine();
    const { sw } = switchFaultThenDist(e, 15);
    const behind = e.decide(alert({ name: 'HostUnreachable', labels: { device: 'srv-1b' }, at: 60 }));
    expect(behind).toMatchObject({ action: 'linked', incidentKey: sw.incidentKey });
    expect(behind.score!.bulkSide).toBe(1);
    const core = e.decide(alert({ name: 'PacketLoss', labels: { device: 'core' }, at: 70 }));
    expect(core).toMatchObject({ action: 'linked', incidentKey: sw.incidentKey });
    expect(core.score!.bulkSide).toBe(1);
  });

  it('never applies where an item has causal relations, nor on an incident started on a central item', () => {
    const causal = switchFaultThenDist(engine({}, CAUSAL), 60);
    expect(causal.dist.score!.bulkSide).toBe(1);
    const e = engine();
    const core = e.decide(alert({ name: 'InterfaceDown', labels: { device: 'core' }, at: 0 }));
    const dist = e.decide(alert({ name: 'PacketLoss', labels: { device: 'dist-2' }, at: 60 }));
    expect(dist).toMatchObject({ action: 'linked', incidentKey: core.incidentKey });
    expect(dist.score!.bulkSide).toBe(1);
  });
});
