/**
 * One copy of the short strings many alert states hold: label pairs such as
 * `severity=warning` or `service=orders-api`, text tokens such as `latency`. Each alert built
 * its own copies, and kept for as long as the alert is, they were about a sixth of the engine's
 * heap at 10,000 alerts/s (every one an old-generation object the collector walks).
 *
 * Bounded: the pool starts over when it holds `SHARED_STRINGS_LIMIT` strings, so a stream of
 * one-off values (ids in summaries) costs at most that many entries. A string handed out
 * before stays what it was; it is only no longer shared with later ones.
 */
import { flatString } from './flat-string.ts';

export const SHARED_STRINGS_LIMIT = 50_000;

const pool = new Map<string, string>();

/** `s`, or the equal string handed out before it. */
export function shared(s: string): string {
  const have = pool.get(s);
  if (have !== undefined) return have;
  if (pool.size >= SHARED_STRINGS_LIMIT) pool.clear();
  pool.set(s, flatString(s));
  return s;
}

/** How many strings the pool holds (for tests). */
export function sharedStringCount(): number {
  return pool.size;
}
