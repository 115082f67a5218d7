/**
 * Parent selection for one effect type by penalised likelihood (backward elimination).
 *
 * Start from every other type as a parent and drop parents whose removal costs less
 * log-likelihood than the penalty. "Cost" is the likelihood-ratio statistic with the remaining
 * parents refitted, so a parent that only looked useful because it co-occurs with the real cause
 * is dropped once the real cause can take over its events — this is the conditioning on other
 * parents that pairwise co-occurrence scores lack.
 *
 * To stay fast, a cheap bound screens first: with the other parameters frozen, zeroing a parent
 * can only lose more likelihood than with them refitted, so a parent whose frozen loss is below
 * the penalty is certainly below it refitted too. Only the survivors get refitted tests.
 */
import type { EventIndex } from './event-index.ts';
import type { ExcitationFeatures } from './excitation-features.ts';
import { fitEffectType, initialParameters, type EffectTypeFit, type FitOptions } from './fit-effect-type.ts';
import type { FitWindow } from './fit-window.ts';

export interface ParentSelection {
  fit: EffectTypeFit;
  /** Kept parents (never the effect itself) with their refitted likelihood-ratio gain. */
  parents: { parent: number; gain: number }[];
}

export interface SelectionOptions {
  /** Log-likelihood a parent must add to stay. */
  penalty: number;
  full: FitOptions;
  /** Iterations for the warm-started refits inside the elimination. */
  refit: FitOptions;
  /** The fit with every parent, when the caller already has it (several penalties, one fit). */
  saturated?: EffectTypeFit;
}

export function selectParents(
  index: EventIndex,
  features: ExcitationFeatures,
  window: FitWindow,
  effect: number,
  opts: SelectionOptions,
): ParentSelection {
  const K = index.typeLabels.length;
  const per = features.paramCount / K;
  const active = new Set<number>();
  for (let i = 0; i < K; i++) if (i !== effect && hasSignal(window, features.paramCount, effect, i, per)) active.add(i);

  let fit = opts.saturated ?? saturatedFit(index, features, window, effect, opts.full);

  // Screening rounds: drop every parent whose frozen-others loss is already below the penalty.
  for (;;) {
    const frozen = frozenLoss(index, features, window, effect, fit, active, per);
    const weak = [...active].filter((i) => frozen.get(i)! < opts.penalty);
    if (weak.length === 0) break;
    for (const i of weak) active.delete(i);
    fit = fitEffectType(index, features, window, effect, withoutParents(fit, weak, per), opts.refit);
  }

  // Refitted tests, weakest first; after a removal the others are re-ranked and retested.
  const gains = new Map<number, number>();
  for (;;) {
    const frozen = frozenLoss(index, features, window, effect, fit, active, per);
    const order = [...active].sort((a, b) => frozen.get(a)! - frozen.get(b)! || a - b);
    let removed = false;
    gains.clear();
    for (const i of order) {
      const without = fitEffectType(index, features, window, effect, withoutParents(fit, [i], per), opts.refit);
      const gain = fit.logLikelihood - without.logLikelihood;
      if (gain < opts.penalty) {
        active.delete(i);
        fit = without;
        removed = true;
        break;
      }
      gains.set(i, gain);
    }
    if (!removed) break;
  }
  const parents = [...active].sort((a, b) => a - b).map((parent) => ({ parent, gain: gains.get(parent) ?? 0 }));
  return { fit, parents };
}

/** The fit with every other type as a parent: where backward elimination starts. */
export function saturatedFit(
  index: EventIndex,
  features: ExcitationFeatures,
  window: FitWindow,
  effect: number,
  opts: FitOptions,
): EffectTypeFit {
  return fitEffectType(index, features, window, effect, initialParameters(index, features, window, effect, () => true), opts);
}

/** A parent whose events never come near the effect's items has nothing to be tested on. */
function hasSignal(window: FitWindow, paramCount: number, effect: number, parent: number, per: number): boolean {
  const G = window.compensator;
  const base = effect * paramCount + parent * per;
  for (let p = 0; p < per; p++) if (G[base + p]! > 0) return true;
  return false;
}

function withoutParents(fit: EffectTypeFit, parents: readonly number[], per: number): { alpha: Float64Array; mu: Float64Array } {
  const alpha = Float64Array.from(fit.alpha);
  for (const i of parents) alpha.fill(0, i * per, (i + 1) * per);
  return { alpha, mu: fit.mu };
}

/**
 * For each active parent, the log-likelihood lost by zeroing its α with everything else frozen:
 * Σ_e log(λ_e / (λ_e − c_e)) − Σ_p α_p·G_p, where c_e is the parent's share of λ_e.
 */
function frozenLoss(
  index: EventIndex,
  features: ExcitationFeatures,
  window: FitWindow,
  effect: number,
  fit: EffectTypeFit,
  active: ReadonlySet<number>,
  per: number,
): Map<number, number> {
  const K = index.typeLabels.length;
  const P = features.paramCount;
  const G = window.compensator.subarray(effect * P, (effect + 1) * P);
  const loss = new Float64Array(K);
  const share = new Float64Array(K);
  const touched: number[] = [];
  const { rowStart, param, value } = features;
  for (const e of window.byType[effect]!) {
    let lambda = fit.mu[index.item[e]!]! * window.backgroundScale[e]!;
    for (let k = rowStart[e]!; k < rowStart[e + 1]!; k++) {
      const p = param[k]!;
      const c = fit.alpha[p]! * value[k]!;
      if (c === 0) continue;
      lambda += c;
      const i = (p / per) | 0;
      if (share[i] === 0) touched.push(i);
      share[i] = share[i]! + c;
    }
    for (const i of touched) {
      const rest = lambda - share[i]!;
      // A parent that alone explains an event makes removal infinitely costly; cap it.
      loss[i] = loss[i]! + (rest > 0 ? Math.log(lambda / rest) : 50);
      share[i] = 0;
    }
    touched.length = 0;
  }
  const out = new Map<number, number>();
  for (const i of active) {
    let compensated = 0;
    for (let p = i * per; p < (i + 1) * per; p++) compensated += fit.alpha[p]! * G[p]!;
    out.set(i, loss[i]! - compensated);
  }
  return out;
}
