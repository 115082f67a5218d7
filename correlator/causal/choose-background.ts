/**
 * Choose, per effect type, whether its background rate is one rate per item or one rate shared
 * by every item that can raise it, by BIC on the fit with every parent.
 *
 * Why it matters: a per-item background is one free rate for each (item, type) pair, and on
 * logs with hundreds of items and a few days of history most items raise a type only a handful
 * of times. Their own rates then absorb those occurrences, and an occurrence that a neighbour's
 * alarm explains is credited to "background" instead. That hides real parents. A shared rate
 * (THP's choice: one background per type) cannot do that, but it is wrong where some items are
 * truly noisier than others, as on a long log of a few busy cells. BIC weighs the two: the
 * per-item model must gain ½·(items − 1)·log(occurrences) log-likelihood to be kept. No ground
 * truth is involved.
 */
import type { EventIndex } from './event-index.ts';
import type { ExcitationFeatures } from './excitation-features.ts';
import type { Background, EffectTypeFit, FitOptions } from './fit-effect-type.ts';
import type { FitWindow } from './fit-window.ts';
import { saturatedFit } from './select-parents.ts';

export interface BackgroundChoice {
  background: Background;
  /** The fit with every parent under the chosen background (backward elimination starts here). */
  saturated: EffectTypeFit;
  /** Log-likelihood of the per-item fit minus that of the shared fit, and the BIC price of the difference. */
  gain: number;
  penalty: number;
}

export function chooseBackground(
  index: EventIndex,
  features: ExcitationFeatures,
  window: FitWindow,
  effect: number,
  opts: FitOptions,
): BackgroundChoice {
  const perItem = saturatedFit(index, features, window, effect, { ...opts, background: 'per-item' });
  const shared = saturatedFit(index, features, window, effect, { ...opts, background: 'shared' });
  let items = 0;
  for (const m of perItem.mu) if (m > 0) items++;
  const gain = perItem.logLikelihood - shared.logLikelihood;
  const penalty = 0.5 * Math.max(items - 1, 0) * Math.log(Math.max(window.byType[effect]!.length, 2));
  return gain > penalty
    ? { background: 'per-item', saturated: perItem, gain, penalty }
    : { background: 'shared', saturated: shared, gain, penalty };
}
