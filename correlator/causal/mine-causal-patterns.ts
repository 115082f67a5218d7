/**
 * Mine causal patterns between alert types from an event history: which type tends to trigger
 * which, on the same item or a topology neighbour, after what lag, and how surely.
 *
 * Method (docs/adr/0002-causal-pattern-mining.md has the reasoning and the evaluation):
 *
 * 1. Episodes. Repeats of one type on one item closer than `repeatGapSeconds` collapse into
 *    their onset. Standing alarms are re-reported every polling cycle; the repeats surround the
 *    effects on both sides in time and hide who came first.
 * 2. Model. A topological Hawkes process in continuous time: the intensity of type j on item n
 *    is a background rate plus, for every type i (itself included) and every hop
 *    distance h ≤ maxHops, α(i→j,h,b) times a kernel b summed over earlier type-i onsets h hops
 *    from n. The kernels are a lag-0 term (same timestamp: clocks tick in seconds and pollers
 *    batch) and exponentials with mean lags from 1 s to an hour, so each edge learns its own
 *    lag profile instead of sharing one decay on a time grid (THP's single δ). Only items that
 *    ever raised type j are modelled as able to raise it, so quiet hardware of another kind does
 *    not dilute the fit. The background is one rate per type, shared by those items (as in THP):
 *    per-item rates absorb the few occurrences most items have and hide real parents; 'bic'
 *    chooses per type between the two (choose-background.ts).
 * 3. Fit. The log-likelihood is concave and splits per effect type; each is fitted by EM to
 *    its global optimum.
 * 4. Structure. Per effect type, backward elimination with refitting under a scaled BIC
 *    penalty: a parent stays only if, given the other parents, removing it costs more
 *    likelihood than the penalty. This conditioning drops parents that merely ride along with
 *    the true cause, which pairwise co-occurrence scores do not; and because the likelihood
 *    splits per type the elimination is exact and order-independent, where THP hill-climbs the
 *    whole graph greedily.
 * 5. Orientation. A pair selected both ways keeps only the clearly stronger direction (its
 *    gain beats the other's by a plain-BIC edge penalty); otherwise both stay, as "direction
 *    unresolved" (`evidence.reverseLogLikelihoodGain` shows it). 'all' keeps every edge that
 *    passed, 'acyclic' forces a DAG. With 'significant', an edge carried mostly by same-second
 *    ties is reported both ways too, as unresolved: a tie has no time order
 *    (undirect-ties.ts).
 * 6. Indirect relations, on request (`indirect: true`): every pair joined by a chain of direct
 *    edges, with the chain, because a root cause is an ancestor, not only a parent.
 *
 * Every edge carries evidence a person can check: the effect occurrences the model attributes
 * to the cause, their lag and same-item share, and the raw "effect preceded by cause nearby"
 * count with its lift over chance. Deterministic: no randomness anywhere.
 */
import type { CausalEdge, CausalEvent, CausalPatterns, MineCausalPatternsOptions } from './causal-pattern.ts';
import { collapseRepeats } from './collapse-repeats.ts';
import { edgeEvidence } from './edge-evidence.ts';
import { buildEventIndex } from './event-index.ts';
import { computeExcitationFeatures } from './excitation-features.ts';
import { activityLevel } from './activity-level.ts';
import { chooseBackground } from './choose-background.ts';
import { choosePenaltyScale } from './choose-penalty.ts';
import { fitEffectType, type Background, type EffectTypeFit } from './fit-effect-type.ts';
import { fitWindow } from './fit-window.ts';
import { indirectEdgeEvidence } from './indirect-edge-evidence.ts';
import { orientEdges, type ScoredEdge } from './orient-edges.ts';
import { selectParents } from './select-parents.ts';
import { strongestPaths } from './strongest-paths.ts';
import { undirectTies } from './undirect-ties.ts';

export const CAUSAL_DEFAULTS = {
  maxHops: 1,
  repeatGapSeconds: 900,
  timeScalesSeconds: [1, 30, 300, 3600] as readonly number[],
  instantaneous: true,
  /** ¼ of plain BIC: chosen once on 24V_439N_Microwave and used everywhere (see ADR 0002). */
  penaltyScale: 0.25 as number | 'auto',
  /** Candidates for the automatic penalty scale (choose-penalty.ts), and the share of time fitted on. */
  penaltyScales: [4, 2, 1, 1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 32, 1 / 64] as readonly number[],
  trainShare: 0.7,
  orientation: 'significant' as 'significant' | 'acyclic' | 'all',
  indirect: false,
  maxIterations: 1000,
  activityBinSeconds: 0,
  /**
   * One background rate per type, shared by the items that can raise it (THP's choice). 'bic'
   * chooses per type between that and one rate per item (choose-background.ts). Chosen on
   * 24V_439N_Microwave, see ADR 0002.
   */
  background: 'shared' as 'bic' | Background,
  /** Report relations carried by same-second ties both ways, as unresolved (undirect-ties.ts). */
  undirectTies: true,
} as const;

