/**
 * Maps an alert's labels to the configuration items it is about: an item matches when every
 * one of its labels is present with the same value in the alert; among matches only the most
 * specific (most labels) are kept, ties in item-id order so the answer never depends on upload
 * order. An item without labels matches nothing (it cannot be addressed by an alert).
 *
 * Indexed: each item is filed under its rarest label pair, so one lookup touches only the items
 * anchored on pairs the alert carries, not every item. Cost per alert is
 * O(alert labels + items anchored on them), independent of topology size for realistic labels.
 */
import type { ConfigItem } from './topology.ts';

interface Entry {
  id: string;
  pairs: ReadonlyArray<readonly [string, string]>;
}

export class ItemMatcher {
  private readonly byAnchor = new Map<string, Entry[]>();

  constructor(items: readonly ConfigItem[]) {
    const frequency = new Map<string, number>();
    for (const item of items) {
      for (const [k, v] of Object.entries(item.labels)) frequency.set(pairKey(k, v), (frequency.get(pairKey(k, v)) ?? 0) + 1);
    }
    const seen = new Set<string>();
    for (const item of items) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      const pairs = Object.entries(item.labels);
      if (pairs.length === 0) continue;
      let anchor = pairKey(pairs[0]![0], pairs[0]![1]);
      for (const [k, v] of pairs) {
        const key = pairKey(k, v);
        const f = frequency.get(key)!;
        const best = frequency.get(anchor)!;
        if (f < best || (f === best && key < anchor)) anchor = key;
      }
      const list = this.byAnchor.get(anchor);
      const entry: Entry = { id: item.id, pairs };
      if (list) list.push(entry);
      else this.byAnchor.set(anchor, [entry]);
    }
  }

  /** The most specific matching item ids, sorted; [] when none matches. */
  match(labels: Readonly<Record<string, string>>): string[] {
    let bestCount = 0;
    let best: string[] = [];
    for (const k in labels) {
      const list = this.byAnchor.get(pairKey(k, labels[k]!));
      if (list === undefined) continue;
      for (const entry of list) {
        if (entry.pairs.length < bestCount) continue;
        let all = true;
        for (const [ik, iv] of entry.pairs) {
          if (labels[ik] !== iv) {
            all = false;
            break;
          }
        }
        if (!all) continue;
        if (entry.pairs.length > bestCount) {
          bestCount = entry.pairs.length;
          best = [entry.id];
        } else best.push(entry.id);
      }
    }
    return best.length > 1 ? best.sort() : best;
  }
}

function pairKey(k: string, v: string): string {
  return `${k}\u0000${v}`;
}
