/**
 * An indexed, read-only graph over a Topology: neighbours, bounded shortest paths, the
 * upstream/downstream closure along causal relations, connected components, and a classified
 * neighbourhood ("reach") that the correlator scores topology proximity with.
 *
 * Direction: for a causal relation (default `depends_on`, `runs_on`) `X -> Y` means X needs Y,
 * so Y is upstream of X: a fault in Y shows up as alerts on X. Other relation kinds
 * (`connects_to`, …) carry no direction and count only for hop distance.
 *
 * Relations naming an unknown item are ignored (a partial topology upload must not throw here;
 * the API validates shapes at the edge). Items keep their input order as their index.
 */
import { CutSides } from './cut-sides.ts';
import type { ConfigItem, Topology } from './topology.ts';

export type EdgeDirection = 'out' | 'in';

export interface Neighbour {
  id: string;
  /** Relation kind, e.g. `depends_on`. */
  kind: string;
  /** `out`: this item is the relation's `from` (it needs the neighbour, for a causal kind). */
  direction: EdgeDirection;
}

export interface PathStep {
  from: string;
  to: string;
  kind: string;
  direction: EdgeDirection;
}

/**
 * How an item in another's neighbourhood is related to it, strongest first:
 * self; upstream (it needs the other, transitively); downstream (the other needs it);
 * sibling (both need a common upstream item); linked (any other path, e.g. `connects_to`).
 */
export type ReachRelation = 'self' | 'upstream' | 'downstream' | 'sibling' | 'linked';

export interface ReachEntry {
  /** Item index (see `idOf`). */
  index: number;
  hops: number;
  relation: ReachRelation;
}

export interface TopologyGraphOptions {
  /** Relation kinds that carry a fault from `to` (upstream) to `from`. Default depends_on, runs_on. */
  causalKinds?: readonly string[];
}

interface Edge {
  to: number;
  kind: string;
  direction: EdgeDirection;
  causal: boolean;
}

export class TopologyGraph {
  private readonly items: readonly ConfigItem[];
  private readonly indexById = new Map<string, number>();
  private readonly edges: Edge[][];
  private readonly componentIds: string[];
  private cuts: CutSides | null = null;

  constructor(topology: Topology, options: TopologyGraphOptions = {}) {
    const causal = new Set(options.causalKinds ?? ['depends_on', 'runs_on']);
    this.items = topology.items;
    topology.items.forEach((item, i) => {
      if (!this.indexById.has(item.id)) this.indexById.set(item.id, i);
    });
    this.edges = topology.items.map(() => []);
    for (const rel of topology.relations) {
      const a = this.indexById.get(rel.from);
      const b = this.indexById.get(rel.to);
      if (a === undefined || b === undefined || a === b) continue;
      const isCausal = causal.has(rel.kind);
      this.edges[a]!.push({ to: b, kind: rel.kind, direction: 'out', causal: isCausal });
      this.edges[b]!.push({ to: a, kind: rel.kind, direction: 'in', causal: isCausal });
    }
    // Deterministic neighbour order whatever the relation order: BFS paths then do not
    // depend on how the topology was uploaded.
    for (const list of this.edges) list.sort((x, y) => x.to - y.to || cmp(x.kind, y.kind) || cmp(x.direction, y.direction));
    this.componentIds = this.computeComponents();
  }

  get size(): number {
    return this.items.length;
  }

  has(id: string): boolean {
    return this.indexById.has(id);
  }

  indexOf(id: string): number | undefined {
    return this.indexById.get(id);
  }

  idOf(index: number): string {
    return this.items[index]!.id;
  }

  item(id: string): ConfigItem | undefined {
    const i = this.indexById.get(id);
    return i === undefined ? undefined : this.items[i];
  }

  /** A short human name for an item: its `name`, else its id. */
  nameOf(id: string): string {
    return this.item(id)?.name || id;
  }

  neighbours(id: string): Neighbour[] {
    const i = this.indexById.get(id);
    if (i === undefined) return [];
    return this.edges[i]!.map((e) => ({ id: this.idOf(e.to), kind: e.kind, direction: e.direction }));
  }

  /** Undirected hop distance, or null when farther than maxHops (or unknown items). */
  distance(from: string, to: string, maxHops = Number.POSITIVE_INFINITY): number | null {
    const p = this.path(from, to, maxHops);
    return p === null ? null : p.length;
  }

