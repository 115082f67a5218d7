/**
 * The online correlation engine: alert events in, one explained Decision per event out.
 *
 * Contract:
 * - Works on event time only. `ingest` holds events back for `latenessMs` and decides them in
 *   event-time order (ties by fingerprint and status), so every arrival order within the bound,
 *   a live feed or a full-speed replay, yields the same decisions. Later arrivals are decided at
 *   once and flagged `late`. `decide` is the in-order core for callers that already sort.
 * - A new alert (or a new episode of an alert whose incident is over) is scored against the
 *   open, recently active incidents near it: time gap, topology proximity of the items it maps
 *   to, label and text similarity with the incident's first and latest members, and the learned
 *   affinity of alert types. It joins the best one scoring at least `linkThreshold`, else opens
 *   its own. Every Decision says why, in figures and in words.
 * - Repeats, redeliveries, resolves and re-fires of a member stay in its incident. An incident
 *   resolves `holdMs` after its last firing member resolved and no member is flapping; a
 *   resolved incident never takes new alerts.
 * - Suppressed alerts (maintenance, silence, inhibition) get no incident, and say which rule.
 * - State is bounded: incidents leave the candidate index `maxGapMs` after their latest new
 *   alert; resolved alerts and incidents are dropped after their retention; a hard cap bounds
 *   alert states. Per-event cost depends on the neighbourhood and the open incidents near it,
 *   not on history.
 * - Operators' merges and splits move members and teach the learned model.
 */
import type { AlertEvent } from '../../engine/alert/alert.ts';
import type { EngineCapacity } from '../../engine/observability/engine-capacity.ts';
import type { ItemMatcher } from '../../engine/topology/item-matcher.ts';
import type { ReachRelation, TopologyGraph } from '../../engine/topology/topology-graph.ts';
import { AlertRoleModel } from './alert-role-model.ts';
import { CoOccurrenceModel } from './co-occurrence-model.ts';
import type { Decision, DecisionAction, RoleRule, ScoreBreakdown } from './decision.ts';
import { type PlacedRole, PlacementRoles } from './placement-roles.ts';
import { describeBulkSide, describeConfined, describeLink, describePathJoin, describeSecondRoot, describeStaleItem } from './describe-link.ts';
import { engineConfig, type EngineConfig } from './engine-config.ts';
import type { AlertState, Exemplar, IncidentState, MemberState, Retired, Timer } from './engine-state.ts';
import { findSuppression, NO_SUPPRESSION, type SuppressionHit, type SuppressionRules } from './find-suppression.ts';
import type { IncidentView } from './incident-view.ts';
import { InhibitionIndex } from './inhibition-index.ts';
import { formatGap } from '../group-key.ts';
import { flatString } from './flat-string.ts';
import { jaccard } from './jaccard.ts';
import { keepFirst } from './keep-first.ts';
import { labelPairs } from './label-pairs.ts';
import { MinHeap } from './min-heap.ts';
import { ReachCache } from './reach-cache.ts';
import { ReorderBuffer } from './reorder-buffer.ts';
import { textTokens } from './text-tokens.ts';

export interface CorrelationEngineDeps {
  /** Topology; without it only time, labels, text and learning link alerts. */
  graph?: TopologyGraph | null;
  /** Maps alert labels to items of `graph`. */
  matcher?: ItemMatcher | null;
  config?: Partial<EngineConfig>;
  suppression?: SuppressionRules;
  /** Learned type affinities to start from (e.g. restored from a store); a fresh one otherwise. */
  model?: CoOccurrenceModel;
  /** Learned alert roles to start from; a fresh one otherwise. */
  roles?: AlertRoleModel;
  /**
   * Called when an incident resolves (in event time), with its final members: the moment to
   * persist it or rank its root causes before the engine forgets it after its retention.
   */
  onIncidentResolved?: (incident: IncidentView) => void;
  /**
   * What a resolved incident taught the learned models, as it is learned: the moment to store
   * it, so a restarted engine knows it (see `learn`).
   */
  onLesson?: (lesson: Lesson) => void;
  /** Incidents already learned from (their lessons stored and given to `learn`): not learned again when they resolve anew in a replay. */
  learned?: ReadonlySet<string>;
}

/**
 * What one confirmed incident teaches: its alert types (co-occurrence), and which of them fired
 * on its root items (roles; both empty when it had no root item).
 */
export interface Lesson {
  key: string;
  /** Engine time of the resolve, ms. */
  atMs: number;
  types: string[];
  onRoot: string[];
  elsewhere: string[];
}

/**
 * An incident worth scoring for an alert, how it was found, and (once computed) its score bound.
 * The entries are reused from event to event (CorrelationEngine.scratch); `inc` is null between.
 */
interface Candidate {
  inc: IncidentState | null;
  hit: TopoHit | null;
  bound: number;
  /** Scored after the others, and only if its bound can reach the best (EngineConfig.pruneCandidates). */
  deferred: boolean;
}

/** The outcome of `pick`: the best candidate, its score, and the item its topology hit came from. */
interface Picked {
  best: IncidentState | null;
  bestScore: ScoreBreakdown | null;
  bestFrom: number | null;
}

interface TopoHit {
  /** Proximity after the causal-lag scaling. */
  affinity: number;
  hops: number;
  relation: ReachRelation;
  via: number;
  from: number;
  /** Event time minus the first alert on `via` in the incident. */
  lagMs: number;
  /** Set for an implicit item (a shared service-like label, see implicitItemLabels): its words. */
  implicit?: string;
}

export interface EngineStats {
  alerts: number;
  incidents: number;
  /** Member entries held across those incidents (each refers to an alert state). */
  members: number;
  indexedIncidents: number;
  buffered: number;
  timers: number;
  reachCache: number;
  /** Candidates scored in full, and those ruled out by their score bound (EngineConfig.pruneCandidates), since the start. */
  candidatesScored: number;
  candidatesPruned: number;
  /** Events whose name and label index entries were not read: a topology hit beat them all. */
  indexScansSkipped: number;
}

/** secondRoot's answer when the role model has nothing to say (shared: only read). */
const NO_ROLE: RoleVerdict = Object.freeze({ share: null, placed: null, factor: 1, item: null, rule: null });
/** Decision.absorbed when nothing was merged (shared: only read). */
const NO_KEYS: readonly string[] = Object.freeze([]);
/** An alert's items and item ids when it matches none (shared: only read; one array per alert added up). */
const NONE: readonly never[] = Object.freeze([]);
/** Types of an incident the learned affinity is checked against (its first ones): bounds the cost. */
const LEARNED_TYPES_CHECKED = 12;
/** Old alert states looked at per event for retention and staleness; amortises the sweep. */
const SWEEP_STEPS = 4;

export class CorrelationEngine {
  readonly config: EngineConfig;
  readonly model: CoOccurrenceModel;
  readonly roles: AlertRoleModel;
  /** Stand-in roles from the engine's own placements (EngineConfig.roles.placedMinSeen). */
  private readonly placements: PlacementRoles;
  private readonly graph: TopologyGraph | null;
  private readonly matcher: ItemMatcher | null;
  private readonly reach: ReachCache | null;
  private readonly volatile: Set<string>;
  private readonly buffer: ReorderBuffer;
  private rules: SuppressionRules;
  private inhibition: InhibitionIndex;
  private readonly timers = new MinHeap<Timer>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  private timerSeq = 0;
  /** Numbers candidate gatherings (IncidentState.candidateStamp). */
  private candidateStamp = 0;
  private candidatesScored = 0;
  private candidatesPruned = 0;
  private indexScansSkipped = 0;
  /** Candidate entries reused by every event: the first `candidates()` of them are this event's. */
  private readonly scratch: Candidate[] = [];
  /** Set by `pick`: the scored (not deferred) candidates that reach the link threshold after judging. */
  private readonly fitting: IncidentState[] = [];
  private arrivals = 0;
  private clockMs = Number.NEGATIVE_INFINITY;
  /** Alert states in least-recently-seen order (re-inserted on every event). */
  private readonly alerts = new Map<string, AlertState>();
  /**
   * The sweep's read position in `alerts`: one live iterator kept between events. A fresh
   * `alerts.values()` per event starts at the map's first slot and walks every slot deleted
   * from the front since the map last compacted: quadratic once the cap is reached (a map of
   * 500,000 alerts fell from 75,000 to 2,000 events/s).
   */
  private sweepCursor: IterableIterator<AlertState> | null = null;
  /** The alert the cursor last read, while it is still the head: cleared when it leaves or moves to the back. */
  private sweepHead: AlertState | undefined = undefined;
  private readonly incidents = new Map<string, IncidentState>();
  /** Resolved and merged incidents in the order they were retired, from `retiredHead` on (retire()). */
  private retired: Retired[] = [];
  private retiredHead = 0;
  private alertsCapped = 0;
  private incidentsCapped = 0;
  private readonly byItem = new Map<number, Set<IncidentState>>();
  private readonly byName = new Map<string, Set<IncidentState>>();
  private readonly byPair = new Map<string, Set<IncidentState>>();
  private readonly unindexPending = new WeakSet<IncidentState>();
  private readonly flapIn = new WeakMap<AlertState, IncidentState>();
  private readonly onIncidentResolved: ((incident: IncidentView) => void) | null;
  private readonly onLesson: ((lesson: Lesson) => void) | null;
  private readonly learned: ReadonlySet<string>;
  /** EngineConfig.pruneCandidates, where the score bound is sound for the configured weights. */
  private readonly pruneable: boolean;
  private readonly roleFactorBound: number;
  /** The most a candidate without a topology hit can score (looseScoreBound(null)). */
  private readonly hitlessBound: number;

  constructor(deps: CorrelationEngineDeps = {}) {
    this.config = engineConfig(deps.config);
    this.graph = deps.graph ?? null;
    this.matcher = deps.matcher ?? null;
    this.reach = this.graph ? new ReachCache(this.graph, this.config.maxHops, this.config.topologyAffinity, this.config.maxReachCache, this.config.causalConsistency.hops) : null;
    this.model = deps.model ?? new CoOccurrenceModel(this.config.learning);
    this.roles = deps.roles ?? new AlertRoleModel(this.config.roles);
    this.placements = new PlacementRoles(this.config.roles.maxTypes, this.config.roles.smoothing);
    this.volatile = new Set(this.config.volatileLabels);
    this.buffer = new ReorderBuffer(this.config.latenessMs);
    this.rules = deps.suppression ?? NO_SUPPRESSION;
    this.inhibition = new InhibitionIndex(this.rules.inhibitRules);
    this.onIncidentResolved = deps.onIncidentResolved ?? null;
    this.onLesson = deps.onLesson ?? null;
    this.learned = deps.learned ?? new Set();
    // The bound assumes every term only adds and the role factor is a non-negative scale.
    const w = this.config.weights;
    const roleFactor = this.config.roles.enabled ? this.config.roles.factor : 1;
    this.pruneable = this.config.pruneCandidates && [w.time, w.topology, w.labels, w.text, w.learned, roleFactor].every((x) => Number.isFinite(x) && x >= 0);
    this.roleFactorBound = Math.max(1, roleFactor);
    this.hitlessBound = this.looseScoreBound(null);
  }

