/**
 * TopologyGraph.onBulkSide (CutSides): whether an item lies, once another is removed, in the
 * part of their component that holds more than half of the rest.
 */
import { describe, expect, it } from 'vitest';
import { CutSides } from '../../engine/topology/cut-sides.ts';
import { TopologyGraph } from '../../engine/topology/topology-graph.ts';
import type { Topology } from '../../engine/topology/topology.ts';

const node = (id: string) => ({ id, kind: 'device', name: id, labels: { device: id } });
const link = (from: string, to: string) => ({ from, to, kind: 'connects_to' });

//   core ── dist-1 ── sw-1 ── srv-1a, srv-1b
//     └──── dist-2 ── sw-2 ── srv-2a, srv-2b        lone (a second component)
const TREE: Topology = {
  items: ['core', 'dist-1', 'sw-1', 'srv-1a', 'srv-1b', 'dist-2', 'sw-2', 'srv-2a', 'srv-2b', 'lone'].map(node),
  relations: [
    link('dist-1', 'core'), link('sw-1', 'dist-1'), link('srv-1a', 'sw-1'), link('srv-1b', 'sw-1'),
    link('dist-2', 'core'), link('sw-2', 'dist-2'), link('srv-2a', 'sw-2'), link('srv-2b', 'sw-2'),
  ],
};

describe('the bulk side of an item', () => {
  const g = new TopologyGraph(TREE);
  const bulk = (x: string, y: string): boolean => g.onBulkSide(g.indexOf(x)!, g.indexOf(y)!);

  it('is the uplink side of a switch, not what the switch cuts off', () => {
    for (const y of ['dist-1', 'core', 'dist-2', 'sw-2', 'srv-2b']) expect(bulk('sw-1', y)).toBe(true);
    for (const y of ['srv-1a', 'srv-1b', 'sw-1']) expect(bulk('sw-1', y)).toBe(false);
  });

  it('is everything else for a leaf, and nothing for a central item (no side holds most of the rest)', () => {
    for (const y of ['sw-1', 'srv-1b', 'core', 'srv-2a']) expect(bulk('srv-1a', y)).toBe(true);
    for (const y of ['dist-1', 'srv-1a', 'dist-2', 'srv-2b']) expect(bulk('core', y)).toBe(false);
  });

  it('is never in another component', () => {
    expect(bulk('sw-1', 'lone')).toBe(false);
    expect(bulk('lone', 'core')).toBe(false);
  });

  it('is everything else where removing the item cuts nothing off (a ring)', () => {
    const adj = [[1, 3], [0, 2], [1, 3], [2, 0]];
    const ring = new CutSides(4, (i) => adj[i]!);
    expect([1, 2, 3].map((y) => ring.onBulkSide(0, y))).toEqual([true, true, true]);
    // The same ring with a tail of two behind item 0: the tail is what 0 cuts off (the smaller part).
    const adj2 = [[1, 3, 4], [0, 2], [1, 3], [2, 0], [0, 5], [4]];
    const tailed = new CutSides(6, (i) => adj2[i]!);
    expect([1, 2, 3].map((y) => tailed.onBulkSide(0, y))).toEqual([true, true, true]);
    expect([4, 5].map((y) => tailed.onBulkSide(0, y))).toEqual([false, false]);
    // Seen from the middle of the tail, the ring is the bulk; from a ring item, the rest of the ring and the tail.
    expect([0, 2, 5].map((y) => tailed.onBulkSide(4, y))).toEqual([true, true, false]);
    expect([0, 3, 5].map((y) => tailed.onBulkSide(1, y))).toEqual([true, true, true]);
    // Halves of equal size: neither is the bulk.
    const adj3 = [[1, 3], [0, 2], [1], [0, 4], [3]];
    const path = new CutSides(5, (i) => adj3[i]!);
    expect([1, 3].map((y) => path.onBulkSide(0, y))).toEqual([false, false]);
  });
});
