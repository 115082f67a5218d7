/**
 * An effect two or more causal hops from the incident's root while none of the items between
 * alerts yet is scaled by EngineConfig.rootFit.unseenPathFactor, and its reason says so.
 */
import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { engineConfig, type EngineConfig } from '../../../correlator/engine/engine-config.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import type { Topology } from '../../../engine/topology/topology.ts';
import { alert } from './fixtures.ts';

const svc = (name: string) => ({ id: `svc:${name}`, kind: 'service', name, labels: { service: name } });

//   front ──depends_on──► mid ──depends_on──► store
const TOPO: Topology = {
  items: [svc('front'), svc('mid'), { id: 'db:store', kind: 'database', name: 'store', labels: { db: 'store' } }],
  relations: [
    { from: 'svc:front', to: 'svc:mid', kind: 'depends_on' },
    { from: 'svc:mid', to: 'db:store', kind: 'depends_on' },
  ],
};

function engine(config: Partial<EngineConfig> = {}): CorrelationEngine {
  return new CorrelationEngine({ graph: new TopologyGraph(TOPO), matcher: new ItemMatcher(TOPO.items), config });
}

const unseen = (factor: number): Partial<EngineConfig> => ({ rootFit: { ...engineConfig().rootFit, unseenPathFactor: factor } });

describe('root fit: an effect the fault would have had to skip items to reach', () => {
  it('scales an effect two hops from the root with nothing between alerting, and says so', () => {
    const e = engine();
    const root = e.decide(alert({ name: 'DBDown', labels: { db: 'store' }, at: 0 }));
    const front = e.decide(alert({ name: 'HighLatency', labels: { service: 'front' }, at: 20 }));
    expect(front.score).toMatchObject({ rootFit: 'effect', rootItem: 'db:store', rootHops: 2, unseenPath: 0.85 });
    expect(front.reason).toContain('2 causal hops away with nothing between them alerting yet, score ×0.85');
    expect(front.incidentKey).toBe(root.incidentKey);
  });

  it('leaves it alone once an item between alerts', () => {
    const e = engine();
    const root = e.decide(alert({ name: 'DBDown', labels: { db: 'store' }, at: 0 }));
    const mid = e.decide(alert({ name: 'HighErrorRate', labels: { service: 'mid' }, at: 10 }));
    const front = e.decide(alert({ name: 'HighLatency', labels: { service: 'front' }, at: 20 }));
    // One hop from the root: nothing between to see.
    expect(mid.score).toMatchObject({ rootFit: 'effect', rootHops: 1, unseenPath: 1 });
    expect(front.score).toMatchObject({ rootFit: 'effect', rootHops: 2, unseenPath: 1 });
    expect(front.reason).not.toContain('nothing between');
    expect(front.incidentKey).toBe(root.incidentKey);
  });

  it('can decide the link: a strong factor opens a new incident and the reason names it', () => {
    const e = engine(unseen(0.5));
    const root = e.decide(alert({ name: 'DBDown', labels: { db: 'store' }, at: 0 }));
    const front = e.decide(alert({ name: 'HighLatency', labels: { service: 'front' }, at: 20 }));
    expect(front.action).toBe('opened');
    expect(front.incidentKey).not.toBe(root.incidentKey);
    expect(front.reason).toContain('×0.50: its root store is 2 causal hops away and nothing between them alerts yet');
    const plain = engine(unseen(1));
    const root2 = plain.decide(alert({ name: 'DBDown', labels: { db: 'store' }, at: 0 }));
    const front2 = plain.decide(alert({ name: 'HighLatency', labels: { service: 'front' }, at: 20 }));
    expect(front2).toMatchObject({ action: 'linked', incidentKey: root2.incidentKey });
    expect(front2.score!.unseenPath).toBe(1);
  });
});