  // ---------------------------------------------------------------------------------------
  // Feeding events

  /**
   * Accepts one event in arrival order. Returns the decisions this arrival made final: the
   * buffered events that fell `latenessMs` behind the newest event time seen, in event-time
   * order (often none, sometimes several), or this event's own decision if it came too late
   * to be buffered. Call `flush` at the end of a stream, `advanceTo` on a live clock.
   */
  ingest(event: AlertEvent): Decision[] {
    const seq = this.arrivals++;
    const t = Date.parse(event.eventTime);
    if (!Number.isFinite(t)) return [this.build(event, seq, t, false, null, 'ignored', null, false, null, 'event time is not a valid date', null)];
    if (this.buffer.isLate(t)) return [this.decideAt(event, t, seq, true)];
    this.buffer.push({ event, timeMs: t, seq });
    return this.buffer.release().map((b) => this.decideAt(b.event, b.timeMs, b.seq, false));
  }

  /** Decides every buffered event (end of a replay, shutdown). */
  flush(): Decision[] {
    return this.buffer.drain().map((b) => this.decideAt(b.event, b.timeMs, b.seq, false));
  }

  /**
   * Live mode: the wall clock says no event older than `nowMs - latenessMs` can still arrive on
   * time, so buffered ones before that are decided and timers (resolves) up to it run.
   */
  advanceTo(nowMs: number): Decision[] {
    this.buffer.advanceTo(nowMs);
    const out = this.buffer.release().map((b) => this.decideAt(b.event, b.timeMs, b.seq, false));
    this.runTimers(this.buffer.watermarkMs);
    return out;
  }

  /**
   * Rebuilding after a restart: replays one recorded event in its recorded order. A new episode
   * goes into the incident it was recorded in (`pin`, its key), not wherever scoring would put it
   * today, so the rebuilt state agrees with the store; everything else runs as in `decide`.
   */
  restore(event: AlertEvent, pin: string | null): Decision {
    const seq = this.arrivals++;
    const t = Date.parse(event.eventTime);
    if (!Number.isFinite(t)) return this.build(event, seq, t, false, null, 'ignored', null, false, null, 'event time is not a valid date', null);
    return this.decideAt(event, t, seq, t < this.clockMs, pin, true);
  }

  /** Decides one event now; the caller guarantees event-time order (ingest does that for you). */
  decide(event: AlertEvent): Decision {
    const seq = this.arrivals++;
    const t = Date.parse(event.eventTime);
    if (!Number.isFinite(t)) return this.build(event, seq, t, false, null, 'ignored', null, false, null, 'event time is not a valid date', null);
    return this.decideAt(event, t, seq, t < this.clockMs);
  }

  setSuppression(rules: SuppressionRules): void {
    this.rules = rules;
    this.inhibition = new InhibitionIndex(rules.inhibitRules);
    for (const a of this.alerts.values()) if (a.firing) this.inhibition.add(a.fingerprint, a.labels);
  }

  // ---------------------------------------------------------------------------------------
  // Reading state

  incident(key: string): IncidentView | undefined {
    const inc = this.incidents.get(key);
    return inc ? this.view(inc) : undefined;
  }

  openIncidents(): IncidentView[] {
    const out: IncidentView[] = [];
    for (const inc of this.incidents.values()) if (inc.status === 'open') out.push(this.view(inc));
    return out;
  }

  stats(): EngineStats {
    let indexed = 0;
    let members = 0;
    for (const inc of this.incidents.values()) {
      if (inc.indexed) indexed++;
      members += inc.members.size;
    }
    return {
      alerts: this.alerts.size,
      incidents: this.incidents.size,
      members,
      indexedIncidents: indexed,
      buffered: this.buffer.size,
      timers: this.timers.size,
      reachCache: this.reach?.size ?? 0,
      candidatesScored: this.candidatesScored,
      candidatesPruned: this.candidatesPruned,
      indexScansSkipped: this.indexScansSkipped,
    };
  }

  /** Held against the caps, read without walking the state (for a metrics scrape). */
  capacity(): EngineCapacity {
    return {
      alerts: this.alerts.size,
      maxAlerts: this.config.maxAlerts,
      alertsCapped: this.alertsCapped,
      incidents: this.incidents.size,
      maxIncidents: this.config.maxIncidents,
      incidentsCapped: this.incidentsCapped,
    };
  }

  // ---------------------------------------------------------------------------------------
  // Operator feedback

  /**
   * Moves every member of `fromKey` into `intoKey`; `fromKey` becomes `merged`. The learned
   * model is told the two sides' alert types belong together. Throws on unknown keys.
   */
  merge(intoKey: string, fromKey: string): IncidentView {
    const into = this.mustGet(intoKey);
    const from = this.mustGet(fromKey);
    if (into === from) throw new Error(`cannot merge incident ${intoKey} into itself`);
    if (this.config.learning.enabled) {
      for (const ta of into.types.keys()) for (const tb of from.types.keys()) if (ta !== tb) this.model.feedback(ta, tb, 1);
    }
    this.absorb(into, from);
    return this.view(into);
  }

  /** Moves every member of `from` into `into` (an operator's merge, or a path join); `from` becomes `merged`. */
  private absorb(into: IncidentState, from: IncidentState): void {
    this.unindex(into);
    this.unindex(from);
    for (const [fp, m] of from.members) {
      into.members.set(fp, m);
      if (m.alert.incident === from) m.alert.incident = into;
      if (this.flapIn.get(m.alert) === from) this.flapIn.set(m.alert, into);
    }
    from.members = new Map();
    if (from.dropped > 0) {
      // rebuild() reads only held members: keep the span of the ones dropped from memory.
      into.firstOnsetMs = Math.min(into.firstOnsetMs, from.firstOnsetMs);
      into.lastOnsetMs = Math.max(into.lastOnsetMs, from.lastOnsetMs);
      into.dropped += from.dropped;
      from.dropped = 0;
    }
    from.status = 'merged';
    from.mergedInto = into.key;
    from.firing = 0;
    from.flapping = 0;
    this.retire(from, this.clockMs + this.config.incidentRetentionMs);
    if (into.status === 'resolved') {
      into.status = 'open';
      into.resolvedAtMs = null;
    }
    this.rebuild(into);
    this.afterOperatorChange(into);
  }

  /**
   * Moves the given members of `key` into a new incident (`key~n`) and returns it. The learned
   * model is told the moved types and the remaining ones do not belong together (types found
   * on both sides are left alone). Throws on unknown keys or fingerprints, or an empty side.
   */
  split(key: string, fingerprints: readonly string[]): IncidentView {
    const inc = this.mustGet(key);
    if (inc.status === 'merged') throw new Error(`incident ${key} was merged into ${inc.mergedInto}`);
    const moving = new Set(fingerprints);
    for (const fp of moving) if (!inc.members.has(fp)) throw new Error(`${fp} is not a member of ${key}`);
    if (moving.size === 0 || moving.size === inc.members.size) throw new Error('a split needs members on both sides');
    const part = this.newIncident(`${key}~${++inc.split}`, this.clockMs);
    part.splitOff = true;
    this.unindex(inc);
    for (const fp of moving) {
      const m = inc.members.get(fp)!;
      inc.members.delete(fp);
      part.members.set(fp, m);
      if (m.alert.incident === inc) m.alert.incident = part;
      if (this.flapIn.get(m.alert) === inc) this.flapIn.set(m.alert, part);
    }
    part.status = inc.status;
    part.resolvedAtMs = inc.resolvedAtMs;
    this.rebuild(inc);
    this.rebuild(part);
    if (this.config.learning.enabled) {
      for (const ta of part.types.keys()) {
        if (inc.types.has(ta)) continue;
        for (const tb of inc.types.keys()) if (!part.types.has(tb)) this.model.feedback(ta, tb, -1);
      }
    }
    this.afterOperatorChange(inc);
    this.afterOperatorChange(part);
    if (part.status === 'resolved') this.retire(part, this.clockMs + this.config.incidentRetentionMs);
    return this.view(part);
  }

  /**
   * An operator resolved the incident: it takes no new alerts from now on (its members' later
   * events still land in it). A no-op on an incident that is not open.
   */
  close(key: string, atMs: number): IncidentView {
    const inc = this.mustGet(key);
    if (inc.status === 'open') this.resolveIncident(inc, atMs);
    return this.view(inc);
  }

  // ---------------------------------------------------------------------------------------
  // The decision

  private decideAt(ev: AlertEvent, t: number, seq: number, late: boolean, pin: string | null = null, restoring = false): Decision {
    this.runTimers(t);
    if (t > this.clockMs) this.clockMs = t;
    const fp = ev.fingerprint;
    let a = this.alerts.get(fp);
    const id = flatString(`${ev.status}|${t}|${ev.startsAt}`);
    if (a !== undefined && a.recent.includes(id)) {
      return this.build(ev, seq, t, late, a, 'duplicate', this.keyOf(a), false, null, 'the same event delivered again', a.suppressed);
    }
    if (a === undefined) {
      if (ev.status !== 'firing') {
        return this.build(ev, seq, t, late, null, 'ignored', null, false, null, `${ev.status} for an alert that is not firing here (never seen, or forgotten)`, null);
      }
      a = this.newAlert(ev);
    } else {
      if (a === this.sweepHead) this.sweepHead = undefined;
      this.alerts.delete(fp);
    }
    a.lastEventMs = t;
    this.alerts.set(fp, a);
    // After the insert, so the cap holds with this alert counted; the sweep stops at it.
    this.sweep(t, a);
    // A literal for the first entry: `push` on an empty array reserves 17 slots, kept per alert.
    if (a.recent.length === 0) a.recent = [id];
    else {
      a.recent.push(id);
      if (a.recent.length > 4) a.recent.shift();
    }

    if (ev.status === 'acknowledged') {
      return this.build(ev, seq, t, late, a, 'kept', this.keyOf(a), false, null, 'acknowledged at the source; the incident is unchanged', a.suppressed);
    }
    if (ev.status === 'resolved') {
      if (!a.firing) return this.build(ev, seq, t, late, a, 'kept', this.keyOf(a), false, null, 'resolve repeated', a.suppressed);
      this.markResolved(a, t);
      if (a.suppressed) return this.build(ev, seq, t, late, a, 'suppressed', null, false, null, `resolved while suppressed: ${a.suppressed.reason}`, a.suppressed);
      const inc = a.incident;
      const rest = inc && inc.firing > 0 ? `; ${inc.firing} member${inc.firing === 1 ? '' : 's'} still firing` : a.flapping ? '; flapping, so the incident waits for it to settle' : `; the incident resolves in ${Math.round(this.config.holdMs / 1000)} s unless something fires`;
      return this.build(ev, seq, t, late, a, 'kept', this.keyOf(a), false, null, `resolved${rest}`, null);
    }

    // firing
    if (a.firing) {
      return this.build(ev, seq, t, late, a, a.suppressed ? 'suppressed' : 'kept', this.keyOf(a), false, null, a.suppressed ? a.suppressed.reason : 'repeat of a firing alert', a.suppressed);
    }
    a.firing = true;
    this.stateChange(a, t);
    this.inhibition.add(a.fingerprint, a.labels);
    const hit = this.rules === NO_SUPPRESSION ? null : findSuppression(this.rules, a, t, this.inhibition);
    if (hit) {
      a.suppressed = hit;
      return this.build(ev, seq, t, late, a, 'suppressed', null, false, null, hit.reason, hit);
    }
    a.suppressed = null;
    // A flapping alert's re-fire stays in its incident, reopening it if it resolved within
    // the flapping window (the alert, not a new one, came back). Any other re-fire is a new
    // episode and is placed like a new alert: its old incident wins again if still active.
    const current = a.incident;
    if (current !== null && a.flapping) {
      const reopen = current.status === 'resolved' && current.resolvedAtMs !== null && t - current.resolvedAtMs <= this.config.flapping.windowMs;
      if (current.status === 'open' || reopen) {
        // Nothing else of its incident fires steadily: that fault looks over, and a new fault
        // nearby may have raised it again. It goes there if that incident wins the scoring;
        // otherwise it stays (a flap never opens an incident of its own).
        if (this.config.flapping.followNewFault && !firesSteadily(current)) {
          // Restoring, the record decides: linked elsewhere (pinned there) or kept (no pin).
          if (restoring) {
            if (pin !== null && pin !== current.key) return this.placePinned(ev, a, t, seq, late, pin);
          } else {
            const moved = this.placeFlap(ev, a, t, seq, late, current);
            if (moved !== null) return moved;
          }
        }
        if (reopen) this.reopen(current);
        current.firing++;
        current.resolveVersion++;
        this.attachFlap(a);
        const why = `fired again: flapping (${a.changes.length} changes within ${Math.round(this.config.flapping.windowMs / 60_000)} min), kept in its incident${reopen ? ', which reopens' : ''}`;
        return this.build(ev, seq, t, late, a, 'kept', current.key, false, null, why, null);
      }
    }
    return pin === null ? this.place(ev, a, t, seq, late) : this.placePinned(ev, a, t, seq, late, pin);
  }