export function mineCausalPatterns(events: readonly CausalEvent[], options: MineCausalPatternsOptions = {}): CausalPatterns {
  const maxHops = options.adjacency ? (options.maxHops ?? CAUSAL_DEFAULTS.maxHops) : 0;
  const progress = options.onProgress;
  const episodes = collapseRepeats(events, options.repeatGapSeconds ?? CAUSAL_DEFAULTS.repeatGapSeconds);
  const index = buildEventIndex(episodes, options.adjacency, maxHops, options.horizon);
  const K = index.typeLabels.length;
  const features = computeExcitationFeatures(
    index,
    {
      instantaneous: options.instantaneous ?? CAUSAL_DEFAULTS.instantaneous,
      timeScales: options.timeScalesSeconds ?? CAUSAL_DEFAULTS.timeScalesSeconds,
    },
    (done, total) => progress?.({ stage: 'features', done, total }),
  );
  const perParent = features.paramCount / K;
  const maxIterations = options.maxIterations ?? CAUSAL_DEFAULTS.maxIterations;
  const full = { maxIterations, tolerance: 1e-5 };
  const refit = { maxIterations: Math.max(20, maxIterations >> 2), tolerance: 1e-4 };
  const activity = activityLevel(index, options.activityBinSeconds ?? CAUSAL_DEFAULTS.activityBinSeconds);
  const whole = fitWindow(index, features, activity, index.start, index.end);

  // Background model per effect type; with 'bic' the two saturated fits it compares are kept as
  // the start of parent selection.
  const requestedBackground = options.background ?? CAUSAL_DEFAULTS.background;
  const backgroundChoices = index.typeLabels.map((_, j) =>
    requestedBackground === 'bic' ? chooseBackground(index, features, whole, j, full) : undefined,
  );
  const backgrounds: Background[] = backgroundChoices.map((c) => c?.background ?? (requestedBackground as Background));
  const fullFor = (j: number) => ({ ...full, background: backgrounds[j]! });
  const refitFor = (j: number) => ({ ...refit, background: backgrounds[j]! });

  const requested = options.penaltyScale ?? CAUSAL_DEFAULTS.penaltyScale;
  const choice =
    requested === 'auto'
      ? choosePenaltyScale(index, features, activity, {
          scales: CAUSAL_DEFAULTS.penaltyScales,
          trainShare: CAUSAL_DEFAULTS.trainShare,
          full,
          refit,
          backgrounds,
          onEffect: (done, total) => progress?.({ stage: 'penalty', done, total }),
        })
      : undefined;
  const scale = choice?.scale ?? (requested as number);

  const fits: EffectTypeFit[] = [];
  const selected: ScoredEdge[] = [];
  for (let j = 0; j < K; j++) {
    progress?.({ stage: 'fit', done: j, total: K });
    // BIC: every parent brings (hops × kernels) parameters, judged on the effect's occurrences.
    const bic = (perParent / 2) * Math.log(Math.max(index.byType[j]!.length, 2));
    const selection = selectParents(index, features, whole, j, {
      penalty: scale * bic,
      full: fullFor(j),
      refit: refitFor(j),
      saturated: backgroundChoices[j]?.saturated,
    });
    fits.push(selection.fit);
    // With 'significant', a direction must win by a plain-BIC margin even though existence is
    // judged more leniently: a wrong arrow misleads a root-cause ranking more than an open pair.
    for (const { parent, gain } of selection.parents) selected.push({ cause: parent, effect: j, weight: gain, penalty: bic });
  }
  progress?.({ stage: 'fit', done: K, total: K });

  const orientation = options.orientation ?? CAUSAL_DEFAULTS.orientation;
  const kept = orientEdges(selected, K, orientation);
  const keptPairs = new Set(kept.map((e) => e.cause * K + e.effect));
  const weightOf = new Map(selected.map((e) => [e.cause * K + e.effect, e.weight]));
  const direct: CausalEdge[] = [];
  for (let j = 0; j < K; j++) {
    let fit = fits[j]!;
    const dropped = selected.filter((e) => e.effect === j && !keptPairs.has(e.cause * K + e.effect));
    if (dropped.length > 0) {
      // Parents lost in orientation leave their events to the others: refit so evidence is honest.
      const alpha = Float64Array.from(fit.alpha);
      for (const d of dropped) alpha.fill(0, d.cause * perParent, (d.cause + 1) * perParent);
      fit = fitEffectType(index, features, whole, j, { alpha, mu: fit.mu }, refitFor(j));
      fits[j] = fit;
    }
    for (const e of kept) {
      if (e.effect !== j) continue;
      const reverse = keptPairs.has(j * K + e.cause) ? (weightOf.get(j * K + e.cause) ?? 0) : 0;
      direct.push(edgeEvidence(index, features, whole, fit, e.cause, j, e.weight, reverse));
    }
    progress?.({ stage: 'evidence', done: j + 1, total: K });
  }

  if (orientation === 'significant' && (options.undirectTies ?? CAUSAL_DEFAULTS.undirectTies)) {
    direct.push(...undirectTies(index, features, whole, fits, direct, refitFor));
  }

  const edges = [...direct];
  if (options.indirect ?? CAUSAL_DEFAULTS.indirect) {
    const idOf = new Map(index.typeLabels.map((t, i) => [t, i]));
    const directByPair = new Map(direct.map((e) => [idOf.get(e.cause)! * K + idOf.get(e.effect)!, e]));
    const links = direct.map((e) => ({ cause: idOf.get(e.cause)!, effect: idOf.get(e.effect)!, strength: e.strength }));
    for (const relation of strongestPaths(links, K)) edges.push(indirectEdgeEvidence(index, relation, directByPair));
  }
  edges.sort(
    (a, b) =>
      Number(b.direct) - Number(a.direct) ||
      b.evidence.logLikelihoodGain - a.evidence.logLikelihoodGain ||
      b.strength - a.strength,
  );
  const logLikelihood = fits.reduce((s, f) => s + f.logLikelihood, 0);
  return {
    types: index.typeLabels,
    edges,
    logLikelihood,
    eventCount: events.length,
    episodeCount: episodes.length,
    penaltyScale: scale,
    penaltySearch: choice?.heldOut ?? [],
    backgrounds,
  };
}
