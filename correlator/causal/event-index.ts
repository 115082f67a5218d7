/**
 * Dense, typed-array view of an event log: types and items as small integers, events sorted by
 * time, per-item event lists and topology rings (items at exactly h hops). Every later stage of
 * causal mining loops over these arrays, so they are built once here.
 */
import type { CausalEvent, ItemAdjacency } from './causal-pattern.ts';

export interface EventIndex {
  typeLabels: (string | number)[];
  itemLabels: string[];
  /** Per event, in time order. */
  type: Int32Array;
  item: Int32Array;
  time: Float64Array;
  /** Event indices of each item, in time order. */
  byItem: Int32Array[];
  /** Event indices of each type, in time order. */
  byType: Int32Array[];
  /** rings[item][h]: items at exactly h hops (rings[item][0] = [item]). */
  rings: Int32Array[][];
  maxHops: number;
  start: number;
  end: number;
  /**
   * observed[item * K + type] = 1 when the type ever occurs on the item. Only those
   * (item, type) pairs are modelled as possible targets: an item that never raised a type is
   * taken to be unable to (another kind of hardware), so it should not dilute excitation.
   */
  observed: Uint8Array;
  /** targets[(item * (maxHops + 1) + h) * K + type]: items in rings[item][h] that can raise the type. */
  targets: Float64Array;
}

export function buildEventIndex(
  events: readonly CausalEvent[],
  adjacency: ItemAdjacency | undefined,
  maxHops: number,
  horizon?: { start: number; end: number },
): EventIndex {
  const typeLabels = distinctTypes(events);
  const typeId = new Map<string | number, number>(typeLabels.map((t, i) => [t, i]));
  const itemId = new Map<string, number>();
  const itemLabels: string[] = [];
  const idOf = (item: string): number => {
    let id = itemId.get(item);
    if (id === undefined) {
      id = itemLabels.length;
      itemId.set(item, id);
      itemLabels.push(item);
    }
    return id;
  };
  for (const e of events) idOf(e.item);
  // Silent items still matter: a two-hop path may run through an item that raised nothing.
  if (adjacency) for (const [a, ns] of adjacency) {
    idOf(a);
    for (const b of ns) idOf(b);
  }

  const order = events.map((_, i) => i).sort((a, b) => events[a]!.time - events[b]!.time || a - b);
  const n = events.length;
  const type = new Int32Array(n);
  const item = new Int32Array(n);
  const time = new Float64Array(n);
  order.forEach((src, k) => {
    const e = events[src]!;
    type[k] = typeId.get(e.type)!;
    item[k] = itemId.get(e.item)!;
    time[k] = e.time;
  });

  const D = itemLabels.length;
  const K = typeLabels.length;
  const byItem = groupIndices(item, D);
  const byType = groupIndices(type, K);

  const neighbours: Set<number>[] = Array.from({ length: D }, () => new Set<number>());
  if (adjacency) for (const [a, ns] of adjacency) {
    const ia = itemId.get(a)!;
    for (const b of ns) {
      const ib = itemId.get(b)!;
      if (ia === ib) continue;
      neighbours[ia]!.add(ib);
      neighbours[ib]!.add(ia);
    }
  }
  const rings = neighbours.map((_, origin) => ringsFrom(origin, neighbours, maxHops));

  const observed = new Uint8Array(D * K);
  for (let k = 0; k < n; k++) observed[item[k]! * K + type[k]!] = 1;
  const H1 = maxHops + 1;
  const targets = new Float64Array(D * H1 * K);
  for (let m = 0; m < D; m++) {
    for (let h = 0; h < H1; h++) {
      const base = (m * H1 + h) * K;
      for (const t of rings[m]![h]!) for (let j = 0; j < K; j++) targets[base + j] = targets[base + j]! + observed[t * K + j]!;
    }
  }

  const start = horizon?.start ?? (n > 0 ? time[0]! : 0);
  const end = horizon?.end ?? (n > 0 ? time[n - 1]! : 0);
  return { typeLabels, itemLabels, type, item, time, byItem, byType, rings, maxHops, start, end, observed, targets };
}

function distinctTypes(events: readonly CausalEvent[]): (string | number)[] {
  const seen = [...new Set(events.map((e) => e.type))];
  // Numbers before strings, each in natural order, so the output order is stable across runs.
  return seen.sort((a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (typeof a === 'number') return -1;
    if (typeof b === 'number') return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

function groupIndices(keys: Int32Array, size: number): Int32Array[] {
  const counts = new Int32Array(size);
  for (const k of keys) counts[k] = counts[k]! + 1;
  const groups = Array.from({ length: size }, (_, g) => new Int32Array(counts[g]!));
  const fill = new Int32Array(size);
  keys.forEach((k, i) => {
    groups[k]![fill[k]!++] = i;
  });
  return groups;
}

function ringsFrom(origin: number, neighbours: Set<number>[], maxHops: number): Int32Array[] {
  const rings: Int32Array[] = [Int32Array.of(origin)];
  const seen = new Set<number>([origin]);
  let frontier = [origin];
  for (let h = 1; h <= maxHops; h++) {
    const next: number[] = [];
    for (const a of frontier) for (const b of neighbours[a]!) {
      if (seen.has(b)) continue;
      seen.add(b);
      next.push(b);
    }
    next.sort((x, y) => x - y);
    rings.push(Int32Array.from(next));
    frontier = next;
  }
  return rings;
}