  private placePinned(ev: AlertEvent, a: AlertState, t: number, seq: number, late: boolean, pin: string): Decision {
    const existing = this.incidents.get(pin);
    const usable = existing !== undefined && existing.status !== 'merged';
    const inc = usable ? existing : this.newIncident(pin, t);
    if (inc.status === 'resolved') this.reopen(inc);
    const reason = 'restored from the store after a restart';
    this.link(inc, a, t);
    return this.build(ev, seq, t, late, a, usable ? 'linked' : 'opened', inc.key, !usable, null, reason, null);
  }

  /**
   * A flapping alert fired again while nothing of `current` fires steadily: linked like a new alert
   * if another incident scores at least the threshold and beats `current`; null to keep it.
   */
  private placeFlap(ev: AlertEvent, a: AlertState, t: number, seq: number, late: boolean, current: IncidentState): Decision | null {
    const { best, bestScore, bestFrom } = this.choose(a, t);
    const cfg = this.config;
    if (best === null || best === current || bestScore === null || bestScore.total < cfg.linkThreshold) return null;
    const fromId = bestFrom !== null && this.graph ? this.graph.idOf(bestFrom) : null;
    const quiet = `fired again while flapping, but nothing in its incident ${current.key} fires steadily any more (that fault looks over), so placed as a new alert`;
    const reason = flatString(`linked: ${quiet}: ${describeLink(bestScore, this.graph, fromId, cfg.maxHops, cfg.linkThreshold)}`);
    this.link(best, a, t);
    return this.build(ev, seq, t, late, a, 'linked', best.key, false, bestScore, reason, null);
  }

  private place(ev: AlertEvent, a: AlertState, t: number, seq: number, late: boolean): Decision {
    const { best, bestScore, bestFrom } = this.choose(a, t);
    const cfg = this.config;
    if (best !== null && bestScore !== null && bestScore.total >= cfg.linkThreshold) {
      const fromId = bestFrom !== null && this.graph ? this.graph.idOf(bestFrom) : null;
      const joins = this.pathJoins(a, best);
      let reason = `linked: ${describeLink(bestScore, this.graph, fromId, cfg.maxHops, cfg.linkThreshold)}`;
      if (joins.length === 0) {
        this.link(best, a, t);
        return this.build(ev, seq, t, late, a, 'linked', best.key, false, bestScore, flatString(reason), null);
      }
      // The alert fills in the path between incidents that one fault explains: they become one,
      // kept under the earliest of them.
      let into = best;
      for (const j of joins) if (outranks(0, j.inc, 0, into)) into = j.inc;
      const name = (i: number): string => this.graph!.nameOf(this.graph!.idOf(i));
      reason += `; ${joins.map((j) => describePathJoin(j.inc.key, name(j.via), name(j.early), name(j.later), j.startGapMs, j.hops)).join('; ')}`;
      if (into !== best) reason += `; kept as ${into.key}, the earliest`;
      reason = flatString(reason);
      this.link(best, a, t);
      const absorbed: string[] = [];
      for (const inc of [best, ...joins.map((j) => j.inc)]) {
        if (inc === into) continue;
        this.absorb(into, inc);
        absorbed.push(inc.key);
      }
      const d = this.build(ev, seq, t, late, a, 'linked', into.key, false, bestScore, reason, null);
      d.absorbed = absorbed;
      return d;
    }
    const inc = this.newIncident(`${a.fingerprint}@${t}`, t);
    const why =
      best === null || bestScore === null
        ? `opened: no active incident within ${cfg.maxHops} hops, of the same name or on the same ${cfg.indexLabels.join('/')}`
        : `opened: the best candidate ${best.key} scored ${bestScore.total.toFixed(2)} < ${cfg.linkThreshold.toFixed(2)} (topology ${bestScore.topology.toFixed(2)}, time ${bestScore.time.toFixed(2)}, labels ${bestScore.labels.toFixed(2)}, text ${bestScore.text.toFixed(2)}, learned ${bestScore.learned.toFixed(2)}${this.penalties(bestScore)})`;
    this.link(inc, a, t);
    return this.build(ev, seq, t, late, a, 'opened', inc.key, true, bestScore, why, null);
  }

  /** Gathers `a`'s candidates and picks the best of them (see gatherHits, pick). */
  private choose(a: AlertState, t: number): Picked {
    const found = this.scratch;
    const cap = this.config.maxCandidates;
    const stamp = ++this.candidateStamp;
    let gathered = this.gatherHits(a, t, stamp);
    let picked: Picked | null = null;
    // Candidates found by name or label alone (no topology hit) score at most `hitlessBound`.
    // When the ones with a hit all survive the cap whatever else is found (at most `cap` of
    // them, all ranked ahead of hit-less ones), and the best of them scores above that bound,
    // no hit-less candidate can win and the name and label indexes need not be read.
    if (this.pruneable && gathered <= cap && allStrong(found, gathered)) {
      picked = this.pick(a, t, gathered);
      if (picked.bestScore === null || !(picked.bestScore.total > this.hitlessBound)) picked = null;
      else this.indexScansSkipped++;
    }
    if (picked === null) {
      gathered = this.gatherIndexed(a, t, stamp, gathered);
      picked = this.pick(a, t, keepFirst(found, gathered, cap, strongerCandidate));
    }
    // Nothing outlives the event in the reused entries.
    for (let i = 0; i < gathered; i++) {
      found[i]!.inc = null;
      found[i]!.hit = null;
    }
    return picked;
  }

  /**
   * The best of the first `count` candidates in `scratch`, judged together (root fit against
   * rivals), with the best score even when it is below the link threshold (for the reason).
   */
  private pick(a: AlertState, t: number, count: number): Picked {
    let best: IncidentState | null = null;
    let bestScore: ScoreBreakdown | null = null;
    let bestFrom: number | null = null;
    // Scored first, judged after: whether an `apart` candidate is scaled down depends on the rest.
    const scored: Array<[IncidentState, TopoHit | null, ScoreBreakdown]> = [];
    let rivalExplains = false;
    let rivalOnTime = false;
    let nearestOnTime = Number.POSITIVE_INFINITY;
    // Candidates without a root fit (found by name or label, or on an implicit item) are never
    // touched by the judging below, so they can be scored last and skipped when their upper
    // bound cannot reach the best score by then (see EngineConfig.pruneCandidates).
    const prune = this.pruneable;
    const found = this.scratch;
    let deferred = 0;
    let top = -1;
    for (let i = 0; i < count; i++) {
      const c = found[i]!;
      const inc = c.inc!;
      const hit = c.hit;
      c.deferred = prune && (hit === null || hit.implicit !== undefined);
      if (c.deferred) {
        c.bound = this.looseScoreBound(hit);
        if (top < 0 || c.bound > found[top]!.bound) top = i;
        deferred++;
        continue;
      }
      const s = this.score(a, inc, hit, t);
      scored.push([inc, hit, s]);
      if (s.rootFit === 'effect' && s.total >= this.config.linkThreshold) {
        rivalExplains = true;
        if (s.lateEffect === 1) {
          rivalOnTime = true;
          if (s.rootHops! < nearestOnTime) nearestOnTime = s.rootHops!;
        }
      }
    }
    const decay = this.config.rootFit.nearerRootDecay;
    // Whose burst on the alert's item this is (EngineConfig.itemBurst): only between rivals, so
    // a lone candidate is never judged.
    const fresh = scored.length > 1 && this.config.itemBurst.staleAfterMs !== null ? this.freshRivals(a, t, scored) : null;
    this.fitting.length = 0;
    for (const [inc, hit, s] of scored) {
      if (fresh !== null) this.judgeStaleItem(a, inc, s, t, fresh);
      if (s.rootFit === 'effect' && rivalOnTime && s.lateEffect < 1) {
        s.rootFactor = s.lateEffect;
        s.total *= s.rootFactor;
      }
      if (s.rootFit === 'effect' && s.rootHops! > nearestOnTime && decay < 1) {
        s.nearerRoot = decay ** (s.rootHops! - nearestOnTime);
        s.total *= s.nearerRoot;
      }
      if (s.rootFit === 'apart' && (rivalExplains || !s.silentParent || s.silentParentLate)) {
        s.rootFactor = this.config.rootFit.apartFactor;
        s.total *= s.rootFactor;
      }
      // Only candidates with a topology hit: pruning defers the others, and must not change decisions.
      if (s.total >= this.config.linkThreshold && hit !== null && hit.implicit === undefined) this.fitting.push(inc);
      if (outranks(s.total, inc, bestScore?.total ?? null, best)) {
        best = inc;
        bestScore = s;
        bestFrom = hit === null || hit.implicit !== undefined ? null : hit.from;
      }
    }
    if (deferred > 0) {
      // The highest bound first (usually the incident on the alert's own item): its score then
      // rules out most of the rest. The best only rises, so a bound below it stays below it.
      // `bound` holds the loose bound (time term at its most); the exact one only when needed.
      for (let n = -1; n < count; n++) {
        const i = n < 0 ? top : n;
        if (n === top) continue;
        const c = found[i]!;
        if (!c.deferred) continue;
        const inc = c.inc!;
        const hit = c.hit;
        if (bestScore !== null && (c.bound < bestScore.total || this.scoreBound(inc, hit, t) < bestScore.total)) {
          this.candidatesPruned++;
          continue;
        }
        const s = this.score(a, inc, hit, t);
        if (outranks(s.total, inc, bestScore?.total ?? null, best)) {
          best = inc;
          bestScore = s;
          bestFrom = null;
        }
      }
    }
    return { best, bestScore, bestFrom };
  }

