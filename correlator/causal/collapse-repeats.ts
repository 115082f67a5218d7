/**
 * Collapse re-reports of one alert type on one item into episodes (their onsets).
 *
 * Network elements re-raise a standing alarm on every polling cycle (every ~5 minutes in the
 * Huawei microwave logs) for as long as the fault lasts. Those repeats carry no new causal
 * information, but they swamp it: the onset of the cause's episode is followed by its effects,
 * while its re-reports are surrounded by the effect's own re-reports on both sides, which makes
 * time order look symmetric. Keeping only the first occurrence after a quiet gap restores it.
 */
import type { CausalEvent } from './causal-pattern.ts';

export function collapseRepeats(events: readonly CausalEvent[], gapSeconds: number): CausalEvent[] {
  if (!(gapSeconds > 0)) return [...events];
  const sorted = [...events].sort((a, b) => a.time - b.time);
  const lastSeen = new Map<string, number>();
  return sorted.filter((e) => {
    const key = `${typeof e.type}:${String(e.type)}\u0000${e.item}`;
    const previous = lastSeen.get(key);
    lastSeen.set(key, e.time);
    return previous === undefined || e.time - previous >= gapSeconds;
  });
}
