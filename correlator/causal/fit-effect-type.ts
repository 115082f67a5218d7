/**
 * Maximum-likelihood fit of one effect type's intensity by EM.
 *
 * The log-likelihood of a Hawkes process with a fixed kernel basis is concave in (μ, α), and it
 * splits into one independent term per effect type, so each type is fitted on its own and EM
 * reaches the global optimum from any positive start. EM keeps zeros at zero, which is how a
 * parent set is imposed: parameters of excluded parents start (and stay) at 0.
 */
import type { EventIndex } from './event-index.ts';
import type { ExcitationFeatures } from './excitation-features.ts';
import type { FitWindow } from './fit-window.ts';

export interface EffectTypeFit {
  /** α per parameter (see ExcitationFeatures.paramCount). */
  alpha: Float64Array;
  /** Background rate per item (0 where the type never occurs). */
  mu: Float64Array;
  /**
   * Of the returned parameters; if the iteration cap stopped EM, of the step before (EM never
   * lowers it, so this is a lower bound off by less than the last step's gain).
   */
  logLikelihood: number;
  iterations: number;
}

/**
 * How the background rate of a type is spread over the items that can raise it: one rate per
 * item, or one rate shared by all of them (choose-background.ts picks per type by BIC).
 */
export type Background = 'per-item' | 'shared';

export interface FitOptions {
  maxIterations: number;
  /** Stop when an iteration gains less log-likelihood than this. */
  tolerance: number;
  /** Default 'per-item'. */
  background?: Background;
}

export function fitEffectType(
  index: EventIndex,
  features: ExcitationFeatures,
  window: FitWindow,
  effect: number,
  start: { alpha: Float64Array; mu: Float64Array },
  opts: FitOptions,
): EffectTypeFit {
  const P = features.paramCount;
  const mass = window.backgroundMass;
  const scale = window.backgroundScale;
  const G = window.compensator.subarray(effect * P, (effect + 1) * P);
  const alpha = Float64Array.from(start.alpha);
  const mu = Float64Array.from(start.mu);
  for (let p = 0; p < P; p++) if (G[p] === 0) alpha[p] = 0;
  const num = new Float64Array(P);
  const bgNum = new Float64Array(mu.length);
  const events = window.byType[effect]!;
  const shared = opts.background === 'shared';
  if (shared) {
    // Start from the mean of the per-item start values, on the same items.
    let sum = 0;
    let items = 0;
    for (const m of mu) {
      if (m > 0) {
        sum += m;
        items++;
      }
    }
    for (let d = 0; d < mu.length; d++) if (mu[d]! > 0) mu[d] = sum / items;
  }
  const { rowStart, param, value } = features;
  let previous = -Infinity;
  let logLikelihood = -Infinity;
  let iterations = 0;
  while (iterations < opts.maxIterations) {
    iterations++;
    num.fill(0);
    bgNum.fill(0);
    let ll = 0;
    for (const e of events) {
      const n = index.item[e]!;
      const base = mu[n]! * scale[e]!;
      let lambda = base;
      const lo = rowStart[e]!;
      const hi = rowStart[e + 1]!;
      for (let k = lo; k < hi; k++) lambda += alpha[param[k]!]! * value[k]!;
      // Underflowed intensities would turn 0·(1/λ) into NaN; such an event carries no update.
      if (!(lambda > 1e-300)) continue;
      ll += Math.log(lambda);
      const inv = 1 / lambda;
      bgNum[n] = bgNum[n]! + base * inv;
      for (let k = lo; k < hi; k++) {
        const p = param[k]!;
        const a = alpha[p]!;
        if (a > 0) num[p] = num[p]! + a * value[k]! * inv;
      }
    }
    for (let d = 0; d < mu.length; d++) ll -= mu[d]! * mass;
    for (let p = 0; p < P; p++) ll -= alpha[p]! * G[p]!;
    logLikelihood = ll;
    if (ll - previous < opts.tolerance) break;
    previous = ll;
    for (let p = 0; p < P; p++) alpha[p] = G[p]! > 0 ? num[p]! / G[p]! : 0;
    if (shared) {
      // One rate for every item that can raise the type (those with μ > 0 from the start).
      let expected = 0;
      let items = 0;
      for (let d = 0; d < mu.length; d++) {
        if (mu[d]! > 0) {
          expected += bgNum[d]!;
          items++;
        }
      }
      const rate = Math.max(expected / (mass * items), Number.MIN_VALUE);
      for (let d = 0; d < mu.length; d++) if (mu[d]! > 0) mu[d] = rate;
    } else {
      for (let d = 0; d < mu.length; d++) mu[d] = bgNum[d]! / mass;
    }
  }
  return { alpha, mu, logLikelihood, iterations };
}

/** A start for EM: background at half the observed rate, every allowed α small and positive. */
export function initialParameters(
  index: EventIndex,
  features: ExcitationFeatures,
  window: FitWindow,
  effect: number,
  allowedParent: (parent: number) => boolean,
): { alpha: Float64Array; mu: Float64Array } {
  const K = index.typeLabels.length;
  const D = index.itemLabels.length;
  const mu = new Float64Array(D);
  for (const e of window.byType[effect]!) mu[index.item[e]!] = mu[index.item[e]!]! + 0.5 / window.backgroundMass;
  const alpha = new Float64Array(features.paramCount);
  const perParent = features.paramCount / K;
  for (let i = 0; i < K; i++) {
    if (!allowedParent(i)) continue;
    alpha.fill(0.01, i * perParent, (i + 1) * perParent);
  }
  return { alpha, mu };
}