  /**
   * See EngineConfig.itemBurst: of the scored candidates at or above the link threshold, those
   * whose fault is reaching `a`'s item now, with the item the evidence is on and how long ago it
   * first alerted there; null when none. Candidates without a topology hit (deferred by pruning)
   * never count: an incident holding `a`'s item or an item it needs directly has a hit through it.
   */
  private freshRivals(a: AlertState, t: number, scored: ReadonlyArray<[IncidentState, TopoHit | null, ScoreBreakdown]>): Map<IncidentState, FreshEvidence> | null {
    const cfg = this.config.itemBurst;
    const out = new Map<IncidentState, FreshEvidence>();
    // The items `a`'s items need directly, the same for every candidate.
    const parents = a.items.flatMap((i) => this.reach!.parents(i));
    for (const [inc, , s] of scored) {
      if (s.total < this.config.linkThreshold) continue;
      const own = itemOnset(inc, a.items);
      if (own !== null && own.onset <= t && t - own.onset <= cfg.staleAfterMs!) {
        out.set(inc, { item: own.item, agoMs: t - own.onset });
        continue;
      }
      // Or the fault comes through an item it needs directly (the first of them it reached).
      const via = itemOnset(inc, parents);
      if (via !== null && via.onset <= t && t - via.onset <= cfg.parentWithinMs) out.set(inc, { item: via.item, agoMs: t - via.onset });
    }
    return out.size === 0 ? null : out;
  }

  /**
   * Scales `s` (a scored candidate for `a` in `inc`) by EngineConfig.itemBurst.factor when
   * `inc`'s alerts on `a`'s item began longer than staleAfterMs ago and another candidate's
   * fault is reaching the item now (`fresh`, from freshRivals); records both sides in `s`.
   */
  private judgeStaleItem(a: AlertState, inc: IncidentState, s: ScoreBreakdown, t: number, fresh: Map<IncidentState, FreshEvidence>): void {
    const cfg = this.config.itemBurst;
    const own = itemOnset(inc, a.items);
    if (own === null || t - own.onset <= cfg.staleAfterMs!) return;
    let rival: FreshEvidence | null = null;
    for (const [other, ev] of fresh) if (other !== inc && (rival === null || ev.agoMs < rival.agoMs)) rival = ev;
    if (rival === null) return;
    s.staleItem = cfg.factor;
    s.staleItemMs = t - own.onset;
    s.freshItem = this.graph ? this.graph.idOf(rival.item) : null;
    s.freshAgoMs = rival.agoMs;
    s.total *= cfg.factor;
  }

  /**
   * See EngineConfig.pathJoin: the other open incidents that `a`, linking into `best`, shows to
   * be one fault with it. Both reached the link threshold for `a` with a topology hit; `a`'s
   * item lies on a shortest path between the items each incident started on (none of them with
   * causal relations); the later one started
   * within the cascade time of that distance after the earlier one; neither was split by an
   * operator, and operators never split their types apart. Looked at only when `pick` found
   * another incident above the threshold.
   */
  private pathJoins(a: AlertState, best: IncidentState): PathJoin[] {
    const cfg = this.config;
    const out: PathJoin[] = [];
    if (!cfg.pathJoin.enabled || this.graph === null || this.reach === null || a.items.length === 0 || this.fitting.length < 2) return out;
    if (operatorSplit(best)) return out;
    for (const other of this.fitting) {
      if (other === best || operatorSplit(other)) continue;
      const [early, later] = outranks(0, best, 0, other) ? [best, other] : [other, best];
      const e0 = firstItem(early);
      const l0 = firstItem(later);
      if (e0 === null || l0 === null || e0 === l0) continue;
      let hops: number | null = null;
      let via = -1;
      for (const x of a.items) {
        if (x === e0 || x === l0) continue;
        hops = this.between(e0, x, l0);
        if (hops !== null) {
          via = x;
          break;
        }
      }
      if (hops === null) continue;
      const startGapMs = later.firstOnsetMs - early.firstOnsetMs;
      if (startGapMs > cfg.rootFit.effectGraceMs + hops * cfg.rootFit.hopMs) continue;
      if (this.splitApart(early, later)) continue;
      out.push({ inc: other, early: e0, later: l0, via, hops, startGapMs });
    }
    // In the candidates' total order (earliest first), not the order they were gathered in.
    return out.length < 2 ? out : out.sort((x, y) => (outranks(0, x.inc, 0, y.inc) ? -1 : 1));
  }

  /**
   * Hops from `e` to `l` when `x` lies on a shortest path between them, all three without causal
   * relations (where there are some, the root fit places alerts and a path says less: see
   * EngineConfig.pathJoin); null otherwise or farther than maxHops a side.
   */
  private between(e: number, x: number, l: number): number | null {
    const graph = this.graph!;
    if (graph.hasCausalRelations(x) || graph.hasCausalRelations(e) || graph.hasCausalRelations(l)) return null;
    const max = this.config.maxHops;
    const ex = graph.distance(graph.idOf(e), graph.idOf(x), max);
    const xl = ex === null ? null : graph.distance(graph.idOf(x), graph.idOf(l), max);
    if (ex === null || xl === null || ex === 0 || xl === 0) return null;
    const el = graph.distance(graph.idOf(e), graph.idOf(l), ex + xl);
    return el === ex + xl ? el : null;
  }

  /** Whether operators ever split a type of one incident from a type of the other (net feedback below 0). */
  private splitApart(x: IncidentState, y: IncidentState): boolean {
    if (!this.config.learning.enabled) return false;
    for (const ta of x.types.keys()) for (const tb of y.types.keys()) if (ta !== tb && (this.model.affinity(ta, tb)?.feedback ?? 0) < 0) return true;
    return false;
  }

  /** The root-fit and role factors that lowered a candidate's score, for an `opened` reason. */
  private penalties(s: ScoreBreakdown): string {
    const rootName = this.graph && s.rootItem !== null ? this.graph.nameOf(s.rootItem) : s.rootItem;
    const out: string[] = [];
    if (s.rootFactor < 1) {
      const late = s.silentParentLate ? `, ${formatGap(s.rootLagMs!)} its first alert: too late for one silent cause of both` : '';
      out.push(`×${s.rootFactor.toFixed(2)}: ${s.rootFit === 'cause' ? 'a late cause of' : s.rootFit === 'effect' ? 'a late effect of' : 'neither cause nor effect of'} its root ${rootName}${late}`);
    }
    if (s.nearerRoot < 1) out.push(`×${s.nearerRoot.toFixed(2)}: its root ${rootName} is ${s.rootHops} causal hops away, another incident's is nearer`);
    if (s.unseenPath < 1) out.push(`×${s.unseenPath.toFixed(2)}: its root ${rootName} is ${s.rootHops} causal hops away and nothing between them alerts yet`);
    if (s.staleItem < 1) out.push(`×${s.staleItem.toFixed(2)}: ${describeStaleItem(s, this.graph)}`);
    if (s.confined < 1) out.push(`×${s.confined.toFixed(2)}: ${describeConfined(s, this.graph)}`);
    if (s.bulkSide < 1) out.push(`×${s.bulkSide.toFixed(2)}: ${describeBulkSide(s, this.graph)}`);
    const second = describeSecondRoot(s, this.graph);
    if (second !== null) out.push(second);
    return out.length === 0 ? '' : `; ${out.join('; ')}`;
  }

  /**
   * Candidates for `a`, gathered into `scratch` from `n` on (returns the new count): the open,
   * recently active incidents near its items, or on its implicit item, with their topology
   * hit. `gatherIndexed` adds those of its name and index labels. Together, cut to
   * `maxCandidates` (the strongest topology hit first, then the most recently active, then by
   * key), they are the candidates; in no particular order: `pick` judges by a total order.
   */
  private gatherHits(a: AlertState, t: number, stamp: number): number {
    const found = this.scratch;
    let n = 0;
    const minLast = t - this.config.maxGapMs;
    if (this.reach !== null) {
      for (const from of a.items) {
        for (const r of this.reach.of(from)) {
          const set = this.byItem.get(r.index);
          if (set === undefined) continue;
          for (const inc of set) {
            // The reach list is strongest first, but the lag scaling can reorder, so every entry counts.
            const lagMs = t - (inc.itemOnsets.get(r.index) ?? t);
            const affinity = r.affinity * this.lagFactor(r.relation, lagMs);
            if (inc.candidateStamp === stamp) {
              const cur = found[inc.candidateSlot]!;
              if (cur.hit === null || affinity > cur.hit.affinity) cur.hit = { affinity, hops: r.hops, relation: r.relation, via: r.index, from, lagMs };
            } else if (eligible(inc, minLast)) {
              n = putCandidate(found, n, inc, stamp, { affinity, hops: r.hops, relation: r.relation, via: r.index, from, lagMs });
            }
          }
        }
      }
    }
    if (a.items.length === 0) n = this.implicitHits(a, t, n, stamp, minLast);
    return n;
  }

  /** See gatherHits: adds the incidents filed under `a`'s name and index labels not found yet. */
  private gatherIndexed(a: AlertState, t: number, stamp: number, n: number): number {
    const found = this.scratch;
    const minLast = t - this.config.maxGapMs;
    const named = this.byName.get(a.name);
    if (named) for (const inc of named) if (inc.candidateStamp !== stamp && eligible(inc, minLast)) n = putCandidate(found, n, inc, stamp, null);
    for (const k of this.config.indexLabels) {
      const v = a.labels[k];
      const set = v === undefined ? undefined : this.byPair.get(`${k}=${v}`);
      if (set) for (const inc of set) if (inc.candidateStamp !== stamp && eligible(inc, minLast)) n = putCandidate(found, n, inc, stamp, null);
    }
    return n;
  }

  /**
   * An alert on no known item shares an implicit item with incidents filed under the same value
   * of its first implicit-item label (e.g. the same service): as close as the same item.
   */
  private implicitHits(a: AlertState, t: number, n: number, stamp: number, minLast: number): number {
    const found = this.scratch;
    for (const k of this.config.implicitItemLabels) {
      const v = a.labels[k];
      if (v === undefined) continue;
      const set = this.byPair.get(`${k}=${v}`);
      if (set) {
        const implicit = flatString(`${k} "${v}"`);
        for (const inc of set) {
          const lagMs = t - inc.firstOnsetMs;
          const affinity = (this.config.topologyAffinity.self[0] ?? 1) * this.lagFactor('self', lagMs);
          const hit: TopoHit = { affinity, hops: 0, relation: 'self', via: -1, from: -1, lagMs, implicit };
          if (inc.candidateStamp === stamp) {
            const cur = found[inc.candidateSlot]!;
            if (cur.hit === null || affinity > cur.hit.affinity) cur.hit = hit;
          } else if (eligible(inc, minLast)) n = putCandidate(found, n, inc, stamp, hit);
        }
      }
      return n;
    }
    return n;
  }