  /**
   * A shortest undirected path as steps from `from` to `to`, at most maxHops long; [] for the
   * same item; null when none. BFS stops at maxHops, so the cost is bounded by the ball size.
   */
  path(from: string, to: string, maxHops = Number.POSITIVE_INFINITY): PathStep[] | null {
    const a = this.indexById.get(from);
    const b = this.indexById.get(to);
    if (a === undefined || b === undefined) return null;
    if (a === b) return [];
    const prev = new Map<number, { node: number; edge: Edge }>();
    prev.set(a, { node: -1, edge: undefined as unknown as Edge });
    let frontier = [a];
    for (let hops = 0; hops < maxHops && frontier.length > 0; hops++) {
      const next: number[] = [];
      for (const n of frontier) {
        for (const e of this.edges[n]!) {
          if (prev.has(e.to)) continue;
          prev.set(e.to, { node: n, edge: e });
          if (e.to === b) return this.unwind(prev, b);
          next.push(e.to);
        }
      }
      frontier = next;
    }
    return null;
  }

  /**
   * Words for how `from` reaches `to`, named from the far end, as an operator reads it in a
   * link reason: "2 hops from orders-db via depends_on, runs_on". Null when no path within maxHops.
   */
  describePath(from: string, to: string, maxHops = Number.POSITIVE_INFINITY): string | null {
    const steps = this.path(from, to, maxHops);
    if (steps === null) return null;
    const name = this.nameOf(to);
    if (steps.length === 0) return `on ${name} itself`;
    const kinds = [...new Set(steps.map((s) => s.kind))].join(', ');
    return `${steps.length} hop${steps.length === 1 ? '' : 's'} from ${name} via ${kinds}`;
  }

  /** Items `id` needs, transitively along causal relations, with their hop counts. */
  upstream(id: string, maxHops = Number.POSITIVE_INFINITY): Map<string, number> {
    return this.directed(id, 'out', maxHops);
  }

  /** Items that need `id`, transitively along causal relations: where its faults show up. */
  downstream(id: string, maxHops = Number.POSITIVE_INFINITY): Map<string, number> {
    return this.directed(id, 'in', maxHops);
  }

  /** Whether a fault in `a` can reach `b` along causal relations. */
  isUpstreamOf(a: string, b: string, maxHops = Number.POSITIVE_INFINITY): boolean {
    return this.downstream(a, maxHops).has(b);
  }

  /**
   * The component an item belongs to, named by the smallest item id in it: the same for every
   * process given the same topology, whatever the upload order, so it can be a partition key.
   * Unknown items get null.
   */
  componentOf(id: string): string | null {
    const i = this.indexById.get(id);
    return i === undefined ? null : this.componentIds[i]!;
  }

  componentOfIndex(index: number): string {
    return this.componentIds[index]!;
  }

  /** Component id → its item ids. */
  components(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    this.items.forEach((item, i) => {
      const c = this.componentIds[i]!;
      const list = out.get(c);
      if (list) list.push(item.id);
      else out.set(c, [item.id]);
    });
    return out;
  }

  /**
   * Every item within maxHops of `index`, once per relation it has to it, with that relation's
   * fewest hops (for a sibling, up to the common item and down again); an item both 1 hop
   * `linked` and 2 hops `sibling` appears twice, and the caller weighs which counts more.
   * Sorted by item index, then relation strength. Cost is bounded by the maxHops ball, not the
   * graph; callers cache it per item.
   */
  reach(index: number, maxHops: number): ReachEntry[] {
    const best = new Map<number, ReachEntry>();
    const put = (n: number, hops: number, relation: ReachRelation): void => {
      const key = n * 5 + RANK[relation];
      const cur = best.get(key);
      if (cur === undefined || hops < cur.hops) best.set(key, { index: n, hops, relation });
    };
    put(index, 0, 'self');
    const up = this.directedIdx(index, 'out', maxHops);
    const down = this.directedIdx(index, 'in', maxHops);
    for (const [n, h] of up) put(n, h, 'upstream');
    for (const [n, h] of down) put(n, h, 'downstream');
    for (const [u, h1] of up) {
      if (h1 >= maxHops) continue;
      for (const [n, h2] of this.directedIdx(u, 'in', maxHops - h1)) {
        if (n !== index) put(n, h1 + h2, 'sibling');
      }
    }
    let frontier = [index];
    const seen = new Set<number>([index]);
    for (let hops = 1; hops <= maxHops && frontier.length > 0; hops++) {
      const next: number[] = [];
      for (const n of frontier) {
        for (const e of this.edges[n]!) {
          if (seen.has(e.to)) continue;
          seen.add(e.to);
          // Items already related causally at these hops need no weaker `linked` entry.
          const up = best.get(e.to * 5 + RANK.upstream);
          const down = best.get(e.to * 5 + RANK.downstream);
          if (!(up && up.hops <= hops) && !(down && down.hops <= hops)) put(e.to, hops, 'linked');
          next.push(e.to);
        }
      }
      frontier = next;
    }
    return [...best.values()].sort((x, y) => x.index - y.index || RANK[x.relation] - RANK[y.relation]);
  }

