/**
 * Decide the direction of pairs that were selected both ways (A→B and B→A).
 *
 * Each effect type is fitted on its own, so a pair of types that fire together can be picked up
 * in both directions. Alarm causality between two types runs one way, so when the two
 * directions' likelihood gains differ by more than the margin (a plain-BIC edge penalty) the
 * weaker one is dropped.
 * When they do not, the data cannot tell (timestamps tied to the second, both types re-reported
 * around each other) and both are kept: an honest "related, direction unresolved", which a
 * root-cause ranking can treat as a tie rather than as a confident but coin-flip arrow.
 *
 * `acyclic` instead forces a DAG (strongest edges first, cycle-closing ones dropped), for callers
 * that need a strict order even where the data are undecided.
 */
import { breakCycles } from './break-cycles.ts';

export interface ScoredEdge {
  cause: number;
  effect: number;
  /** Log-likelihood the edge adds to its effect type's model. */
  weight: number;
  /** The margin by which the stronger direction of a two-way pair must win to be kept alone. */
  penalty: number;
}

export type Orientation = 'significant' | 'acyclic' | 'all';

export function orientEdges<E extends ScoredEdge>(edges: readonly E[], typeCount: number, orientation: Orientation): E[] {
  if (orientation === 'all') return [...edges];
  if (orientation === 'acyclic') return breakCycles(edges, typeCount);
  const byPair = new Map<number, E>(edges.map((e) => [e.cause * typeCount + e.effect, e]));
  return edges.filter((e) => {
    const back = byPair.get(e.effect * typeCount + e.cause);
    return back === undefined || back.weight - e.weight < Math.max(back.penalty, e.penalty);
  });
}