  /**
   * An upper bound on `score(a, inc, hit, t).total` for a candidate without a root fit (hit
   * null or implicit): the same time and topology terms, computed the same way, and the
   * largest possible label, text and learned terms (1). Floating-point rounding is monotone,
   * so with non-negative weights the bound is never below the real total.
   */
  private scoreBound(inc: IncidentState, hit: TopoHit | null, t: number): number {
    const cfg = this.config;
    const time = Math.exp(-Math.abs(t - inc.lastOnsetMs) / cfg.timeScaleMs);
    const topology = hit?.affinity ?? 0;
    const w = cfg.weights;
    const total = w.time * time + w.topology * topology + w.labels * 1 + w.text * 1 + w.learned * 1;
    return total * this.roleFactorBound;
  }

  /** `scoreBound` with the time term at its largest (1): no exponential, never below it. */
  private looseScoreBound(hit: TopoHit | null): number {
    const w = this.config.weights;
    const total = w.time * 1 + w.topology * (hit?.affinity ?? 0) + w.labels * 1 + w.text * 1 + w.learned * 1;
    return total * this.roleFactorBound;
  }

  /** See EngineConfig.causalLag. */
  private lagFactor(relation: ReachRelation, lagMs: number): number {
    const lag = this.config.causalLag;
    const excess = lagMs - (relation === 'self' || relation === 'upstream' ? lag.effectGraceMs : lag.graceMs);
    return excess <= 0 ? 1 : 1 / (1 + excess / this.config.causalLag.scaleMs);
  }

  private score(a: AlertState, inc: IncidentState, hit: TopoHit | null, t: number): ScoreBreakdown {
    const cfg = this.config;
    this.candidatesScored++;
    const gapMs = t - inc.lastOnsetMs;
    const time = Math.exp(-Math.abs(gapMs) / cfg.timeScaleMs);
    let topology = hit?.affinity ?? 0;
    let consistent: boolean | null = null;
    // Checked where the alert would add a cause: as a cause or sibling of incident items, or
    // linked to them only by a non-causal path although its item has causal relations (an
    // unexplained neighbour). In graphs without causal relations there is nothing to check.
    const checkRoots =
      hit !== null &&
      (hit.relation === 'downstream' || hit.relation === 'sibling' || (hit.relation === 'linked' && this.graph!.hasCausalRelations(hit.from)));
    if (checkRoots && inc.rootCandidates && this.reach) {
      consistent = false;
      for (const i of a.items) {
        for (const u of this.reach.ancestors(i)) {
          if (inc.rootCandidates.has(u)) {
            consistent = true;
            break;
          }
        }
        if (consistent) break;
      }
      if (!consistent) topology *= cfg.causalConsistency.factor;
    }
    const fit = hit === null || hit.implicit !== undefined ? null : this.rootFit(a, inc, t);
    let labels = 0;
    let text = 0;
    for (const ex of inc.exemplars) {
      const l = jaccard(a.pairs, ex.pairs);
      if (l > labels) labels = l;
      const x = jaccard(a.tokens, ex.tokens);
      if (x > text) text = x;
    }
    let learned = 0;
    let learnedWith: string | null = null;
    if (cfg.learning.enabled && this.model.hasEvidence(a.type)) {
      let bestValue = Number.NEGATIVE_INFINITY;
      let checked = 0;
      for (const type of inc.types.keys()) {
        if (checked++ >= LEARNED_TYPES_CHECKED) break;
        const aff = this.model.affinity(a.type, type);
        if (aff !== null && aff.value > bestValue) {
          bestValue = aff.value;
          learnedWith = type;
        }
      }
      if (learnedWith !== null) learned = bestValue;
    }
    const w = cfg.weights;
    let total = w.time * time + w.topology * topology + w.labels * labels + w.text * text + w.learned * learned;
    // A structurally implausible link is scaled as a whole: being close in time or alike in
    // labels does not make a late cause or an unexplained neighbour part of this fault.
    // (An `apart` fit is scaled in `place`, only when a rival explains the alert as an effect.)
    const rootFactor = fit === null || fit.kind === 'apart' || fit.kind === 'effect' ? 1 : fit.factor;
    total *= rootFactor;
    const unseenPath = fit?.unseen ?? 1;
    total *= unseenPath;
    const role = this.secondRoot(a, inc, hit, t, learned, fit);
    total *= role.factor;
    // A local fault (EngineConfig.confined). Only topology hits with a relation, never the
    // deferred candidates (hit null or implicit, relation self): the pruning bound is unchanged.
    const confined = hit !== null && hit.relation === 'linked' && inc.items.size === 1 && t - inc.firstOnsetMs > cfg.confined.afterMs ? cfg.confined.factor : 1;
    total *= confined;
    const bulkFrom = this.bulkSideFrom(a, inc, hit, t);
    const bulkSide = bulkFrom === null ? 1 : cfg.bulkSide.factor;
    total *= bulkSide;
    return {
      total,
      time,
      topology,
      labels,
      text,
      learned,
      gapMs,
      sinceFirstMs: t - inc.firstOnsetMs,
      viaItem: hit === null ? null : (hit.implicit ?? (this.graph ? this.graph.idOf(hit.via) : null)),
      hops: hit?.hops ?? null,
      relation: hit?.relation ?? null,
      consistent,
      rootFit: fit?.kind ?? null,
      rootItem: fit !== null && this.graph ? this.graph.idOf(fit.root) : null,
      rootLagMs: fit?.lagMs ?? null,
      rootFactor,
      silentParent: fit?.silentParent ?? false,
      silentParentLate: fit?.silentParentLate ?? false,
      lateEffect: fit !== null && fit.kind === 'effect' ? fit.factor : 1,
      rootHops: fit?.hops ?? null,
      nearerRoot: 1,
      unseenPath,
      confined,
      bulkSide,
      bulkSideFrom: bulkFrom !== null && this.graph ? this.graph.idOf(bulkFrom) : null,
      staleItem: 1,
      staleItemMs: null,
      freshItem: null,
      freshAgoMs: null,
      roleShare: role.share,
      rolePlaced: role.placed,
      roleFactor: role.factor,
      roleItem: role.item !== null && this.graph ? this.graph.idOf(role.item) : null,
      roleRule: role.rule,
      learnedWith,
    };
  }

  /**
   * See EngineConfig.rootFit. Of the incident's alerting roots, the one that explains the alert
   * best: one it is an effect of, else one it would be the cause of (the earliest such, the
   * strictest lag), else the earliest root.
   */
  private rootFit(
    a: AlertState,
    inc: IncidentState,
    t: number,
  ): RootFit | null {
    if (this.reach === null || inc.roots.size === 0 || a.items.length === 0) return null;
    const cfg = this.config.rootFit;
    let cause: { root: number; onset: number } | null = null;
    let apart: { root: number; onset: number } | null = null;
    for (const [root, onset] of inc.roots) {
      for (const i of a.items) {
        const h = this.reach.hopsUp(i).get(root);
        if (h !== undefined) {
          // Later than the cascade needs to come this far: plausible alone, weaker than a rival that is on time.
          const excess = t - onset - cfg.effectGraceMs - h * cfg.hopMs;
          const late = excess <= 0 ? 1 : 1 / (1 + excess / cfg.causeScaleMs);
          const unseen = h >= 2 && cfg.unseenPathFactor < 1 && !this.seenBetween(inc, i, h) ? cfg.unseenPathFactor : 1;
          return { kind: 'effect', root, lagMs: t - onset, factor: late, silentParent: false, silentParentLate: false, hops: h, unseen };
        }
        if (this.reach.ancestors(root).has(i)) {
          if (cause === null || onset < cause.onset) cause = { root, onset };
        } else if ((apart === null || onset < apart.onset) && this.graph!.hasCausalRelations(i) && this.graph!.hasCausalRelations(root)) apart = { root, onset };
      }
    }
    if (cause !== null) {
      const lagMs = t - cause.onset;
      const excess = lagMs - cfg.causeGraceMs;
      return { kind: 'cause', root: cause.root, lagMs, factor: excess <= 0 ? 1 : 1 / (1 + excess / cfg.causeScaleMs), silentParent: false, silentParentLate: false, hops: null, unseen: 1 };
    }
    if (apart === null) return null;
    const silentParent = a.items.some((i) => this.reach!.parents(i).some((p) => this.reach!.parents(apart.root).includes(p)));
    // A silent common parent reaches both of its children within about the same time; an alert
    // this much later than the root's first is a second fault beside it (EngineConfig.rootFit).
    const lagMs = t - apart.onset;
    const silentParentLate = silentParent && lagMs > cfg.silentParentWithinMs;
    return { kind: 'apart', root: apart.root, lagMs, factor: cfg.apartFactor, silentParent, silentParentLate, hops: null, unseen: 1 };
  }

  /**
   * Whether `inc` has an alerting item on `item` or among its causal ancestors fewer than
   * `rootHops` hops up (between it and the root the fault would have come through). Walks the
   * smaller of the two sets.
   */
  private seenBetween(inc: IncidentState, item: number, rootHops: number): boolean {
    const up = this.reach!.hopsUp(item);
    if (inc.itemOnsets.size < up.size) {
      for (const u of inc.itemOnsets.keys()) {
        const h = up.get(u);
        if (h !== undefined && h < rootHops) return true;
      }
      return false;
    }
    for (const [u, h] of up) if (h < rootHops && inc.itemOnsets.has(u)) return true;
    return false;
  }

