/**
 * Of the first `n` items of `items`, moves the `k` first under `before` (a strict total order:
 * negative when x comes first, never 0 for two different items) to the front, in place, and
 * returns how many are kept (min(n, k)). The kept items are those a full sort would keep, in no
 * particular order: a quickselect, linear on average, where sorting to cut a list would be
 * n log n. Items from `n` on are not touched.
 */
export function keepFirst<T>(items: T[], n: number, k: number, before: (x: T, y: T) => number): number {
  if (n <= k) return n;
  if (k <= 0) return 0;
  let lo = 0;
  let hi = n - 1;
  // Invariant: everything left of lo comes before everything in [lo, hi], everything right of
  // hi after it, and lo <= k <= hi.
  while (lo < hi) {
    swap(items, (lo + hi) >>> 1, hi);
    const pivot = items[hi]!;
    let store = lo;
    for (let i = lo; i < hi; i++) {
      if (before(items[i]!, pivot) < 0) swap(items, i, store++);
    }
    swap(items, store, hi);
    if (store === k) break;
    if (store < k) lo = store + 1;
    else hi = store - 1;
  }
  return k;
}

function swap<T>(items: T[], i: number, j: number): void {
  const x = items[i]!;
  items[i] = items[j]!;
  items[j] = x;
}
