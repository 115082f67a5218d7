/** What is stored and shown of a link's score: the figures that applied. */
import { describe, expect, it } from 'vitest';
import { appliedTerms } from '../../../correlator/engine/applied-terms.ts';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import { alert, SHOP } from './fixtures.ts';

describe('applied terms of a score', () => {
  it('keeps the total, the terms and the gaps, and what applied; leaves out what did not', () => {
    const e = new CorrelationEngine({ graph: new TopologyGraph(SHOP), matcher: new ItemMatcher(SHOP.items) });
    e.decide(alert({ name: 'HighErrorRate', labels: { service: 'orders' }, at: 0 }));
    const db = e.decide(alert({ name: 'DBDown', labels: { db: 'orders-db' }, at: 10 }));
    const full = db.score!;
    const shown = appliedTerms(full);
    for (const k of ['total', 'time', 'topology', 'labels', 'text', 'learned', 'gapMs', 'sinceFirstMs'] as const) expect(shown[k]).toBe(full[k]);
    // Checked and applying: kept, whatever the value.
    expect(shown).toMatchObject({ rootFit: 'cause', rootItem: 'svc:orders', rootLagMs: 10_000, viaItem: full.viaItem, hops: full.hops });
    // Not checked (null), not holding (false), a factor that changed nothing (1): left out.
    for (const k of ['roleRule', 'roleItem', 'silentParent', 'silentParentLate', 'rootFactor', 'roleFactor', 'unseenPath', 'confined', 'bulkSide', 'bulkSideFrom', 'rolePlaced']) expect(shown).not.toHaveProperty(k);
    expect(Object.keys(shown).length).toBeLessThan(Object.keys(full).length / 2 + 4);
  });

  it('keeps a factor that scaled the total and a flag that held', () => {
    const shown = appliedTerms({ ...baseScore(), rootFactor: 0.5, silentParent: true, topology: 0, learned: 0, bulkSide: 0.5, bulkSideFrom: 'sw:3' });
    expect(shown).toMatchObject({ rootFactor: 0.5, silentParent: true, topology: 0, learned: 0, bulkSide: 0.5, bulkSideFrom: 'sw:3' });
    expect(shown).not.toHaveProperty('lateEffect');
  });
});

function baseScore() {
  return {
    total: 0.6, time: 1, topology: 1, labels: 0.5, text: 0.5, learned: 0, gapMs: 0, sinceFirstMs: 0,
    viaItem: null, hops: null, relation: null, consistent: null, rootFit: null, rootItem: null, rootLagMs: null,
    rootFactor: 1, silentParent: false, silentParentLate: false, lateEffect: 1, rootHops: null, nearerRoot: 1,
    unseenPath: 1, confined: 1, bulkSide: 1, bulkSideFrom: null, staleItem: 1, staleItemMs: null, freshItem: null, freshAgoMs: null, roleShare: null, rolePlaced: null, roleFactor: 1, roleItem: null, roleRule: null, learnedWith: null,
  } as const;
}