  /**
   * See EngineConfig.roles: whether `a`, of a type that usually fires on the broken item, would
   * be a second such item in `inc` (the earliest other one is named; not when it and every such
   * item are directly below the incident's root: rule `beside-root`, factor 1); or, while `inc` has no
   * root-like alert yet, would land `belowRootHops` or more causal hops below its root (named),
   * or directly below it later than the cascade needs (`lateOneHopBelow`), or on the item it started
   * on below a root that joined later as a cause (`displacedRoot`, the root named);
   * or, where the topology has no causal direction, would land away from the item `inc` started
   * on, `startedElsewhereAfterMs` or more after its first alert (that item is named).
   */
  private secondRoot(a: AlertState, inc: IncidentState, hit: TopoHit | null, t: number, learned: number, fit: RootFit | null): RoleVerdict {
    const cfg = this.config.roles;
    if (!cfg.enabled || a.items.length === 0) return NO_ROLE;
    const { share, placed } = this.typeRole(a.type);
    if (share === null || share < cfg.minRootShare) {
      // Not root-like itself (unknown or a symptom type), on an item the incident's root needs,
      // while that root already reports itself broken: the incident has its broken thing, and an
      // alert that does not name one cannot take its place as the root. A second fault there.
      const broken = cfg.causeOfBrokenRoot && fit !== null && fit.kind === 'cause' && inc.rootTyped.has(fit.root) && learned < cfg.vouchedAt;
      return broken ? { share, placed, factor: cfg.factor, item: fit.root, rule: 'broken-root' } : { share, placed, factor: 1, item: null, rule: null };
    }
    // Without causal direction the item the incident started on stands for its root (there an
    // incident's possible roots stay its first member's own items, which lessonOf learns roles
    // from). Learned co-occurrence does not vouch here: in such graphs it is learned from the
    // very incidents that took in a second fault's alerts.
    const after = cfg.startedElsewhereAfterMs;
    if (after !== null && hit !== null && hit.implicit === undefined && t - inc.firstOnsetMs >= after && !this.graph!.hasCausalRelations(a.items[0]!)) {
      const start = firstItem(inc);
      if (start !== null && !a.items.includes(start) && !this.graph!.hasCausalRelations(start)) return { share, placed, factor: cfg.factor, item: start, rule: 'started-elsewhere' };
    }
    // Learned co-occurrence with the incident's types vouches for the pair: a type that is
    // usually a root can still be a known symptom of this kind of fault.
    if (learned >= cfg.vouchedAt) return { share, placed, factor: 1, item: null, rule: null };
    if (inc.rootTyped.size === 0) {
      // Nothing root-like in the incident to compare with, but its root is known: a fault reaches
      // items far below it with symptoms, not with alerts that usually name the broken thing. (One
      // hop below, a database or VM on a failing host often reports itself down: not judged.)
      // On the item the incident started on, below a root that joined after it as a cause and has
      // shown nothing root-like: that item reports itself broken, so the cause that took the root
      // over was a second fault (the role of the first alert there was not known when it came).
      if (cfg.displacedRoot && fit !== null && fit.kind === 'effect') {
        const start = firstItem(inc);
        if (start !== null && start !== fit.root && a.items.includes(start)) return { share, placed, factor: cfg.factor, item: fit.root, rule: 'displaced-root' };
      }
      const below = cfg.belowRootHops > 0 && fit !== null && fit.kind === 'effect' && fit.hops !== null && fit.hops >= cfg.belowRootHops;
      if (below) return { share, placed, factor: cfg.factor, item: fit.root, rule: 'below-root' };
      // One hop below, only when it comes later than the cascade needs (fit.factor < 1): what
      // runs on a failing host reports itself down within the cascade time, a second fault later.
      const lateOneHop = cfg.lateOneHopBelow && fit !== null && fit.kind === 'effect' && fit.hops === 1 && fit.factor < 1;
      return lateOneHop ? { share, placed, factor: cfg.factor, item: fit.root, rule: 'late-below-root' } : { share, placed, factor: 1, item: null, rule: null };
    }
    let other: number | null = null;
    let otherOnset = Number.POSITIVE_INFINITY;
    // Directly below the incident's alerting root, beside root-like alerts that are all directly
    // below it too: the databases or VMs of one failing host each report themselves down.
    let beside = cfg.besideRoot && fit !== null && fit.kind === 'effect' && fit.hops === 1;
    for (const [i, onset] of inc.rootTyped) {
      if (a.items.includes(i)) return { share, placed, factor: 1, item: null, rule: null };
      if (beside && this.reach!.hopsUp(i).get(fit!.root) !== 1) beside = false;
      if (onset < otherOnset) {
        other = i;
        otherOnset = onset;
      }
    }
    if (beside) return { share, placed, factor: 1, item: other, rule: 'beside-root' };
    return { share, placed, factor: cfg.factor, item: other, rule: 'second-root' };
  }

  /**
   * See EngineConfig.bulkSide: the item `inc` started on, when `a` (found through a topology
   * hit, `afterMs` or more after the incident's first alert) lies on the bulk side of it and
   * nothing of the incident does yet, none of these items having causal relations; else null.
   * Walks the incident's items only for an alert on the bulk side.
   */
  private bulkSideFrom(a: AlertState, inc: IncidentState, hit: TopoHit | null, t: number): number | null {
    const cfg = this.config.bulkSide;
    const graph = this.graph;
    if (cfg.afterMs === null || cfg.factor >= 1 || graph === null || hit === null || hit.implicit !== undefined || a.items.length === 0) return null;
    if (t - inc.firstOnsetMs < cfg.afterMs) return null;
    const start = firstItem(inc);
    if (start === null || graph.hasCausalRelations(start)) return null;
    for (const i of a.items) if (graph.hasCausalRelations(i) || !graph.onBulkSide(start, i)) return null;
    for (const u of inc.itemOnsets.keys()) if (u !== start && graph.onBulkSide(start, u)) return null;
    return start;
  }

  /** Whether `a`'s type is root-like now (EngineConfig.roles). */
  private isRootTyped(a: AlertState): boolean {
    const cfg = this.config.roles;
    return cfg.enabled && a.items.length > 0 && (this.typeRole(a.type).share ?? 0) >= cfg.minRootShare;
  }

  /**
   * The root share of a type: learned from confirmed incidents (AlertRoleModel), else, with
   * EngineConfig.roles.placedMinSeen, from where the engine placed its alerts so far
   * (PlacementRoles, then also returned as `placed`); share null when neither knows it yet.
   */
  private typeRole(type: string): { share: number | null; placed: PlacedRole | null } {
    const learned = this.roles.role(type);
    if (learned !== null) return { share: learned.rootShare, placed: null };
    const min = this.config.roles.placedMinSeen;
    const placed = min === null ? null : this.placements.role(type, min);
    return { share: placed?.rootShare ?? null, placed };
  }

  /** Counts `a`, a new member of `inc`, as placed on the incident's first member's items or elsewhere. */
  private observePlacement(inc: IncidentState, a: AlertState): void {
    const cfg = this.config.roles;
    if (!cfg.enabled || cfg.placedMinSeen === null || a.items.length === 0) return;
    // The first member held: the first one, unless the cap has dropped it since.
    const first = inc.members.values().next().value?.alert ?? a;
    this.placements.observe(a.type, first === a || a.items.some((i) => first.items.includes(i)));
  }

  // ---------------------------------------------------------------------------------------
  // Incident bookkeeping

  private newIncident(key: string, t: number): IncidentState {
    const inc: IncidentState = {
      key,
      status: 'open',
      firstOnsetMs: t,
      lastOnsetMs: t,
      resolvedAtMs: null,
      mergedInto: null,
      members: new Map(),
      dropped: 0,
      firing: 0,
      flapping: 0,
      items: new Map(),
      rootCandidates: null,
      roots: new Map(),
      itemOnsets: new Map(),
      rootTyped: new Map(),
      types: new Map(),
      exemplars: [],
      indexed: false,
      indexPairs: new Set(),
      names: new Map(),
      resolveVersion: 0,
      split: 0,
      splitOff: false,
      candidateStamp: -1,
      candidateSlot: -1,
    };
    this.incidents.set(key, inc);
    return inc;
  }

  /** The link's reason and score go out with its decision only: kept per member they were a third of the engine's heap. */
  private link(inc: IncidentState, a: AlertState, t: number): void {
    const rejoin = inc.members.has(a.fingerprint);
    inc.members.set(a.fingerprint, { alert: a, onsetMs: rejoin ? inc.members.get(a.fingerprint)!.onsetMs : t });
    a.incident = inc;
    inc.firing++;
    inc.resolveVersion++;
    if (inc.members.size === 1 && inc.dropped === 0) inc.firstOnsetMs = t;
    if (t > inc.lastOnsetMs) inc.lastOnsetMs = t;
    if (!rejoin) {
      this.addAggregates(inc, a, t);
      this.observePlacement(inc, a);
    }
    this.attachFlap(a);
    if (!inc.indexed) this.index(inc);
    else {
      for (const i of a.items) addTo(this.byItem, i, inc);
      addRecent(this.byName, a.name, inc, this.config.indexFanout);
      for (const p of this.indexPairsOf(a)) {
        inc.indexPairs.add(p);
        addRecent(this.byPair, p, inc, this.config.indexFanout);
      }
    }
    this.scheduleUnindex(inc);
  }

  /** Narrows the incident's possible roots to those that also explain `a`; true if they changed. */
  private narrowRoots(inc: IncidentState, a: AlertState): boolean {
    if (!this.reach || a.items.length === 0) return false;
    const possible = new Set<number>();
    for (const i of a.items) for (const u of this.reach.ancestors(i)) possible.add(u);
    if (inc.rootCandidates === null) {
      inc.rootCandidates = possible;
      return true;
    }
    const common = new Set<number>();
    for (const u of inc.rootCandidates) if (possible.has(u)) common.add(u);
    if (common.size === 0 || common.size === inc.rootCandidates.size) return false;
    inc.rootCandidates = common;
    return true;
  }

  /** Keeps `roots` (alerting possible roots) in step after `a` joined and the onsets were updated. */
  private updateRoots(inc: IncidentState, a: AlertState, narrowed: boolean): void {
    const cands = inc.rootCandidates;
    if (cands === null) return;
    if (narrowed) {
      inc.roots = new Map();
      for (const [i, onset] of inc.itemOnsets) if (cands.has(i)) inc.roots.set(i, onset);
      return;
    }
    for (const i of a.items) if (cands.has(i)) inc.roots.set(i, inc.itemOnsets.get(i)!);
  }

  private addAggregates(inc: IncidentState, a: AlertState, onsetMs: number): void {
    const narrowed = this.narrowRoots(inc, a);
    for (const i of a.items) {
      inc.items.set(i, (inc.items.get(i) ?? 0) + 1);
      const seen = inc.itemOnsets.get(i);
      if (seen === undefined || onsetMs < seen) inc.itemOnsets.set(i, onsetMs);
    }
    this.updateRoots(inc, a, narrowed);
    if (this.isRootTyped(a)) for (const i of a.items) if (!(inc.rootTyped.get(i)! <= onsetMs)) inc.rootTyped.set(i, onsetMs);
    inc.types.set(a.type, (inc.types.get(a.type) ?? 0) + 1);
    inc.names.set(a.name, (inc.names.get(a.name) ?? 0) + 1);
    const ex: Exemplar = { name: a.name, pairs: a.pairs, tokens: a.tokens };
    const k = this.config.exemplars;
    const n = inc.members.size;
    if (inc.exemplars.length < k) inc.exemplars.push(ex);
    else if (k > 1) inc.exemplars[1 + ((n - 1) % (k - 1))] = ex;
  }

