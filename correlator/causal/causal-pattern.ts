/**
 * The vocabulary of causal pattern mining: what goes in (typed events on items, an optional
 * item topology) and what comes out (directed edges between alert types, each with the figures
 * needed to explain it to a person later). Pure types; the method is in mine-causal-patterns.ts.
 */

/** One occurrence of an alert type on an item (a device, a CI). */
export interface CausalEvent {
  /** Alert type: the thing causal patterns are learned between. */
  type: string | number;
  /** Where it happened; causes act on the same item or on its topology neighbours. */
  item: string;
  /** Seconds on any fixed clock; only differences matter. */
  time: number;
}

/** Item → neighbour items. Treated as undirected: a link carries influence both ways. */
export type ItemAdjacency = ReadonlyMap<string, readonly string[]>;

export interface MineCausalPatternsOptions {
  /** Item topology. Without it every item is on its own and only same-item patterns are learned. */
  adjacency?: ItemAdjacency;
  /** How many topology hops an effect may travel (0 = same item only). Default 1. */
  maxHops?: number;
  /**
   * Repeats of one type on one item closer than this (seconds) are one episode; only episode
   * onsets are modelled. 0 keeps every occurrence. Default 900 (three 5-minute polling cycles).
   */
  repeatGapSeconds?: number;
  /**
   * Mean lags of the exponential excitation kernels, in seconds. Each edge fits its own mix of
   * them, so one list covers effects that follow within seconds and ones that follow in hours.
   * Default [1, 30, 300, 3600].
   */
  timeScalesSeconds?: readonly number[];
  /**
   * Model effects that share the cause's timestamp (clock resolution, batched polling) with a
   * lag-0 kernel. Default true.
   */
  instantaneous?: boolean;
  /**
   * Multiplies the BIC penalty an edge must clear, ½·(parameters per edge)·log(effect
   * occurrences). Default 0.25. 'auto' picks it by held-out likelihood (choose-penalty.ts).
   */
  penaltyScale?: number | 'auto';
  /** What to do with pairs selected both ways; see orient-edges.ts. Default 'significant'. */
  orientation?: 'significant' | 'acyclic' | 'all';
  /** Also return indirect relations (A reaches C through learned direct edges). Default false. */
  indirect?: boolean;
  /**
   * Let every background rate follow the overall alarm level in bins of this many seconds
   * (activity-level.ts); 0 = flat backgrounds. Default 0.
   */
  activityBinSeconds?: number;
  /**
   * Background rate of each type: one per item, one shared by all items that can raise it, or
   * 'bic' to choose per type by BIC (choose-background.ts). Default 'shared'.
   */
  background?: 'bic' | 'per-item' | 'shared';
  /**
   * With orientation 'significant': an edge whose effect mostly shares the cause's timestamp
   * (median lag 0) says nothing about direction, so its opposite is fitted and, if it explains
   * anything, reported too, both marked unresolved (undirect-ties.ts). Default true.
   */
  undirectTies?: boolean;
  /** EM iterations for a full fit. Default 1000. */
  maxIterations?: number;
  /** Start and end of the observation window; default the first and last event time. */
  horizon?: { start: number; end: number };
  /** Called now and then so long runs can show where they are. */
  onProgress?: (progress: CausalProgress) => void;
}

export interface CausalProgress {
  stage: 'features' | 'penalty' | 'fit' | 'evidence';
  done: number;
  total: number;
}

/** Why an edge is believed, in figures a person can check against the alert history. */
export interface CausalEdgeEvidence {
  /** Occurrences of the cause type and of the effect type. */
  causeCount: number;
  effectCount: number;
  /** Effect occurrences the fitted model attributes to the cause (expected value). */
  attributed: number;
  /** Share of `attributed` on the same item (the rest came from topology neighbours). */
  sameItemShare: number;
  /** Effect occurrences with a cause occurrence on the same item or a neighbour within `windowSeconds` before. */
  preceded: number;
  /** The same count expected if the effect ignored the cause (its occurrences spread at their own rate). */
  expectedPreceded: number;
  /** preceded / expectedPreceded. */
  lift: number;
  /** The window used for `preceded`. */
  windowSeconds: number;
  /**
   * Log-likelihood the edge adds to the effect type's model (the weakest link's, for an
   * indirect relation).
   */
  logLikelihoodGain: number;
  /** The same for the opposite edge (effect → cause) when it was kept too, else 0. */
  reverseLogLikelihoodGain: number;
  /** For an indirect relation, the types between cause and effect; empty for a direct edge. */
  via: (string | number)[];
}

export interface CausalEdge {
  cause: string | number;
  effect: string | number;
  /** Learned directly (the cause improves the effect's model given its other causes), or implied by a chain. */
  direct: boolean;
  /** Expected effect occurrences triggered by one cause occurrence (branching ratio; along the chain if indirect). */
  strength: number;
  /** Median lag of the fitted kernel mix, seconds (summed along the chain if indirect). */
  lagSeconds: number;
  /** Effect occurrences attributed to this cause (rounded `evidence.attributed`). */
  support: number;
  evidence: CausalEdgeEvidence;
}

export interface CausalPatterns {
  /** Every alert type seen, in a stable order. */
  types: (string | number)[];
  edges: CausalEdge[];
  /** Total log-likelihood of the fitted model. */
  logLikelihood: number;
  /** Events given, and episode onsets left after collapsing repeats (what the model saw). */
  eventCount: number;
  episodeCount: number;
  /** The penalty scale used, and when chosen automatically the held-out log-likelihood of each candidate. */
  penaltyScale: number;
  penaltySearch: { scale: number; logLikelihood: number; edges: number }[];
  /** The background model used for each type, in the order of `types`. */
  backgrounds: ('per-item' | 'shared')[];
}
