import type { ScoreBreakdown } from './decision.ts';

/** Breakdown fields that scale the total: at 1 they changed nothing. */
const FACTORS = new Set<string>(['rootFactor', 'lateEffect', 'nearerRoot', 'unseenPath', 'confined', 'bulkSide', 'staleItem', 'roleFactor']);

/**
 * A score breakdown as it is stored and shown for a member: the figures that applied. The
 * total, the five similarity terms and the two gaps are always there; a field at its neutral
 * value (null: not checked; false: did not hold; a factor of 1: changed nothing) is left out.
 * Most links leave out some twenty of the thirty fields, which halves what is written per alert.
 */
export function appliedTerms(score: ScoreBreakdown): Partial<ScoreBreakdown> {
  const out: Record<string, unknown> = {};
  const all = score as unknown as Record<string, unknown>;
  for (const k in all) {
    const v = all[k];
    if (v === null || v === false || (v === 1 && FACTORS.has(k))) continue;
    out[k] = v;
  }
  return out as Partial<ScoreBreakdown>;
}