  /** Recomputes an incident's aggregates from its members (after a merge or split). */
  private rebuild(inc: IncidentState): void {
    inc.items = new Map();
    inc.rootCandidates = null;
    inc.roots = new Map();
    inc.itemOnsets = new Map();
    inc.rootTyped = new Map();
    inc.types = new Map();
    inc.names = new Map();
    inc.exemplars = [];
    inc.indexPairs = new Set();
    inc.firing = 0;
    inc.flapping = 0;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    const ordered = [...inc.members.values()].sort((x, y) => x.onsetMs - y.onsetMs || (x.alert.fingerprint < y.alert.fingerprint ? -1 : 1));
    inc.members = new Map(ordered.map((m) => [m.alert.fingerprint, m]));
    let n = 0;
    for (const m of ordered) {
      n++;
      const narrowed = this.narrowRoots(inc, m.alert);
      first = Math.min(first, m.onsetMs);
      last = Math.max(last, m.onsetMs);
      for (const i of m.alert.items) {
        inc.items.set(i, (inc.items.get(i) ?? 0) + 1);
        const seen = inc.itemOnsets.get(i);
        if (seen === undefined || m.onsetMs < seen) inc.itemOnsets.set(i, m.onsetMs);
      }
      this.updateRoots(inc, m.alert, narrowed);
      if (this.isRootTyped(m.alert)) for (const i of m.alert.items) if (!(inc.rootTyped.get(i)! <= m.onsetMs)) inc.rootTyped.set(i, m.onsetMs);
      inc.types.set(m.alert.type, (inc.types.get(m.alert.type) ?? 0) + 1);
      inc.names.set(m.alert.name, (inc.names.get(m.alert.name) ?? 0) + 1);
      const k = this.config.exemplars;
      const ex = { name: m.alert.name, pairs: m.alert.pairs, tokens: m.alert.tokens };
      if (inc.exemplars.length < k) inc.exemplars.push(ex);
      else if (k > 1) inc.exemplars[1 + ((n - 1) % (k - 1))] = ex;
      if (m.alert.incident === inc && m.alert.firing && m.alert.suppressed === null) inc.firing++;
      if (this.flapIn.get(m.alert) === inc) inc.flapping++;
    }
    // Members dropped from memory still count: they were earlier than any held (or as late).
    inc.firstOnsetMs = inc.dropped > 0 ? Math.min(first, inc.firstOnsetMs) : first;
    inc.lastOnsetMs = inc.dropped > 0 ? Math.max(last, inc.lastOnsetMs) : last;
  }

  private afterOperatorChange(inc: IncidentState): void {
    inc.resolveVersion++;
    if (inc.status === 'open') {
      if (this.clockMs - inc.lastOnsetMs <= this.config.maxGapMs) {
        this.index(inc);
        this.scheduleUnindex(inc);
      }
      this.maybeScheduleResolve(inc, this.clockMs);
    }
  }

  private indexPairsOf(a: AlertState): string[] {
    const out: string[] = [];
    for (const k of this.config.indexLabels) {
      const v = a.labels[k];
      if (v !== undefined) out.push(`${k}=${v}`);
    }
    return out;
  }

  private index(inc: IncidentState): void {
    if (inc.indexed) return;
    inc.indexed = true;
    for (const i of inc.items.keys()) addTo(this.byItem, i, inc);
    for (const n of inc.names.keys()) addRecent(this.byName, n, inc, this.config.indexFanout);
    for (const m of inc.members.values()) for (const p of this.indexPairsOf(m.alert)) inc.indexPairs.add(p);
    for (const p of inc.indexPairs) addRecent(this.byPair, p, inc, this.config.indexFanout);
  }

  private unindex(inc: IncidentState): void {
    if (!inc.indexed) return;
    inc.indexed = false;
    for (const i of inc.items.keys()) removeFrom(this.byItem, i, inc);
    for (const n of inc.names.keys()) removeFrom(this.byName, n, inc);
    for (const p of inc.indexPairs) removeFrom(this.byPair, p, inc);
  }

  private scheduleUnindex(inc: IncidentState): void {
    if (this.unindexPending.has(inc)) return;
    this.unindexPending.add(inc);
    this.schedule('unindex', inc.lastOnsetMs + this.config.maxGapMs + 1, { incident: inc }, 0);
  }

  private maybeScheduleResolve(inc: IncidentState, t: number): void {
    if (inc.status !== 'open' || inc.firing > 0 || inc.flapping > 0) return;
    inc.resolveVersion++;
    this.schedule('resolve', t + this.config.holdMs, { incident: inc }, inc.resolveVersion);
  }

  /** Only for a flapping member coming back; the incident is not indexed for new alerts again. */
  private reopen(inc: IncidentState): void {
    inc.status = 'open';
    inc.resolvedAtMs = null;
  }

  private resolveIncident(inc: IncidentState, at: number): void {
    inc.status = 'resolved';
    inc.resolvedAtMs = at;
    this.unindex(inc);
    // A resolved incident is taken as a confirmed grouping of its alert types (operators' splits
    // and merges teach the model through feedback).
    if (!this.learned.has(inc.key)) {
      const lesson = this.lessonOf(inc, at);
      this.learn(lesson);
      this.onLesson?.(lesson);
    }
    this.retire(inc, at + this.config.incidentRetentionMs);
    this.onIncidentResolved?.(this.view(inc));
  }

  /**
   * Teaches the learned models one confirmed incident: live when it resolves, or a stored
   * lesson when an engine is rebuilt (before replaying recent events).
   */
  learn(lesson: Lesson): void {
    if (this.config.learning.enabled) this.model.observeIncident(lesson.types);
    if (this.config.roles.enabled && lesson.onRoot.length + lesson.elsewhere.length > 0) this.roles.observeIncident(lesson.onRoot, lesson.elsewhere);
  }

  /** Which of a confirmed incident's types fired on its roots, and which elsewhere. */
  private lessonOf(inc: IncidentState, at: number): Lesson {
    const onRoot: string[] = [];
    const elsewhere: string[] = [];
    if (inc.roots.size > 0) {
      for (const m of inc.members.values()) {
        const items = m.alert.items;
        if (items.length === 0) continue;
        if (items.some((i) => inc.roots.has(i))) onRoot.push(m.alert.type);
        else elsewhere.push(m.alert.type);
      }
    }
    return { key: inc.key, atMs: at, types: [...inc.types.keys()], onRoot: [...new Set(onRoot)], elsewhere: [...new Set(elsewhere)] };
  }

  // ---------------------------------------------------------------------------------------
  // Alert bookkeeping

  private newAlert(ev: AlertEvent): AlertState {
    const matched = this.matcher ? this.matcher.match(ev.labels) : NONE;
    const itemIds = matched.length === 0 ? NONE : matched;
    let items: readonly number[] = NONE;
    if (this.graph && itemIds.length > 0) {
      const found: number[] = [];
      for (const id of itemIds) {
        const i = this.graph.indexOf(id);
        if (i !== undefined) found.push(i);
      }
      if (found.length > 0) items = found;
    }
    const first = items[0];
    const kind = first !== undefined && this.graph ? this.graph.item(this.graph.idOf(first))!.kind : null;
    return {
      fingerprint: ev.fingerprint,
      name: ev.name,
      type: kind ? `${ev.name}@${kind}` : ev.name,
      labels: ev.labels,
      items,
      itemIds,
      component: first !== undefined && this.graph ? this.graph.componentOfIndex(first) : null,
      pairs: labelPairs(ev.labels, this.volatile),
      tokens: textTokens(ev.name, ev.annotations.summary ?? ev.annotations.description),
      firing: false,
      recent: [],
      incident: null,
      suppressed: null,
      changes: [],
      flapping: false,
      lastChangeMs: Number.NEGATIVE_INFINITY,
      lastEventMs: Number.NEGATIVE_INFINITY,
    };
  }

  private markResolved(a: AlertState, t: number): void {
    a.firing = false;
    this.inhibition.remove(a.fingerprint);
    this.stateChange(a, t);
    const inc = a.incident;
    if (a.suppressed === null && inc !== null && inc.status === 'open') {
      inc.firing--;
      this.maybeScheduleResolve(inc, t);
    }
  }

  /** Flapping with hysteresis: N changes within the window mark it; a quiet period unmarks it. */
  private stateChange(a: AlertState, t: number): void {
    const f = this.config.flapping;
    if (a.changes.length === 0) a.changes = [t];
    else a.changes.push(t);
    if (a.changes.length > f.changes) a.changes.shift();
    a.lastChangeMs = t;
    if (!a.flapping && a.changes.length >= f.changes && t - a.changes[0]! <= f.windowMs) {
      a.flapping = true;
      this.attachFlap(a);
    }
    if (a.flapping) this.schedule('unflap', t + f.quietMs, { alert: a }, t);
  }

  /** Counts a flapping alert against its open incident, so the incident waits for it. */
  private attachFlap(a: AlertState): void {
    if (!a.flapping) return;
    const inc = a.incident;
    const counted = this.flapIn.get(a);
    if (counted === inc || inc === null || inc.status !== 'open') return;
    if (counted) {
      counted.flapping--;
      this.maybeScheduleResolve(counted, this.clockMs);
    }
    this.flapIn.set(a, inc);
    inc.flapping++;
    inc.resolveVersion++;
  }

  private keyOf(a: AlertState): string | null {
    return a.suppressed ? null : (a.incident?.key ?? null);
  }

  /**
   * Drops old alert states, a few per event: resolved ones past retention (unless their
   * incident is still open or they still flap: those go to the back of the line), firing ones
   * silent past `staleAfterMs` (treated as resolved), and any beyond the hard cap.
   */
  private sweep(t: number, current: AlertState): void {
    const cfg = this.config;
    for (let step = 0; step < SWEEP_STEPS || this.alerts.size > cfg.maxAlerts; step++) {
      const head = this.sweepPeek();
      if (head === undefined || head === current) return;
      const overCap = this.alerts.size > cfg.maxAlerts;
      if (head.firing) {
        if (!overCap && t - head.lastEventMs < cfg.staleAfterMs) return;
        this.markResolved(head, t);
      } else if (!overCap) {
        if (t - head.lastEventMs < cfg.alertRetentionMs) return;
        if (head.flapping || (head.incident !== null && head.incident.status === 'open')) {
          this.sweepHead = undefined;
          this.alerts.delete(head.fingerprint);
          head.lastEventMs = t;
          this.alerts.set(head.fingerprint, head);
          continue;
        }
      }
      const counted = this.flapIn.get(head);
      if (counted) {
        counted.flapping--;
        this.flapIn.delete(head);
        this.maybeScheduleResolve(counted, t);
      }
      if (overCap) this.alertsCapped++;
      this.sweepHead = undefined;
      this.alerts.delete(head.fingerprint);
      this.release(head);
    }
  }

  /**
   * A dropped alert state leaves its incident's members as well, so that `maxAlerts` bounds all
   * the alert state the engine holds: incidents used to keep every member they ever had until
   * they were evicted (ADR 0003, addendum on bounded memory). The incident's aggregates (items,
   * types, names, roots) keep what the member brought.
   */
  private release(a: AlertState): void {
    const inc = a.incident;
    if (inc === null || inc.members.get(a.fingerprint)?.alert !== a) return;
    inc.members.delete(a.fingerprint);
    inc.dropped++;
  }

