/**
 * Learned affinity between alert types: how much more often two types end up in one confirmed
 * incident than chance says (pointwise mutual information over incidents), plus the operators'
 * corrections (a merge pulls the two sides' types together, a split pushes them apart).
 *
 * "Confirmed" means an incident that resolved without being split, or an operator's merge; the
 * engine feeds both in, online. Memory is bounded: past `maxPairs` the rarest pairs without
 * operator feedback are forgotten first (feedback is scarce and worth more than counts).
 */
export interface CoOccurrenceOptions {
  /** Incidents each type must have been seen in before PMI counts as evidence. */
  minSupport: number;
  /** Add-k smoothing of the counts, so one lucky co-occurrence is not a strong signal. */
  smoothing: number;
  /** Weight of operator feedback next to PMI in the affinity, per feedback unit (tanh-squashed). */
  feedbackWeight: number;
  maxPairs: number;
  /** Only this many distinct types of one incident are paired (a storm's types² would dominate). */
  maxTypesPerIncident: number;
}

export const CO_OCCURRENCE_DEFAULTS: CoOccurrenceOptions = {
  minSupport: 3,
  smoothing: 1,
  feedbackWeight: 0.6,
  maxPairs: 200_000,
  maxTypesPerIncident: 24,
};

export interface LearnedAffinity {
  /** In [-1, 1]: positive when the types group together more than chance, negative when less. */
  value: number;
  /** Incidents that held both types, and each type's incidents. */
  together: number;
  countA: number;
  countB: number;
  pmi: number | null;
  /** Net operator feedback (merges minus splits). */
  feedback: number;
}

interface PairStat {
  together: number;
  feedback: number;
}

export class CoOccurrenceModel {
  private readonly opts: CoOccurrenceOptions;
  private readonly typeCounts = new Map<string, number>();
  /**
   * Pair counts by the smaller type, then the larger: looked up per scored candidate and type,
   * so without building a joined key string each time.
   */
  private readonly pairs = new Map<string, Map<string, PairStat>>();
  private pairCount = 0;
  /** Types that ever got operator feedback: only their pairs can have evidence without support. */
  private readonly feedbackTypes = new Set<string>();
  private total = 0;

  constructor(options: Partial<CoOccurrenceOptions> = {}) {
    this.opts = { ...CO_OCCURRENCE_DEFAULTS, ...options };
  }

  get incidentCount(): number {
    return this.total;
  }

  /** One confirmed incident with these alert types (duplicates ignored). */
  observeIncident(types: Iterable<string>): void {
    const list = [...new Set(types)].sort().slice(0, this.opts.maxTypesPerIncident);
    if (list.length === 0) return;
    this.total++;
    for (const t of list) this.typeCounts.set(t, (this.typeCounts.get(t) ?? 0) + 1);
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) this.pair(list[i]!, list[j]!, true).together++;
    }
    this.prune();
  }

  /** Operator feedback on a pair of types: +1 for each merge that joined them, -1 for a split. */
  feedback(a: string, b: string, delta: number): void {
    if (a === b) return;
    this.feedbackTypes.add(a);
    this.feedbackTypes.add(b);
    this.pair(a, b, true).feedback += delta;
  }

  /**
   * False when `affinity(type, x)` is null for every x: the type is too rare for PMI and never
   * had operator feedback. Lets a caller skip asking pair by pair.
   */
  hasEvidence(type: string): boolean {
    return (this.typeCounts.get(type) ?? 0) >= this.opts.minSupport || this.feedbackTypes.has(type);
  }

  /** Evidence about a type pair, or null when there is none (unknown or too rare types, same type). */
  affinity(a: string, b: string): LearnedAffinity | null {
    if (a === b) return null;
    const countA = this.typeCounts.get(a) ?? 0;
    const countB = this.typeCounts.get(b) ?? 0;
    const supported = countA >= this.opts.minSupport && countB >= this.opts.minSupport;
    // The common case on a cold or sparse model: no support and no feedback, so no pair look-up.
    if (!supported && !(this.feedbackTypes.has(a) && this.feedbackTypes.has(b))) return null;
    const stat = this.pair(a, b, false);
    const feedback = stat?.feedback ?? 0;
    const together = stat?.together ?? 0;
    if (!supported && feedback === 0) return null;
    const k = this.opts.smoothing;
    const pmi = supported ? Math.log(((together + k) * (this.total + k)) / ((countA + k) * (countB + k))) : null;
    const value = Math.max(-1, Math.min(1, (pmi === null ? 0 : Math.tanh(pmi / 2)) + this.opts.feedbackWeight * Math.tanh(feedback)));
    return { value, together, countA, countB, pmi, feedback };
  }

  private pair(a: string, b: string, create: true): PairStat;
  private pair(a: string, b: string, create: false): PairStat | undefined;
  private pair(a: string, b: string, create: boolean): PairStat | undefined {
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    let row = this.pairs.get(lo);
    if (row === undefined) {
      if (!create) return undefined;
      row = new Map();
      this.pairs.set(lo, row);
    }
    let stat = row.get(hi);
    if (stat === undefined && create) {
      stat = { together: 0, feedback: 0 };
      row.set(hi, stat);
      this.pairCount++;
    }
    return stat;
  }

  private prune(): void {
    if (this.pairCount <= this.opts.maxPairs) return;
    // Pairs with feedback are never dropped, so the floor is bounded to end the loop.
    for (let floor = 1; this.pairCount > this.opts.maxPairs * 0.9 && floor < 1 << 20; floor *= 2) {
      for (const [lo, row] of this.pairs) {
        for (const [hi, stat] of row) {
          if (stat.feedback !== 0 || stat.together > floor) continue;
          row.delete(hi);
          this.pairCount--;
        }
        if (row.size === 0) this.pairs.delete(lo);
      }
    }
  }
}
