/**
 * Groups episodes that share a key (alert name, host…) while they keep coming: an episode joins
 * its key's current group when it starts at most `gapMs` after that group's latest episode,
 * otherwise it opens a new group. This is the "sliding window" of rule-based correlators.
 * Episodes must be in start order (alertEpisodes gives them so).
 */
import type { AlertEpisode } from './alert-episodes.ts';

export function sessionWindow(
  episodes: readonly AlertEpisode[],
  keyOf: (episode: AlertEpisode) => string,
  gapMs: number,
  prefix: string,
): string[] {
  const open = new Map<string, { id: string; lastMs: number }>();
  let next = 0;
  return episodes.map((ep) => {
    const key = keyOf(ep);
    const group = open.get(key);
    if (group && ep.startMs - group.lastMs <= gapMs) {
      group.lastMs = Math.max(group.lastMs, ep.startMs);
      return group.id;
    }
    const id = `${prefix}-${next++}`;
    open.set(key, { id, lastMs: ep.startMs });
    return id;
  });
}
