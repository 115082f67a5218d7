/**
 * The figures that let a person check a learned edge against the history: how many effect
 * occurrences the model credits to the cause (and over which lags and hops), and the plain
 * count "effect preceded by the cause on the same item or a neighbour within Δt" next to what
 * chance alone would give.
 */
import type { CausalEdge } from './causal-pattern.ts';
import type { EventIndex } from './event-index.ts';
import type { ExcitationFeatures } from './excitation-features.ts';
import type { EffectTypeFit } from './fit-effect-type.ts';
import type { FitWindow } from './fit-window.ts';
import { precededCounts } from './preceded-counts.ts';

export function edgeEvidence(
  index: EventIndex,
  features: ExcitationFeatures,
  window: FitWindow,
  fit: EffectTypeFit,
  cause: number,
  effect: number,
  logLikelihoodGain: number,
  reverseLogLikelihoodGain: number,
): CausalEdge {
  const K = index.typeLabels.length;
  const H1 = index.maxHops + 1;
  const B = features.basisCount;
  const per = features.paramCount / K;
  const attributedBy = new Float64Array(per);
  const { rowStart, param, value } = features;
  for (const e of index.byType[effect]!) {
    let lambda = fit.mu[index.item[e]!]! * window.backgroundScale[e]!;
    for (let k = rowStart[e]!; k < rowStart[e + 1]!; k++) lambda += fit.alpha[param[k]!]! * value[k]!;
    if (!(lambda > 1e-300)) continue;
    for (let k = rowStart[e]!; k < rowStart[e + 1]!; k++) {
      const p = param[k]!;
      if (((p / per) | 0) === cause) attributedBy[p - cause * per] = attributedBy[p - cause * per]! + (fit.alpha[p]! * value[k]!) / lambda;
    }
  }
  let attributed = 0;
  let sameItem = 0;
  const byBasis = new Float64Array(B);
  for (let h = 0; h < H1; h++) {
    for (let b = 0; b < B; b++) {
      const a = attributedBy[h * B + b]!;
      attributed += a;
      if (h === 0) sameItem += a;
      byBasis[b] = byBasis[b]! + a;
    }
  }
  const lagSeconds = medianLag(byBasis, features.basisLag);
  const causeCount = index.byType[cause]!.length;
  const effectCount = index.byType[effect]!.length;
  const windowSeconds = Math.max(1, Math.ceil(2 * lagSeconds));
  const { preceded, expectedPreceded } = precededCounts(index, cause, effect, windowSeconds);
  return {
    cause: index.typeLabels[cause]!,
    effect: index.typeLabels[effect]!,
    direct: true,
    strength: causeCount > 0 ? attributed / causeCount : 0,
    lagSeconds,
    support: Math.round(attributed),
    evidence: {
      causeCount,
      effectCount,
      attributed,
      sameItemShare: attributed > 0 ? sameItem / attributed : 0,
      preceded,
      expectedPreceded,
      lift: expectedPreceded > 0 ? preceded / expectedPreceded : 0,
      windowSeconds,
      logLikelihoodGain,
      reverseLogLikelihoodGain,
      via: [],
    },
  };
}

/**
 * The lag by which half of the attributed effect has happened, under the fitted mix of kernels.
 * A median, not a mean: a little weight on the hour-long kernel would drag a mean far away
 * from where almost all of the effect happens.
 */
function medianLag(weights: Float64Array, lags: Float64Array): number {
  let total = 0;
  for (const w of weights) total += w;
  if (!(total > 0)) return 0;
  const done = (x: number): number => {
    let f = 0;
    for (let b = 0; b < weights.length; b++) f += weights[b]! * (lags[b] === 0 ? 1 : 1 - Math.exp(-x / lags[b]!));
    return f / total;
  };
  if (done(0) >= 0.5) return 0;
  let lo = 0;
  let hi = Math.max(...lags) * 10;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (done(mid) < 0.5) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
