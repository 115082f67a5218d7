/**
 * The model-free half of an edge's evidence: how often the effect was preceded by the cause
 * nearby, against chance. Kept apart from the model so a person can recount it by hand.
 */
import type { EventIndex } from './event-index.ts';

/**
 * Effect occurrences with a cause occurrence on an item within maxHops in [t − window, t], and
 * the number expected if the cause kept firing at its average rate on those items regardless.
 */
export function precededCounts(
  index: EventIndex,
  cause: number,
  effect: number,
  windowSeconds: number,
): { preceded: number; expectedPreceded: number } {
  const span = Math.max(index.end - index.start, 1e-9);
  const causeTimesByItem = new Map<number, number[]>();
  for (const e of index.byType[cause]!) {
    const it = index.item[e]!;
    let list = causeTimesByItem.get(it);
    if (!list) causeTimesByItem.set(it, (list = []));
    list.push(index.time[e]!);
  }
  let preceded = 0;
  let expectedPreceded = 0;
  for (const e of index.byType[effect]!) {
    const t = index.time[e]!;
    let rate = 0;
    let hit = false;
    for (const ring of index.rings[index.item[e]!]!) {
      for (const it of ring) {
        const times = causeTimesByItem.get(it);
        if (!times) continue;
        rate += times.length / span;
        if (!hit) hit = anyIn(times, t - windowSeconds, t);
      }
    }
    if (hit) preceded++;
    expectedPreceded += 1 - Math.exp(-rate * windowSeconds);
  }
  return { preceded, expectedPreceded };
}

/** Whether the sorted list has a value in [lo, hi]. */
function anyIn(sorted: number[], lo: number, hi: number): boolean {
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (sorted[mid]! < lo) a = mid + 1;
    else b = mid;
  }
  return a < sorted.length && sorted[a]! <= hi;
}
