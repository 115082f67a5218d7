/**
 * Choose the BIC penalty scale by how well the selected model predicts the future — a
 * criterion that needs no ground truth.
 *
 * BIC counts every kernel weight of an edge as a full parameter, but most of them sit at zero
 * (non-negative weights on a boundary), so plain BIC is too strict by a data-dependent factor;
 * too loose a penalty overfits instead. So: fit the model on the first part of the history
 * under each candidate scale, score the log-likelihood of the held-out last part (with the
 * history before it still exciting it), and keep the scale that predicts best. The final model
 * is then refitted on the whole history with that scale.
 */
import type { ActivityLevel } from './activity-level.ts';
import type { EventIndex } from './event-index.ts';
import type { ExcitationFeatures } from './excitation-features.ts';
import type { Background, EffectTypeFit, FitOptions } from './fit-effect-type.ts';
import { fitWindow, type FitWindow } from './fit-window.ts';
import { saturatedFit, selectParents } from './select-parents.ts';

export interface PenaltyChoice {
  scale: number;
  /** Held-out log-likelihood per candidate scale, in the order given. */
  heldOut: { scale: number; logLikelihood: number; edges: number }[];
}

export interface PenaltyChoiceOptions {
  scales: readonly number[];
  /** Share of the history (by time) to fit on; the rest is scored. */
  trainShare: number;
  full: FitOptions;
  refit: FitOptions;
  /** Background model per effect type (choose-background.ts). */
  backgrounds: readonly Background[];
  onEffect?: (done: number, total: number) => void;
}

export function choosePenaltyScale(
  index: EventIndex,
  features: ExcitationFeatures,
  activity: ActivityLevel,
  opts: PenaltyChoiceOptions,
): PenaltyChoice {
  const K = index.typeLabels.length;
  const per = features.paramCount / K;
  const split = index.start + opts.trainShare * (index.end - index.start);
  const train = fitWindow(index, features, activity, index.start, split, true);
  const test = fitWindow(index, features, activity, split, index.end);
  const totals = opts.scales.map((scale) => ({ scale, logLikelihood: 0, edges: 0 }));
  for (let j = 0; j < K; j++) {
    opts.onEffect?.(j, K);
    const full = { ...opts.full, background: opts.backgrounds[j] };
    const refit = { ...opts.refit, background: opts.backgrounds[j] };
    const saturated = saturatedFit(index, features, train, j, full);
    const n = Math.max(train.byType[j]!.length, 2);
    opts.scales.forEach((scale, s) => {
      const penalty = scale * (per / 2) * Math.log(n);
      const selection = selectParents(index, features, train, j, { penalty, full, refit, saturated });
      totals[s]!.logLikelihood += heldOutLogLikelihood(index, features, train, test, j, selection.fit);
      totals[s]!.edges += selection.parents.length;
    });
  }
  opts.onEffect?.(K, K);
  // Best held-out fit; on a tie the sparser model.
  let best = totals[0]!;
  for (const t of totals) if (t.logLikelihood > best.logLikelihood + 1e-9 || (Math.abs(t.logLikelihood - best.logLikelihood) <= 1e-9 && t.scale > best.scale)) best = t;
  return { scale: best.scale, heldOut: totals };
}

/**
 * Log-likelihood of the effect's occurrences in the test window under a model fitted on the
 * training window. Items that raised the type only in the test window have no fitted
 * background; they get a floor of half an occurrence per training window, so one new item
 * cannot send the score to −∞ and every candidate is scored with the same floor.
 */
function heldOutLogLikelihood(
  index: EventIndex,
  features: ExcitationFeatures,
  train: FitWindow,
  test: FitWindow,
  effect: number,
  fit: EffectTypeFit,
): number {
  const K = index.typeLabels.length;
  const P = features.paramCount;
  const floor = 0.5 / train.backgroundMass;
  const mu = Float64Array.from(fit.mu);
  let background = 0;
  for (let d = 0; d < mu.length; d++) {
    if (!index.observed[d * K + effect]) continue;
    if (mu[d]! < floor) mu[d] = floor;
    background += mu[d]!;
  }
  let ll = -background * test.backgroundMass;
  const G = test.compensator.subarray(effect * P, (effect + 1) * P);
  for (let p = 0; p < P; p++) ll -= fit.alpha[p]! * G[p]!;
  const { rowStart, param, value } = features;
  for (const e of test.byType[effect]!) {
    let lambda = mu[index.item[e]!]! * test.backgroundScale[e]!;
    for (let k = rowStart[e]!; k < rowStart[e + 1]!; k++) lambda += fit.alpha[param[k]!]! * value[k]!;
    ll += Math.log(Math.max(lambda, 1e-300));
  }
  return ll;
}
