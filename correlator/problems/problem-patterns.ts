/**
 * Causal patterns among a problem's alert types, from their occurrences in the window: which
 * type tends to precede and trigger which, on the same item or a topology neighbour
 * (correlator/causal, ADR 0002). Only direct edges between two different types of the problem
 * are kept, each with a sentence a problem manager can check against the history.
 *
 * "Enough data": at least two of the problem's types occurred `minOccurrences` times (episodes,
 * after repeats closer than the miner's gap are collapsed) in the window; with less, a fit would
 * only echo noise, so none is attempted. Pure.
 */
import type { ItemAdjacency } from '../causal/causal-pattern.ts';
import { collapseRepeats } from '../causal/collapse-repeats.ts';
import { CAUSAL_DEFAULTS, mineCausalPatterns } from '../causal/mine-causal-patterns.ts';
import type { ProblemCausalEdge, ProblemEvidence } from '../../engine/problem/problem.ts';
import { formatGap } from '../group-key.ts';

export interface TypedOccurrence {
  /** `Name@kind` or the name, as in signature parts. */
  type: string;
  /** An item id, or the part's place (`service=x`) for alerts with no item. */
  item: string;
  timeMs: number;
}

export function mineProblemPatterns(
  occurrences: readonly TypedOccurrence[],
  opts: { types: readonly string[]; minOccurrences: number; adjacency?: ItemAdjacency },
): ProblemEvidence['causal'] {
  const types = new Set(opts.types);
  if (types.size < 2) return { status: 'single-type', events: 0, edges: [] };
  const events = occurrences.filter((o) => types.has(o.type)).map((o) => ({ type: o.type, item: o.item, time: o.timeMs / 1000 }));
  const episodes = collapseRepeats(events, CAUSAL_DEFAULTS.repeatGapSeconds);
  const perType = new Map<string, number>();
  for (const e of episodes) perType.set(String(e.type), (perType.get(String(e.type)) ?? 0) + 1);
  const enough = [...perType.values()].filter((n) => n >= opts.minOccurrences).length;
  if (enough < 2) return { status: 'not-enough-data', events: events.length, edges: [] };

  const mined = mineCausalPatterns(events, opts.adjacency ? { adjacency: opts.adjacency } : {});
  const edges: ProblemCausalEdge[] = mined.edges
    .filter((e) => e.direct && e.cause !== e.effect && types.has(String(e.cause)) && types.has(String(e.effect)))
    .map((e) => {
      const strength = round(e.strength, 3);
      const directionResolved = e.evidence.reverseLogLikelihoodGain === 0;
      const lift = Number.isFinite(e.evidence.lift) ? round(e.evidence.lift, 1) : null;
      const sameItemShare = round(e.evidence.sameItemShare, 2);
      const where = sameItemShare >= 0.5 ? `mostly on the same item (${Math.round(sameItemShare * 100)} %)` : `mostly on a topology neighbour (${Math.round((1 - sameItemShare) * 100)} %)`;
      const words =
        `${e.cause} tends to precede and trigger ${e.effect}: about ${strength} ${e.effect} per ${e.cause}, ` +
        `typically ${formatGap(e.lagSeconds * 1000).replace(/ after$/, '')} later, ${where}; ` +
        `${e.evidence.preceded} of ${e.evidence.effectCount} ${e.effect} had a ${e.cause} just before${lift === null ? '' : ` (${lift}× chance)`}` +
        (directionResolved ? '' : '; the opposite direction fits too, so which comes first is unsettled');
      return {
        cause: String(e.cause),
        effect: String(e.effect),
        strength,
        lagSeconds: round(e.lagSeconds, 1),
        support: e.support,
        lift,
        sameItemShare,
        directionResolved,
        words,
      };
    });
  return { status: 'mined', events: events.length, edges };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Number.isFinite(x) ? Math.round(x * f) / f : x;
}