  /**
   * Whether item `y` lies, once item `x` is removed, in the part of their component that holds
   * more than half of the other items (see CutSides: what x cuts off lies on the other sides).
   * Built on first use, O(items + relations), then a scan of x's search-tree children per call.
   */
  onBulkSide(x: number, y: number): boolean {
    if (this.cuts === null) {
      const adjacent = this.edges.map((list) => list.map((e) => e.to));
      this.cuts = new CutSides(this.items.length, (i) => adjacent[i]!);
    }
    return this.cuts.onBulkSide(x, y);
  }

  /** Whether the item takes part in any causal relation (either end). */
  hasCausalRelations(index: number): boolean {
    return this.edges[index]!.some((e) => e.causal);
  }

  /** Indices of the items `index` needs, transitively along causal relations (itself excluded). */
  upstreamIndices(index: number, maxHops = Number.POSITIVE_INFINITY): number[] {
    return [...this.directedIdx(index, 'out', maxHops).keys()];
  }

  private directed(id: string, direction: EdgeDirection, maxHops: number): Map<string, number> {
    const i = this.indexById.get(id);
    const out = new Map<string, number>();
    if (i === undefined) return out;
    for (const [n, h] of this.directedIdx(i, direction, maxHops)) out.set(this.idOf(n), h);
    return out;
  }

  /** BFS along causal edges in one direction; excludes the start. */
  private directedIdx(start: number, direction: EdgeDirection, maxHops: number): Map<number, number> {
    const dist = new Map<number, number>();
    let frontier = [start];
    const seen = new Set<number>([start]);
    for (let hops = 1; hops <= maxHops && frontier.length > 0; hops++) {
      const next: number[] = [];
      for (const n of frontier) {
        for (const e of this.edges[n]!) {
          if (!e.causal || e.direction !== direction || seen.has(e.to)) continue;
          seen.add(e.to);
          dist.set(e.to, hops);
          next.push(e.to);
        }
      }
      frontier = next;
    }
    return dist;
  }

  private unwind(prev: Map<number, { node: number; edge: Edge }>, end: number): PathStep[] {
    const steps: PathStep[] = [];
    let cur = end;
    for (;;) {
      const p = prev.get(cur)!;
      if (p.node === -1) break;
      steps.push({ from: this.idOf(p.node), to: this.idOf(cur), kind: p.edge.kind, direction: p.edge.direction });
      cur = p.node;
    }
    return steps.reverse();
  }

  private computeComponents(): string[] {
    const out: string[] = new Array(this.items.length);
    const done = new Uint8Array(this.items.length);
    for (let s = 0; s < this.items.length; s++) {
      if (done[s]) continue;
      const members: number[] = [s];
      done[s] = 1;
      for (let k = 0; k < members.length; k++) {
        for (const e of this.edges[members[k]!]!) {
          if (!done[e.to]) {
            done[e.to] = 1;
            members.push(e.to);
          }
        }
      }
      let name = this.idOf(s);
      for (const m of members) if (this.idOf(m) < name) name = this.idOf(m);
      for (const m of members) out[m] = name;
    }
    return out;
  }
}

const RANK: Record<ReachRelation, number> = { self: 0, upstream: 1, downstream: 2, sibling: 3, linked: 4 };

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
