/**
 * An incident whose members have all stayed on one item for longer than
 * EngineConfig.confined.afterMs is a local fault: an alert on a connected item joining it is
 * scaled by EngineConfig.confined.factor, and its reason says so.
 */
import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { engineConfig, type EngineConfig } from '../../../correlator/engine/engine-config.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import type { Topology } from '../../../engine/topology/topology.ts';
import { alert } from './fixtures.ts';

const node = (kind: string, name: string) => ({ id: `${kind}:${name}`, kind, name, labels: { device: name } });

//   srv-a ──connects_to── sw-1 ──connects_to── srv-b      (no causal relations: a network tree)
const TOPO: Topology = {
  items: [node('server', 'srv-a'), node('switch', 'sw-1'), node('server', 'srv-b')],
  relations: [
    { from: 'server:srv-a', to: 'switch:sw-1', kind: 'connects_to' },
    { from: 'server:srv-b', to: 'switch:sw-1', kind: 'connects_to' },
  ],
};

// The bulk-side rule (bulk-side.test.ts) would scale the same links here (sw-1 and srv-b lie on
// the bulk side of srv-a): off, so that these tests see this rule alone.
function engine(config: Partial<EngineConfig> = {}): CorrelationEngine {
  return new CorrelationEngine({ graph: new TopologyGraph(TOPO), matcher: new ItemMatcher(TOPO.items), config: { bulkSide: { afterMs: null, factor: 0.5 }, ...config } });
}

const confined = (factor: number, afterMs = 60_000): Partial<EngineConfig> => ({ confined: { afterMs, factor } });

describe('a local fault: an incident that stayed on one item', () => {
  it('is on by default at ×0.80 after 60 s', () => {
    expect(engineConfig().confined).toEqual({ afterMs: 60_000, factor: 0.8 });
  });

  it('scales a connected item joining after the incident stayed on one item too long, and says so', () => {
    const e = engine(confined(0.9));
    const local = e.decide(alert({ name: 'HostMemoryPressure', labels: { device: 'srv-a' }, at: 0 }));
    e.decide(alert({ name: 'HighCPU', labels: { device: 'srv-a' }, at: 20 }));
    const sw = e.decide(alert({ name: 'PacketLoss', labels: { device: 'sw-1' }, at: 90 }));
    expect(sw.score).toMatchObject({ relation: 'linked', hops: 1, confined: 0.9 });
    expect(sw.reason).toContain('the incident has stayed on srv-a alone for 90 s (a local fault), score ×0.90');
    expect(sw).toMatchObject({ action: 'linked', incidentKey: local.incidentKey });
  });

  it('leaves alone an alert within afterMs, one on the same item, and an incident that already spread', () => {
    const e = engine(confined(0.5));
    e.decide(alert({ name: 'HostMemoryPressure', labels: { device: 'srv-a' }, at: 0 }));
    const early = e.decide(alert({ name: 'PacketLoss', labels: { device: 'sw-1' }, at: 30 }));
    expect(early.score!.confined).toBe(1);
    const same = e.decide(alert({ name: 'HighCPU', labels: { device: 'srv-a' }, at: 100 }));
    expect(same.score).toMatchObject({ relation: 'self', confined: 1 });
    // sw-1 alerted at 30 s: the incident is on two items, no longer a local fault.
    const late = e.decide(alert({ name: 'HostUnreachable', labels: { device: 'srv-b' }, at: 120 }));
    expect(late.score!.confined).toBe(1);
    expect(late.reason).not.toContain('local fault');
    expect(late.incidentKey).toBe(early.incidentKey);
  });

  it('can decide the link: the neighbour opens its own incident and the reason names the factor', () => {
    const e = engine(confined(0.5));
    const local = e.decide(alert({ name: 'HostMemoryPressure', labels: { device: 'srv-a' }, at: 0 }));
    const sw = e.decide(alert({ name: 'PacketLoss', labels: { device: 'sw-1' }, at: 90 }));
    expect(sw.action).toBe('opened');
    expect(sw.incidentKey).not.toBe(local.incidentKey);
    expect(sw.reason).toContain('×0.50: the incident has stayed on srv-a alone for 90 s (a local fault)');
    const plain = engine(confined(1));
    const local2 = plain.decide(alert({ name: 'HostMemoryPressure', labels: { device: 'srv-a' }, at: 0 }));
    const sw2 = plain.decide(alert({ name: 'PacketLoss', labels: { device: 'sw-1' }, at: 90 }));
    expect(sw2).toMatchObject({ action: 'linked', incidentKey: local2.incidentKey });
    expect(sw2.score!.confined).toBe(1);
  });
});
