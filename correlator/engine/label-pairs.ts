/**
 * The label pairs that say where an alert is and what it is about, as sorted `key=value`
 * strings for Jaccard similarity. Volatile labels (instance, pod, …) differ between replicas
 * of the same thing and would make twin alerts look unrelated, so they are left out; so is
 * `alertname`, which the text similarity already weighs.
 */
import { shared } from './shared-strings.ts';

export function labelPairs(labels: Readonly<Record<string, string>>, volatile: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const k in labels) {
    if (k === 'alertname' || volatile.has(k)) continue;
    out.push(shared(`${k}=${labels[k]}`));
  }
  // Kept per alert: a right-sized copy, not the array `push` grew with room to spare.
  return out.sort().slice();
}
