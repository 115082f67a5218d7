/**
 * Topology proximity of every item near a given item, scored with the engine's affinity table
 * and cached per item (bounded, least recently used dropped), so an alert's neighbourhood is
 * computed once per item rather than once per alert. Also each item's causal ancestors.
 */
import type { ReachRelation, TopologyGraph } from '../../engine/topology/topology-graph.ts';

export interface ScoredReach {
  index: number;
  affinity: number;
  hops: number;
  relation: ReachRelation;
}

export class ReachCache {
  private readonly cache = new Map<number, ScoredReach[]>();
  private readonly ancestorCache = new Map<number, { set: ReadonlySet<number>; hops: ReadonlyMap<number, number> }>();
  private readonly parentCache = new Map<number, readonly number[]>();

  constructor(
    private readonly graph: TopologyGraph,
    private readonly maxHops: number,
    private readonly affinity: Record<ReachRelation, readonly number[]>,
    private readonly capacity: number,
    private readonly ancestorHops: number,
  ) {}

  get size(): number {
    return this.cache.size;
  }

  /** The item and everything it needs along causal relations (within ancestorHops): its possible causes. */
  ancestors(index: number): ReadonlySet<number> {
    return this.ancestry(index).set;
  }

  /** Causal hops from `index` up to each of its ancestors (0 for itself). */
  hopsUp(index: number): ReadonlyMap<number, number> {
    return this.ancestry(index).hops;
  }

  private ancestry(index: number): { set: ReadonlySet<number>; hops: ReadonlyMap<number, number> } {
    let entry = this.ancestorCache.get(index);
    if (entry === undefined) {
      const hops = new Map<number, number>([[index, 0]]);
      for (const [id, h] of this.graph.upstream(this.graph.idOf(index), this.ancestorHops)) hops.set(this.graph.indexOf(id)!, h);
      entry = { set: new Set(hops.keys()), hops };
      if (this.ancestorCache.size >= this.capacity) this.ancestorCache.delete(this.ancestorCache.keys().next().value!);
      this.ancestorCache.set(index, entry);
    }
    return entry;
  }

  /** The items `index` needs directly (one causal hop). */
  parents(index: number): readonly number[] {
    let list = this.parentCache.get(index);
    if (list === undefined) {
      list = this.graph.upstreamIndices(index, 1);
      if (this.parentCache.size >= this.capacity) this.parentCache.delete(this.parentCache.keys().next().value!);
      this.parentCache.set(index, list);
    }
    return list;
  }

  /** Items with positive affinity to `index`, strongest first (ties by item index). */
  of(index: number): ScoredReach[] {
    const hit = this.cache.get(index);
    if (hit !== undefined) {
      this.cache.delete(index);
      this.cache.set(index, hit);
      return hit;
    }
    const best = new Map<number, ScoredReach>();
    for (const r of this.graph.reach(index, this.maxHops)) {
      const a = this.affinity[r.relation][r.hops] ?? 0;
      if (a <= 0) continue;
      const cur = best.get(r.index);
      if (cur === undefined || a > cur.affinity) best.set(r.index, { index: r.index, affinity: a, hops: r.hops, relation: r.relation });
    }
    const list = [...best.values()].sort((x, y) => y.affinity - x.affinity || x.index - y.index);
    if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(index, list);
    return list;
  }
}
