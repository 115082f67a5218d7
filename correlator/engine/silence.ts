/**
 * Silences: an operator's "do not page for alerts matching these labels until then".
 * Alertmanager semantics: every matcher must match; active from startsAt (inclusive) to endsAt
 * (exclusive). A silence without matchers matches nothing rather than everything.
 */
import type { Silence } from '../../engine/suppression/suppression.ts';
import { matchesLabels } from './label-matcher.ts';

export type { Silence } from '../../engine/suppression/suppression.ts';

/** The first active silence (in list order) matching the labels at this instant, or null. */
export function matchingSilence(silences: readonly Silence[], labels: Readonly<Record<string, string>>, atMs: number): Silence | null {
  for (const s of silences) {
    if (s.matchers.length === 0 || atMs < s.startsAtMs || atMs >= s.endsAtMs) continue;
    if (matchesLabels(s.matchers, labels)) return s;
  }
  return null;
}