  /** The least recently seen alert, read through the kept cursor (`sweepCursor`). */
  private sweepPeek(): AlertState | undefined {
    if (this.sweepHead !== undefined) return this.sweepHead;
    this.sweepCursor ??= this.alerts.values();
    const next = this.sweepCursor.next();
    // A finished iterator stays finished: alerts added later need a new one.
    if (next.done === true) {
      this.sweepCursor = null;
      return undefined;
    }
    this.sweepHead = next.value;
    return next.value;
  }

  // ---------------------------------------------------------------------------------------
  // Timers

  /**
   * A resolved or merged incident is kept until `evictAt` for operators' merges and splits, and
   * queued in retirement order: past `maxIncidents` the earliest retired go first. The timer
   * names the incident by key, so that one dropped by the cap is not held until its time.
   */
  private retire(inc: IncidentState, evictAt: number): void {
    const status = inc.status as 'resolved' | 'merged';
    const version = status === 'resolved' ? inc.resolvedAtMs : null;
    this.timers.push({ at: evictAt, seq: this.timerSeq++, kind: 'evict-incident', key: inc.key, version: version ?? 0 });
    this.retired.push({ incident: inc, status, version });
    while (this.incidents.size > this.config.maxIncidents && this.retiredHead < this.retired.length) {
      const r = this.retired[this.retiredHead++]!;
      if (this.stillRetired(r)) {
        this.incidents.delete(r.incident.key);
        this.incidentsCapped++;
      }
    }
    this.dropStaleRetired();
  }

  /** Whether a retirement entry still describes its incident: held, and not reopened since. */
  private stillRetired(r: Retired): boolean {
    const inc = r.incident;
    return this.incidents.get(inc.key) === inc && inc.status === r.status && (r.status === 'merged' || inc.resolvedAtMs === r.version);
  }

  /** Forgets entries at the front of the retirement queue whose incidents left or reopened, and compacts it. */
  private dropStaleRetired(): void {
    while (this.retiredHead < this.retired.length && !this.stillRetired(this.retired[this.retiredHead]!)) this.retiredHead++;
    if (this.retiredHead > 1024 && this.retiredHead * 2 > this.retired.length) {
      this.retired = this.retired.slice(this.retiredHead);
      this.retiredHead = 0;
    }
  }

  private schedule(kind: Timer['kind'], at: number, target: { alert?: AlertState; incident?: IncidentState }, version: number): void {
    this.timers.push({ at, seq: this.timerSeq++, kind, version, ...target });
  }

  private runTimers(t: number): void {
    while (this.timers.size > 0 && this.timers.peek()!.at <= t) {
      const timer = this.timers.pop()!;
      const inc = timer.incident;
      const a = timer.alert;
      switch (timer.kind) {
        case 'unindex':
          this.unindexPending.delete(inc!);
          if (!inc!.indexed) break;
          if (timer.at > inc!.lastOnsetMs + this.config.maxGapMs) this.unindex(inc!);
          else this.scheduleUnindex(inc!);
          break;
        case 'resolve':
          if (inc!.status === 'open' && inc!.resolveVersion === timer.version && inc!.firing === 0 && inc!.flapping === 0) {
            this.resolveIncident(inc!, timer.at);
          }
          break;
        case 'unflap':
          if (a!.flapping && a!.lastChangeMs === timer.version) {
            a!.flapping = false;
            a!.changes = [];
            const counted = this.flapIn.get(a!);
            if (counted) {
              this.flapIn.delete(a!);
              counted.flapping--;
              this.maybeScheduleResolve(counted, timer.at);
            }
          }
          break;
        case 'evict-incident': {
          // Gone already (the cap), or reopened: a reopened-and-resolved-again incident has a later timer of its own.
          const held = this.incidents.get(timer.key!);
          if (held === undefined || held.status === 'open' || (held.status === 'resolved' && held.resolvedAtMs !== timer.version)) break;
          this.incidents.delete(held.key);
          this.dropStaleRetired();
          break;
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Output

  private view(inc: IncidentState): IncidentView {
    const first = inc.members.values().next().value as MemberState | undefined;
    return {
      key: inc.key,
      status: inc.status,
      firstOnsetMs: inc.firstOnsetMs,
      lastOnsetMs: inc.lastOnsetMs,
      resolvedAtMs: inc.resolvedAtMs,
      mergedInto: inc.mergedInto,
      component: first?.alert.component ?? null,
      members: [...inc.members.values()].map((m) => ({
        fingerprint: m.alert.fingerprint,
        name: m.alert.name,
        type: m.alert.type,
        itemIds: m.alert.itemIds,
        onsetMs: m.onsetMs,
        firing: m.alert.incident === inc && m.alert.firing,
        flapping: m.alert.flapping,
      })),
    };
  }

  private mustGet(key: string): IncidentState {
    const inc = this.incidents.get(key);
    if (!inc) throw new Error(`unknown incident ${key}`);
    return inc;
  }

  private build(
    event: AlertEvent,
    seq: number,
    t: number,
    late: boolean,
    a: AlertState | null,
    action: DecisionAction,
    incidentKey: string | null,
    isNewIncident: boolean,
    score: ScoreBreakdown | null,
    reason: string,
    suppressedBy: SuppressionHit | null,
  ): Decision {
    return {
      seq,
      event,
      eventTimeMs: t,
      fingerprint: event.fingerprint,
      status: event.status,
      action,
      incidentKey,
      isNewIncident,
      score,
      reason,
      suppressedBy,
      flapping: a?.flapping ?? false,
      absorbed: NO_KEYS,
      late,
      itemIds: a?.itemIds ?? [],
      component: a?.component ?? null,
    };
  }
}

/** secondRoot's answer (EngineConfig.roles): the share (learned or placed), the factor, the item it is judged against, and which case. */
interface RoleVerdict {
  share: number | null;
  /** When `share` comes from the engine's placements (no confirmed role yet): those counts. */
  placed: PlacedRole | null;
  factor: number;
  item: number | null;
  /** Which case applied (ScoreBreakdown.roleRule); null when none did. */
  rule: RoleRule | null;
}

interface RootFit {
  kind: 'effect' | 'cause' | 'apart';
  root: number;
  lagMs: number;
  factor: number;
  silentParent: boolean;
  /** For `apart` with a silent parent: later than rootFit.silentParentWithinMs after the root's first alert. */
  silentParentLate: boolean;
  /** For `effect`: causal hops from the alert's item up to the root. */
  hops: number | null;
  /** For `effect`: EngineConfig.rootFit.unseenPathFactor when nothing between it and the root alerts yet, else 1. */
  unseen: number;
}

/** A rival's fault reaching an alert's item now (EngineConfig.itemBurst): on that item or one it needs directly, this long ago. */
interface FreshEvidence {
  item: number;
  agoMs: number;
}

/** The earliest first onset in `inc` on any of `items` (ties by item index), or null when it has none of them. */
function itemOnset(inc: IncidentState, items: readonly number[]): { item: number; onset: number } | null {
  let out: { item: number; onset: number } | null = null;
  for (const i of items) {
    const onset = inc.itemOnsets.get(i);
    if (onset !== undefined && (out === null || onset < out.onset || (onset === out.onset && i < out.item))) out = { item: i, onset };
  }
  return out;
}

/** An incident a new alert joins with the one it links into (EngineConfig.pathJoin). */
interface PathJoin {
  inc: IncidentState;
  /** The items the earlier and the later incident started on, the alert's item between them, and their distance. */
  early: number;
  later: number;
  via: number;
  hops: number;
  startGapMs: number;
}

/** The item of an incident's first member with one (ties by item index), or null. */
function firstItem(inc: IncidentState): number | null {
  let best: number | null = null;
  let at = Number.POSITIVE_INFINITY;
  for (const [i, onset] of inc.itemOnsets) if (onset < at || (onset === at && i < best!)) {
    best = i;
    at = onset;
  }
  return best;
}

/** An incident an operator split, or a part split off one: engine-made merges leave it alone. */
function operatorSplit(inc: IncidentState): boolean {
  return inc.split > 0 || inc.splitOff;
}

/**
 * Whether a member of `inc` fires without flapping (its fault still going). Looks at members
 * only while some fire, stopping at the first steady one; called only on flapping re-fires.
 */
function firesSteadily(inc: IncidentState): boolean {
  if (inc.firing === 0) return false;
  for (const m of inc.members.values()) if (m.alert.incident === inc && m.alert.firing && !m.alert.flapping && m.alert.suppressed === null) return true;
  return false;
}

/** Open and with a new alert at or after `minLast` (within maxGapMs). */
function eligible(inc: IncidentState, minLast: number): boolean {
  return inc.status === 'open' && inc.lastOnsetMs >= minLast;
}

/** Files `inc` as candidate `n` (reusing the entry there), stamped so later index hits find its slot. */
function putCandidate(found: Candidate[], n: number, inc: IncidentState, stamp: number, hit: TopoHit | null): number {
  inc.candidateStamp = stamp;
  inc.candidateSlot = n;
  const c = found[n];
  if (c === undefined) found.push({ inc, hit, bound: 0, deferred: false });
  else {
    c.inc = inc;
    c.hit = hit;
  }
  return n + 1;
}

/** Whether every one of the first `n` candidates has a topology hit of positive strength. */
function allStrong(found: Candidate[], n: number): boolean {
  for (let i = 0; i < n; i++) if (!(found[i]!.hit !== null && found[i]!.hit!.affinity > 0)) return false;
  return true;
}

/** The cap's order: strongest topology hit, then most recently active, then key. */
function strongerCandidate(x: Candidate, y: Candidate): number {
  return (y.hit?.affinity ?? 0) - (x.hit?.affinity ?? 0) || y.inc!.lastOnsetMs - x.inc!.lastOnsetMs || (x.inc!.key < y.inc!.key ? -1 : 1);
}

function addTo<K>(map: Map<K, Set<IncidentState>>, key: K, inc: IncidentState): void {
  const set = map.get(key);
  if (set) set.add(inc);
  else map.set(key, new Set([inc]));
}

/**
 * Files an incident under a name or label pair, most recently active last, keeping at most
 * `cap` per key: in a storm of many faults sharing alert names, only the latest incidents of a
 * name are worth scoring (time proximity decays), and the per-event cost stays bounded.
 */
function addRecent<K>(map: Map<K, Set<IncidentState>>, key: K, inc: IncidentState, cap: number): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  else if (set.has(inc)) set.delete(inc);
  set.add(inc);
  if (set.size > cap) set.delete(set.values().next().value as IncidentState);
}

function removeFrom<K>(map: Map<K, Set<IncidentState>>, key: K, inc: IncidentState): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(inc);
  if (set.size === 0) map.delete(key);
}

/**
 * Whether a candidate scoring `total` beats the best so far: a higher score, or on a tie the
 * earlier incident (then the smaller key), so the choice never depends on scoring order.
 */
function outranks(total: number, inc: IncidentState, bestTotal: number | null, best: IncidentState | null): boolean {
  if (bestTotal === null || best === null) return true;
  if (total !== bestTotal) return total > bestTotal;
  return inc.firstOnsetMs < best.firstOnsetMs || (inc.firstOnsetMs === best.firstOnsetMs && inc.key < best.key);
}
