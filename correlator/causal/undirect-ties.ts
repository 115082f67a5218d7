/**
 * Report a relation carried by same-second ties in both directions, marked unresolved.
 *
 * The lag-0 kernel credits an effect occurrence to a cause occurrence with the same timestamp.
 * That is symmetric: when A and B fire in the same second, the data say they go together, not
 * which came first. Yet each type is fitted on its own, so such a pair usually passes in only
 * one direction, and which one depends on counts and on which other tied types compete for the
 * same occurrences, not on time order. On alarm logs with a one-second clock and batched
 * polling (on the microwave logs most onsets share their second with another alarm on the same
 * device) that turns coin flips into confident arrows.
 *
 * So an edge whose attributed effect is mostly lag-0 (median lag 0) does not decide direction.
 * Its opposite is fitted too: the effect type is added back as a parent of the cause type, with
 * the cause type's own parents kept. If it explains any of the cause's occurrences, both edges
 * are reported, each carrying the other's log-likelihood gain as `reverseLogLikelihoodGain`
 * (the "direction unresolved" mark). Edges with a lagged median already carry time order and
 * keep their single direction.
 */
import type { CausalEdge } from './causal-pattern.ts';
import { edgeEvidence } from './edge-evidence.ts';
import type { EventIndex } from './event-index.ts';
import type { ExcitationFeatures } from './excitation-features.ts';
import { fitEffectType, type EffectTypeFit, type FitOptions } from './fit-effect-type.ts';
import type { FitWindow } from './fit-window.ts';

/** EM start value for the weights of an added parent (as in initialParameters). */
const START = 0.01;
/** Below this gain (log-likelihood) the opposite direction explains nothing worth reporting. */
const NOTHING = 1e-6;

/**
 * Returns the opposite edges to add. `direct` edges whose opposite is added get their
 * `reverseLogLikelihoodGain` set; `fits` of the cause types concerned are replaced by the fits
 * with the added parents.
 */
export function undirectTies(
  index: EventIndex,
  features: ExcitationFeatures,
  window: FitWindow,
  fits: EffectTypeFit[],
  direct: readonly CausalEdge[],
  refitFor: (effect: number) => FitOptions,
): CausalEdge[] {
  const K = index.typeLabels.length;
  const per = features.paramCount / K;
  const idOf = new Map(index.typeLabels.map((t, i) => [t, i]));
  const present = new Set(direct.map((e) => idOf.get(e.cause)! * K + idOf.get(e.effect)!));
  const byNewEffect = new Map<number, CausalEdge[]>();
  for (const e of direct) {
    const cause = idOf.get(e.cause)!;
    const effect = idOf.get(e.effect)!;
    if (e.lagSeconds !== 0 || !(e.evidence.attributed > 0) || present.has(effect * K + cause)) continue;
    const list = byNewEffect.get(cause) ?? [];
    list.push(e);
    byNewEffect.set(cause, list);
  }

  const added: CausalEdge[] = [];
  for (const [j, edges] of [...byNewEffect].sort((a, b) => a[0] - b[0])) {
    const base = fits[j]!;
    const opts = refitFor(j);
    const gains = edges.map((e) => {
      const i = idOf.get(e.effect)!;
      return fitEffectType(index, features, window, j, withParents(base, [i], per), opts).logLikelihood - base.logLikelihood;
    });
    const keep = edges.filter((_, k) => gains[k]! > NOTHING);
    if (keep.length === 0) continue;
    const widened = fitEffectType(index, features, window, j, withParents(base, keep.map((e) => idOf.get(e.effect)!), per), opts);
    fits[j] = widened;
    edges.forEach((e, k) => {
      if (!(gains[k]! > NOTHING)) return;
      const opposite = edgeEvidence(index, features, window, widened, idOf.get(e.effect)!, j, gains[k]!, e.evidence.logLikelihoodGain);
      e.evidence.reverseLogLikelihoodGain = gains[k]!;
      added.push(opposite);
    });
  }
  return added;
}

function withParents(fit: EffectTypeFit, parents: readonly number[], per: number): { alpha: Float64Array; mu: Float64Array } {
  const alpha = Float64Array.from(fit.alpha);
  for (const i of parents) alpha.fill(START, i * per, (i + 1) * per);
  return { alpha, mu: fit.mu };
}
