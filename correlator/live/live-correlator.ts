/**
 * The correlation engine behind live incidents (ADR 0005). One instance per leading correlator
 * process; every batch, tick and reload runs one at a time (the engine is single-threaded
 * state, and its decisions must reach the store in the order they were made).
 *
 * A batch: each event is recorded (the store's dedup says whether it is new), new ones go
 * through the engine in event-time order, and every decision is written in the same
 * transaction: the decision on the event row, the alert's suppression and flapping marks, the
 * incident opened or the member linked or changed, root-cause candidates, and one stream
 * message per touched incident. Incidents resolve when the engine says so (its hold time), on
 * an event or on a tick once the stream has been quiet for `quietMs` of wall time, so a
 * full-speed replay resolves nothing early and gives the incidents live gave.
 *
 * Deciding and writing are pipelined: a group of batches is read and decided in memory (alert
 * state included, alert-state.ts), then written in one transaction (decided-write.ts) while the
 * next groups are read and decided. Groups decided while a transaction is in flight go together
 * in the next one (mergeDecided), so under load transactions grow rather than queue, and the
 * engine never waits for the store unless it is a full group ahead. Transactions commit one at a
 * time in decision order; a group's outcome (its stream messages) is handed back only after its
 * commit. Alerts and events of decided groups that have not committed yet are kept in an
 * overlay, so the next group reads the alerts' state as the store will hold it.
 *
 * If a transaction fails, the engine has moved past what the store holds: the groups decided
 * meanwhile are refused too (their batches are retried by the queue), and the next call rebuilds
 * the engine from the store first (replaying recorded events in recorded order, each new
 * episode pinned to the incident it was recorded in), so retried batches are decided anew.
 */
import type { Kysely } from 'kysely';
import type { AlertEvent, AlertRecord } from '../../engine/alert/alert.ts';
import { AlertRepository } from '../../engine/alert/alert-repository.ts';
import type { StreamMessage } from '../../engine/bus/events.ts';
import type { DB } from '../../engine/db/tables.ts';
import { CommandRepository } from '../../engine/incident/command-repository.ts';
import { IncidentRepository, type MemberChange, type MemberState } from '../../engine/incident/incident-repository.ts';
import { StreamRepository } from '../../engine/stream/stream-repository.ts';
import type { IngestBatch } from '../../engine/queue/jobs.ts';
import { applyAlertEvent, dedupKeyOf } from '../../engine/alert/alert-state.ts';
import { type DecidedEvent, type DecidedWrite, endsMerge, mergeDecided, writeDecided } from './decided-write.ts';
import { ItemMatcher } from '../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../engine/topology/topology-graph.ts';
import { TopologyRepository } from '../../engine/topology/topology-repository.ts';
import { CoOccurrenceModel } from '../engine/co-occurrence-model.ts';
import type { EngineCapacity } from '../../engine/observability/engine-capacity.ts';
import { CorrelationEngine, type Lesson } from '../engine/correlation-engine.ts';
import { LESSONS_KEPT, LessonRepository } from './lesson-repository.ts';
import { appliedTerms } from '../engine/applied-terms.ts';
import type { Decision } from '../engine/decision.ts';
import type { EngineConfig } from '../engine/engine-config.ts';
import { NO_SUPPRESSION, type SuppressionRules } from '../engine/find-suppression.ts';
import type { IncidentView } from '../engine/incident-view.ts';
import { type CausalEdgeHint, rankRootCauses, type RecentChange } from '../engine/rank-root-causes.ts';
import { ChangeRepository } from '../../engine/change/change-repository.ts';
import { ProblemRepository } from '../../engine/problem/problem-repository.ts';
import { groupKeyOf } from '../group-key.ts';
import { incidentIdOf } from './incident-id.ts';

export interface LiveCorrelatorOptions {
  db: Kysely<DB>;
  /** Engine knobs (the lateness bound is always 0 live: decisions are made on arrival). */
  engine?: Partial<EngineConfig>;
  /** Current suppression rules; none when absent. */
  loadSuppression?: () => Promise<SuppressionRules>;
  /** Wall-clock quiet after which engine time follows the wall clock (resolves, unindexing). */
  quietMs?: number;
  now?: () => number;
}

export interface BatchOutcome {
  /** Stream messages to publish, in commit order. */
  messages: StreamMessage[];
  duplicates: number;
  duplicatesBySource: Record<string, number>;
  /** Decisions per action, for the metrics. */
  actions: Record<string, number>;
}

interface Recorded {
  previous: { status: AlertRecord['status']; severity: string } | undefined;
  alert: AlertRecord;
}

/** A decided group on its way to the store. */
interface Planned {
  write: DecidedWrite;
  /** The engine generation it was decided by; a failed write before it makes it void. */
  epoch: number;
  id: number;
  duplicates: number;
  duplicatesBySource: Record<string, number>;
  actions: Record<string, number>;
}

const REPLAY_PAGE = 5_000;
/** How long accepted problems' causal hints are reused before being read again. */
const HINTS_TTL_MS = 60_000;
/** How long before an incident's first alert a change still counts as a suspect. */
const CHANGE_WINDOW_MS = 2 * 3600_000;
/**
 * Batches decided together at most, and events decided together or written in one transaction
 * at most: under load every waiting batch joins the next group, and groups decided during a
 * write join the next transaction (group commit grows with the backlog), within these bounds.
 */
const MAX_GROUPED_BATCHES = 256;
const MAX_GROUPED_EVENTS = 5_000;
/** Longest stretch of deciding before pending I/O is let run. */
const DECIDE_SLICE_MS = 5;

export type { IngestBatch };

/** Learned affinities that also note operator feedback, so the correlator can store it. */
class RecordingModel extends CoOccurrenceModel {
  pending: Array<{ a: string; b: string; delta: number }> = [];
  replaying = false;
  override feedback(a: string, b: string, delta: number): void {
    super.feedback(a, b, delta);
    if (!this.replaying) this.pending.push({ a, b, delta });
  }
}

class Refused extends Error {
  constructor(readonly outcome: Extract<CommandOutcome, { ok: false }>) {
    super(outcome.refusal.detail);
  }
}

/** An operator's action on an incident (a row of incident_commands). */
export interface IncidentCommand {
  id: string;
  incidentId: string;
  kind: string;
  payload: Record<string, unknown>;
  actor: string;
}

/** A refused command: the HTTP status and words the requester gets back. */
export interface CommandRefusal {
  status: 400 | 404 | 409;
  code: string;
  title: string;
  detail: string;
}

export type CommandOutcome = { ok: true; incidentId: string; messages: StreamMessage[] } | { ok: false; refusal: CommandRefusal; messages: StreamMessage[] };

const ACTIVE = new Set(['open', 'acknowledged']);
export const COMMAND_KINDS = ['ack', 'assign', 'resolve', 'close', 'comment', 'severity', 'merge', 'split'] as const;

export class LiveCorrelator {
  private engine: CorrelationEngine | null = null;
  /** What the caps of engines this one replaced dropped (capacity()). */
  private readonly cappedBefore = { alerts: 0, incidents: 0 };
  private graph: TopologyGraph | null = null;
  private topologyVersion = -1;
  private chain: Promise<unknown> = Promise.resolve();
  private lastEventWallMs = Number.NEGATIVE_INFINITY;
  /** Incidents the current engine resolved and no write has taken yet (one array per engine). */
  private resolved: IncidentView[] = [];
  /** Lessons the current engine learned and no write has taken yet (one array per engine). */
  private lessons: Lesson[] = [];
  /** Lessons written since the table was last pruned. */
  private lessonsSincePrune = 0;
  /** Settles after the latest plan enqueued (never rejects): plans commit in the order they were enqueued. */
  private writing: Promise<unknown> = Promise.resolve();
  /** Decided plans no write has taken yet, in decision order, and the events they hold. */
  private readonly staged: Array<{ plan: Planned; resolve: (o: BatchOutcome) => void; reject: (err: unknown) => void }> = [];
  private stagedEvents = 0;
  /** The transaction in flight (never rejects); null when the writer is idle. */
  private inFlight: Promise<void> | null = null;
  private draining = false;
  /** Plans enqueued and not yet settled. */
  private writesInFlight = 0;
  /** Bumped when a write fails: groups decided before it are void. */
  private epoch = 0;
  private nextPlanId = 1;
  /** Alerts' state and recorded events of decided groups not committed yet, by the group that holds them. */
  private readonly pendingAlerts = new Map<string, { alert: AlertRecord; plan: number }>();
  private readonly pendingEvents = new Map<string, number>();
  private readonly engineConfig: Partial<EngineConfig>;
  private model: RecordingModel | null = null;
  /** Learned type→type edges of accepted problems, refreshed every HINTS_TTL_MS. */
  private causalHints: CausalEdgeHint[] = [];
  private hintsLoadedAt = Number.NEGATIVE_INFINITY;
  /** A change's `service` → the item it names (by id, name or `service` label). */
  private itemByChangeTarget = new Map<string, string>();
  private readonly waiting: Array<{ batch: IngestBatch; resolve: (o: BatchOutcome) => void; reject: (err: unknown) => void }> = [];
  private readonly now: () => number;
  private readonly quietMs: number;

  constructor(private readonly opts: LiveCorrelatorOptions) {
    this.engineConfig = { ...opts.engine, latenessMs: 0 };
    this.now = opts.now ?? Date.now;
    this.quietMs = opts.quietMs ?? 2_000;
  }

  /**
   * The engine's figures against its memory caps (null before the first build). What the caps
   * dropped counts across rebuilds, so it only grows while this process runs.
   */
  capacity(): EngineCapacity | null {
    if (this.engine === null) return null;
    const c = this.engine.capacity();
    return { ...c, alertsCapped: c.alertsCapped + this.cappedBefore.alerts, incidentsCapped: c.incidentsCapped + this.cappedBefore.incidents };
  }

  /** The topology version the engine was built with (-1 before the first build). */
  get builtTopologyVersion(): number {
    return this.topologyVersion;
  }

  /** Builds the engine from the store: topology, suppression rules, and recent history. */
  rebuild(): Promise<BatchOutcome> {
    return this.exclusive(async () => {
      await this.writesSettled();
      return this.rebuildNow();
    });
  }

  /**
   * Correlates one ingest batch. Batches that arrive while a group is being decided or written
   * are taken together in the next group (group commit); the combined outcome goes to the first
   * of them, the others get an empty one, so each message is published once. Resolves after
   * the batch's transaction committed.
   */
  processBatch(batch: IngestBatch): Promise<BatchOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ batch, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /**
   * Decides the waiting batches group by group, each as soon as the one before it is decided,
   * while earlier groups are written: the engine and the store work at the same time. Groups
   * decided during a write wait for the writer and go together in its next transaction (see
   * `pump`), so under load transactions grow instead of queueing. Deciding runs at most
   * MAX_GROUPED_EVENTS events ahead of the writer.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const taken = this.takeGroup();
        let written: Promise<BatchOutcome>;
        try {
          written = (
            await this.exclusive(async () => {
              const plan = await this.prepare(taken.map((t) => t.batch));
              return { written: this.enqueueWrite(plan) };
            })
          ).written;
        } catch (err) {
          for (const t of taken) t.reject(err);
          continue;
        }
        written.then(
          (outcome) => taken.forEach((t, i) => t.resolve(i === 0 ? outcome : emptyOutcome())),
          (err: unknown) => taken.forEach((t) => t.reject(err)),
        );
        while (this.stagedEvents >= MAX_GROUPED_EVENTS && this.inFlight) await this.inFlight;
      }
    } finally {
      this.draining = false;
    }
  }

  private takeGroup(): typeof this.waiting {
    let events = 0;
    let n = 0;
    while (n < this.waiting.length && n < MAX_GROUPED_BATCHES && (n === 0 || events + this.waiting[n]!.batch.events.length <= MAX_GROUPED_EVENTS)) {
      events += this.waiting[n]!.batch.events.length;
      n++;
    }
    return this.waiting.splice(0, n);
  }

  /**
   * Lets engine time follow the wall clock once no batch came for `quietMs`: pending resolves
   * and index expiries run. Returns what changed.
   */
  tick(): Promise<BatchOutcome> {
    return this.exclusive(async () => {
      // A busy stream is answered at once: waiting for its writes would stall the pipeline.
      if (this.engine !== null && this.now() - this.lastEventWallMs < this.quietMs) return emptyOutcome();
      await this.writesSettled();
      if (this.engine === null) await this.rebuildNow();
      const now = this.now();
      if (now - this.lastEventWallMs < this.quietMs) return emptyOutcome();
      const plan = await this.decided(() => this.plan(this.engine!.advanceTo(now), new Map()));
      return this.enqueueWrite(plan);
    });
  }

  /** New suppression rules take effect for the next events (no rebuild needed). */
  reloadSuppression(): Promise<void> {
    return this.exclusive(async () => {
      if (this.engine === null) return;
      this.engine.setSuppression(await this.suppressionRules());
    });
  }

  /** A new topology version: the engine is rebuilt with the new graph from recent history. */
  reloadTopologyIfChanged(): Promise<boolean> {
    return this.exclusive(async () => {
      const version = await new TopologyRepository(this.opts.db).version();
      if (version === this.topologyVersion) return false;
      await this.writesSettled();
      await this.rebuildNow();
      return true;
    });
  }

  /**
   * Runs an operator's action, serialized with correlation: checks the transition against the
   * incident's stored status, changes the store (with a timeline entry and stream messages) and
   * the engine's memory (a resolved incident takes no new alerts; merges and splits move members
   * and are remembered as feedback). Refusals change nothing.
   */
  command(cmd: IncidentCommand): Promise<CommandOutcome> {
    return this.exclusive(async () => {
      // Commands see, and write after, every decided group.
      await this.writesSettled();
      if (this.engine === null) await this.rebuildNow();
      try {
        // The effects and the command's outcome commit together: a redelivered job finds it done.
        return await this.opts.db.transaction().execute(async (trx) => {
          const row = await trx.selectFrom('incident_commands').select('status').where('id', '=', cmd.id).forUpdate().executeTakeFirst();
          if (row && row.status !== 'pending') return { ok: true as const, incidentId: cmd.incidentId, messages: [] };
          const out = await this.runCommand(trx, cmd);
          if (!out.ok) throw new Refused(out);
          if (row) await new CommandRepository(trx).finish(cmd.id, 'done', { incidentId: out.incidentId });
          return out;
        });
      } catch (err) {
        // The engine may have moved (merge, split) before the write failed or was refused.
        if (cmd.kind === 'merge' || cmd.kind === 'split' || !(err instanceof Refused)) this.forget();
        if (!(err instanceof Refused)) throw err;
        await new CommandRepository(this.opts.db).finish(cmd.id, 'failed', { ...err.outcome.refusal });
        return err.outcome;
      }
    });
  }

  private async runCommand(trx: Kysely<DB>, cmd: IncidentCommand): Promise<CommandOutcome> {
    const incidents = new IncidentRepository(trx);
    const stream = new StreamRepository(trx);
    const now = new Date(this.now()).toISOString();
    const refuse = (status: CommandRefusal['status'], code: string, title: string, detail: string): CommandOutcome => ({ ok: false, refusal: { status, code, title, detail }, messages: [] });
    const inc = await incidents.lockForWorkflow(cmd.incidentId);
    if (!inc) return refuse(404, 'not-found', 'Not found', `no incident ${cmd.incidentId}`);
    const illegal = (what: string) => refuse(409, 'illegal-transition', 'Illegal transition', `cannot ${what} an incident that is ${inc.status}${inc.mergedInto ? ` (merged into ${inc.mergedInto})` : ''}`);
    const p = cmd.payload;
    const touchedIds = new Set<string>([inc.id]);
    switch (cmd.kind) {
      case 'ack':
        if (inc.status !== 'open') return illegal('acknowledge');
        await incidents.acknowledge(inc.id, cmd.actor, now);
        await incidents.addTimeline(inc.id, cmd.actor, 'acknowledged');
        break;
      case 'assign': {
        if (inc.status === 'closed') return illegal('assign');
        const assignee = typeof p.assignee === 'string' && p.assignee.trim() !== '' ? p.assignee.trim() : null;
        await incidents.assign(inc.id, assignee, now);
        await incidents.addTimeline(inc.id, cmd.actor, assignee ? 'assigned' : 'unassigned', assignee ? { assignee } : {});
        break;
      }
      case 'resolve':
        if (!ACTIVE.has(inc.status)) return illegal('resolve');
        await incidents.resolveByOperator(inc.id, cmd.actor, now);
        if (inc.correlationKey && this.engine!.incident(inc.correlationKey)) this.engine!.close(inc.correlationKey, this.now());
        this.resolved = this.resolved.filter((v) => v.key !== inc.correlationKey);
        await incidents.addTimeline(inc.id, cmd.actor, 'resolved', typeof p.note === 'string' ? { note: p.note } : {});
        break;
      case 'close':
        if (inc.status !== 'resolved') return illegal('close');
        await incidents.close(inc.id, now);
        await incidents.addTimeline(inc.id, cmd.actor, 'closed');
        break;
      case 'comment':
        if (typeof p.text !== 'string' || p.text.trim() === '') return refuse(400, 'invalid-request', 'Invalid request', 'a comment needs text');
        await incidents.addTimeline(inc.id, cmd.actor, 'commented', { text: p.text });
        break;
      case 'severity':
        if (inc.status === 'closed') return illegal('change the severity of');
        if (typeof p.severity !== 'string') return refuse(400, 'invalid-request', 'Invalid request', 'severity is required');
        await incidents.overrideSeverity(inc.id, p.severity, now);
        await incidents.addTimeline(inc.id, cmd.actor, 'severity.changed', { severity: p.severity });
        break;
      case 'merge': {
        if (inc.status === 'closed') return illegal('merge into');
        const from = Array.isArray(p.from) ? p.from.filter((x): x is string => typeof x === 'string') : [];
        if (from.length === 0 || from.includes(inc.id)) return refuse(400, 'invalid-request', 'Invalid request', 'merge needs `from`: other incidents’ ids');
        for (const otherId of from) {
          const other = await incidents.lockForWorkflow(otherId);
          if (!other) return refuse(404, 'not-found', 'Not found', `no incident ${otherId}`);
          if (other.status === 'closed') return refuse(409, 'illegal-transition', 'Illegal transition', `cannot merge incident ${otherId}: it is closed`);
          const moved = await incidents.moveMembers(other.id, inc.id, null, `merged from incident ${other.id} by ${cmd.actor}`, now);
          if (inc.correlationKey && other.correlationKey && this.engine!.incident(inc.correlationKey) && this.engine!.incident(other.correlationKey)) {
            this.engine!.merge(inc.correlationKey, other.correlationKey);
          }
          if (inc.correlationKey) await new AlertRepository(trx).repinEvents(moved, inc.correlationKey, other.correlationKey);
          await incidents.close(other.id, now, inc.id);
          await incidents.recount(other.id, now);
          await incidents.addTimeline(other.id, cmd.actor, 'merged', { into: inc.id });
          await incidents.addTimeline(inc.id, cmd.actor, 'merged', { from: other.id, alerts: moved.length });
          touchedIds.add(other.id);
        }
        if (inc.status === 'resolved') await incidents.reopen(inc.id, now);
        await incidents.recount(inc.id, now);
        break;
      }
      case 'split': {
        if (!ACTIVE.has(inc.status) && inc.status !== 'resolved') return illegal('split');
        const fps = Array.isArray(p.fingerprints) ? [...new Set(p.fingerprints.filter((x): x is string => typeof x === 'string'))] : [];
        const members = new Set((await trx.selectFrom('incident_alerts').select('fingerprint').where('incident_id', '=', inc.id).execute()).map((r) => r.fingerprint));
        const unknown = fps.filter((f) => !members.has(f));
        if (fps.length === 0 || unknown.length > 0) return refuse(400, 'invalid-request', 'Invalid request', unknown.length > 0 ? `not members of ${inc.id}: ${unknown.slice(0, 5).join(', ')}` : 'split needs `fingerprints`: the members to move out');
        if (fps.length === members.size) return refuse(400, 'invalid-request', 'Invalid request', 'a split must leave at least one member behind');
        const key = inc.correlationKey;
        let newKey: string;
        // The engine may hold only some members (it drops alert state past its cap): it splits
        // the ones it holds when some stay behind; otherwise only the store splits.
        const held = key ? new Set(this.engine!.incident(key)?.members.map((m) => m.fingerprint)) : new Set<string>();
        const moving = fps.filter((f) => held.has(f));
        if (key && moving.length > 0 && moving.length < held.size) newKey = this.engine!.split(key, moving).key;
        else newKey = `${key ?? inc.id}~${cmd.id}`;
        const newId = incidentIdOf(newKey);
        const first = await trx.selectFrom('incidents').select(['title', 'group_key', 'severity', 'started_at', 'component']).where('id', '=', inc.id).executeTakeFirstOrThrow();
        await incidents.create({ id: newId, correlationKey: newKey, component: first.component, title: `${first.title} (split)`, groupKey: first.group_key, severity: first.severity, eventTime: first.started_at.toISOString(), now });
        await incidents.moveMembers(inc.id, newId, fps, `split from incident ${inc.id} by ${cmd.actor}`, now);
        await new AlertRepository(trx).repinEvents(fps, newKey, key);
        await incidents.recount(inc.id, now);
        await incidents.recount(newId, now);
        if (inc.status === 'resolved') await incidents.resolve(newId, now, now);
        await incidents.addTimeline(inc.id, cmd.actor, 'split', { into: newId, alerts: fps.length });
        await incidents.addTimeline(newId, cmd.actor, 'split', { from: inc.id, alerts: fps.length });
        touchedIds.add(newId);
        break;
      }
      default:
        return refuse(400, 'invalid-request', 'Invalid request', `unknown action ${cmd.kind}`);
    }
    await this.storeFeedback(trx, cmd.id);
    const messages: StreamMessage[] = [];
    for (const id of touchedIds) {
      const incident = await incidents.getSummary(id);
      if (incident) messages.push(await stream.append({ type: 'incident.updated', incident }));
    }
    return { ok: true, incidentId: inc.id, messages };
  }

  private async storeFeedback(trx: Kysely<DB>, commandId: string): Promise<void> {
    const pending = this.model?.pending.splice(0) ?? [];
    if (pending.length === 0) return;
    await trx
      .insertInto('correlation_feedback')
      .values(pending.map((f) => ({ type_a: f.a, type_b: f.b, weight: f.delta, command_id: commandId })))
      .execute();
  }

  /** The engine's learned models (for tests and diagnostics); null before the first build. */
  learnedModels(): Pick<CorrelationEngine, 'model' | 'roles'> | null {
    return this.engine;
  }

  /** Open incidents as the engine holds them (for tests and diagnostics). */
  openIncidents(): IncidentView[] {
    return this.engine?.openIncidents() ?? [];
  }

  // ---------------------------------------------------------------------------------------

  /** Replaces the engine, keeping what the old one's caps dropped in the running totals. */
  private setEngine(engine: CorrelationEngine | null): void {
    if (this.engine !== null && this.engine !== engine) {
      const c = this.engine.capacity();
      this.cappedBefore.alerts += c.alertsCapped;
      this.cappedBefore.incidents += c.incidentsCapped;
    }
    this.engine = engine;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The engine is ahead of the store (a failed write or decision): forget it, rebuild on the next call. */
  private forget(): void {
    this.setEngine(null);
    this.resolved = [];
    this.lessons = [];
    this.epoch++;
    this.pendingAlerts.clear();
    this.pendingEvents.clear();
  }

  /** Runs a decision step; if it fails midway the engine has moved without the store. */
  private async decided<T>(fn: () => Promise<T> | T): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.forget();
      throw err;
    }
  }

  /** Waits until every enqueued write has committed or failed. */
  private async writesSettled(): Promise<void> {
    await this.writing;
  }

  /**
   * Stages a decided plan for the writer; resolves with its outcome after the transaction that
   * took it committed (rejects if that failed, or if an earlier one failed before it was taken).
   */
  private enqueueWrite(plan: Planned): Promise<BatchOutcome> {
    this.writesInFlight++;
    const run = new Promise<BatchOutcome>((resolve, reject) => {
      this.staged.push({ plan, resolve, reject });
      this.stagedEvents += plan.write.alerts.events.length;
    }).finally(() => this.writesInFlight--);
    this.writing = run.catch(() => undefined);
    this.pump();
    return run;
  }

  /**
   * When the writer is idle, starts one transaction with the plans staged so far (in order, up
   * to MAX_GROUPED_EVENTS events unless one plan alone holds more; a plan with engine merges,
   * reopens or resolves ends it: see `endsMerge`). The first plan's outcome carries the
   * transaction's stream messages. Starts the next when it settles.
   */
  private pump(): void {
    if (this.inFlight || this.staged.length === 0) return;
    let n = 0;
    let events = 0;
    while (n < this.staged.length) {
      const w = this.staged[n]!.plan.write;
      if (n > 0 && events + w.alerts.events.length > MAX_GROUPED_EVENTS) break;
      events += w.alerts.events.length;
      n++;
      if (endsMerge(w)) break;
    }
    const taken = this.staged.splice(0, n);
    this.stagedEvents -= events;
    this.inFlight = this.write(taken).finally(() => {
      this.inFlight = null;
      this.pump();
    });
  }

  /** One transaction for the taken plans; settles each. Never rejects. */
  private async write(taken: typeof this.staged): Promise<void> {
    const live = taken.filter((t) => t.plan.epoch === this.epoch);
    for (const t of taken) if (t.plan.epoch !== this.epoch) t.reject(new Error('an earlier correlation write failed; this batch will be decided anew'));
    if (live.length === 0) return;
    const plans = live.map((t) => t.plan);
    let messages: StreamMessage[] = [];
    try {
      const write = mergeDecided(plans.map((p) => p.write));
      if (!isEmpty(write)) messages = await this.opts.db.transaction().execute((trx) => writeDecided(trx, write));
    } catch (err) {
      if (this.epoch === plans[0]!.epoch) this.forget();
      for (const t of live) t.reject(err);
      return;
    }
    // Committed: the store now holds what the overlay kept for these plans.
    const ids = new Set(plans.map((p) => p.id));
    for (const [fp, p] of this.pendingAlerts) if (ids.has(p.plan)) this.pendingAlerts.delete(fp);
    for (const [k, id] of this.pendingEvents) if (ids.has(id)) this.pendingEvents.delete(k);
    live.forEach((t, i) => t.resolve({ messages: i === 0 ? messages : [], duplicates: t.plan.duplicates, duplicatesBySource: t.plan.duplicatesBySource, actions: t.plan.actions }));
  }

  private async suppressionRules(): Promise<SuppressionRules> {
    return this.opts.loadSuppression ? await this.opts.loadSuppression() : NO_SUPPRESSION;
  }

  private async rebuildNow(): Promise<BatchOutcome> {
    const db = this.opts.db;
    const topology = await new TopologyRepository(db).get();
    const graph = topology.items.length > 0 ? new TopologyGraph(topology) : null;
    const matcher = topology.items.length > 0 ? new ItemMatcher(topology.items) : null;
    this.graph = graph;
    this.forget();
    const resolved: IncidentView[] = [];
    this.resolved = resolved;
    const lessons: Lesson[] = [];
    this.lessons = lessons;
    this.itemByChangeTarget = new Map();
    for (const item of topology.items) {
      for (const k of [item.labels.service, item.name, item.id]) if (k !== undefined && !this.itemByChangeTarget.has(k)) this.itemByChangeTarget.set(k, item.id);
    }
    this.hintsLoadedAt = Number.NEGATIVE_INFINITY;
    // Operators' remembered corrections first, so the replay groups as they taught.
    const model = new RecordingModel({ ...this.engineConfig.learning });
    model.replaying = true;
    for (const f of await db.selectFrom('correlation_feedback').select(['type_a', 'type_b', 'weight']).orderBy('id').execute()) model.feedback(f.type_a, f.type_b, f.weight);
    model.replaying = false;
    this.model = model;
    // What confirmed incidents taught before: learned again first, and not twice when their
    // incidents resolve anew in the replay below.
    const stored = await new LessonRepository(db).latest();
    const engine = new CorrelationEngine({
      graph,
      matcher,
      model,
      config: this.engineConfig,
      suppression: await this.suppressionRules(),
      onIncidentResolved: (view) => resolved.push(view),
      onLesson: (lesson) => lessons.push(lesson),
      learned: new Set(stored.map((l) => l.key)),
    });
    for (const lesson of stored) engine.learn(lesson);
    const cfg = engine.config;
    const alerts = new AlertRepository(db);
    const latest = await db.selectFrom('alert_events').select((eb) => eb.fn.max('event_time').as('t')).executeTakeFirst();
    const active = await new IncidentRepository(db).activeMemberships();
    if (latest?.t != null) {
      const lookbackMs = Math.max(cfg.maxGapMs, cfg.alertRetentionMs, cfg.holdMs + cfg.flapping.windowMs);
      const since = new Date(new Date(latest.t).getTime() - lookbackMs);
      const fingerprints = active.flatMap((m) => m.fingerprints);
      for (let after = 0; ; ) {
        const page = await alerts.replayLog(since, fingerprints, after, REPLAY_PAGE);
        for (const r of page) {
          // Events recorded before the engine ran (decision null) are history of the one-label rule.
          if (r.decision === null) continue;
          const pin = r.decision === 'opened' || r.decision === 'linked' ? r.incidentKey : null;
          engine.restore(r.event, pin);
        }
        if (page.length < REPLAY_PAGE) break;
        after = page[page.length - 1]!.eventId;
      }
    }
    this.setEngine(engine);
    this.topologyVersion = topology.version;
    // Incidents whose hold ran out while nobody led are resolved now.
    if (this.resolved.length === 0 && this.lessons.length === 0) return emptyOutcome();
    return this.enqueueWrite(await this.decided(() => this.plan([], new Map())));
  }

  /**
   * Reads what a group needs (the alerts' stored state, which events are already recorded),
   * applies and decides its events in event-time order in memory, and settles everything the
   * write needs from the engine. Runs while the previous group is being written.
   */
  private async prepare(batches: readonly IngestBatch[]): Promise<Planned> {
    if (this.engine === null) {
      await this.writesSettled();
      await this.rebuildNow();
    }
    this.lastEventWallMs = this.now();
    const ordered = batches
      .flatMap((b) => b.events.map((event) => ({ event, batchId: b.batchId, receivedAt: b.receivedAt, t: Date.parse(event.eventTime) })))
      .sort((x, y) => x.t - y.t || (x.event.fingerprint < y.event.fingerprint ? -1 : x.event.fingerprint > y.event.fingerprint ? 1 : 0));
    const epoch = this.epoch;
    // A failed write may forget the engine while this group is read or decided (it is then void).
    const engine = this.engine!;
    // The overlay is read before the store: what it holds is newer than anything read after.
    const overlayAlerts = new Map<string, AlertRecord>();
    for (const { event } of ordered) {
      const p = this.pendingAlerts.get(event.fingerprint);
      if (p) overlayAlerts.set(event.fingerprint, p.alert);
    }
    const overlayEvents = new Set<string>();
    for (const { event } of ordered) {
      const key = dedupKeyOf(event.fingerprint, event.status, event.eventTime);
      if (this.pendingEvents.has(key)) overlayEvents.add(key);
    }
    const stored = await new AlertRepository(this.opts.db).loadForEvents(ordered.map((o) => o.event));
    if (this.epoch !== epoch) throw new Error('an earlier correlation write failed; this batch will be decided anew');
    return this.decided(async () => {
      const state = new Map<string, AlertRecord | undefined>();
      const known = (fp: string) => (state.has(fp) ? state.get(fp) : (overlayAlerts.get(fp) ?? stored.alerts.get(fp)));
      const existedBefore = (fp: string) => overlayAlerts.has(fp) || stored.alerts.has(fp);
      const seen = new Set<string>();
      const recorded = new Map<AlertEvent, Recorded>();
      const decisions: Decision[] = [];
      const events: DecidedEvent[] = [];
      const dirty = new Set<string>();
      let duplicates = 0;
      const duplicatesBySource: Record<string, number> = {};
      let sliceStart = performance.now();
      for (const { event: ev, batchId, receivedAt } of ordered) {
        // Deciding is CPU work on the thread that also drives the previous group's write: give
        // its round trips (and ingest) a turn every few milliseconds while one is in flight.
        if (this.writesInFlight > 0 && performance.now() - sliceStart > DECIDE_SLICE_MS) {
          await yieldToIo();
          sliceStart = performance.now();
        }
        const key = dedupKeyOf(ev.fingerprint, ev.status, ev.eventTime);
        const wasSeen = seen.has(key) || overlayEvents.has(key) || stored.recorded.has(key);
        const applied = applyAlertEvent(known(ev.fingerprint), ev, receivedAt, wasSeen);
        if (applied.alert) state.set(ev.fingerprint, applied.alert);
        if (applied.changed) dirty.add(ev.fingerprint);
        if (!applied.isNewEvent || !applied.alert) {
          duplicates++;
          duplicatesBySource[ev.source] = (duplicatesBySource[ev.source] ?? 0) + 1;
          continue;
        }
        seen.add(key);
        const row: DecidedEvent = { fingerprint: ev.fingerprint, status: ev.status, eventTime: ev.eventTime, receivedAt, batchId, decision: null, incidentKey: null };
        events.push(row);
        recorded.set(ev, { previous: applied.previous, alert: applied.alert });
        const d = engine.decide(ev);
        decisions.push(d);
        row.decision = d.action;
        row.incidentKey = d.incidentKey;
        // What the engine says of the alert's episode (suppression, flapping) is part of its state.
        const suppressedBy = d.suppressedBy ? { kind: d.suppressedBy.kind, ruleId: d.suppressedBy.ruleId, reason: d.suppressedBy.reason } : null;
        const cur = state.get(ev.fingerprint)!;
        if (d.status !== 'acknowledged' && (cur.flapping !== d.flapping || cur.suppressedBy?.ruleId !== suppressedBy?.ruleId)) {
          state.set(ev.fingerprint, { ...cur, suppressedBy, flapping: d.flapping });
          dirty.add(ev.fingerprint);
        }
      }
      const created: AlertRecord[] = [];
      const updated: AlertRecord[] = [];
      for (const fp of dirty) {
        const a = state.get(fp)!;
        (existedBefore(fp) ? updated : created).push(a);
      }
      const planned = await this.plan(decisions, recorded);
      planned.write.alerts = { created, updated, events };
      planned.duplicates = duplicates;
      planned.duplicatesBySource = duplicatesBySource;
      if (planned.epoch === epoch && this.epoch === epoch) {
        for (const a of [...created, ...updated]) this.pendingAlerts.set(a.fingerprint, { alert: a, plan: planned.id });
        for (const e of events) this.pendingEvents.set(dedupKeyOf(e.fingerprint, e.status, e.eventTime), planned.id);
      }
      return planned;
    });
  }

  /**
   * Turns decisions (and the incidents the engine resolved meanwhile) into the rows to write,
   * with everything that needs the engine settled now: titles, root-cause rankings, reopens.
   */
  private async plan(decisions: Decision[], recorded: Map<AlertEvent, Recorded>): Promise<Planned> {
    const epoch = this.epoch;
    const now = new Date(this.now()).toISOString();
    const touched = new Map<string, { created: boolean; key: string }>();
    const actions: Record<string, number> = {};
    const opened: DecidedWrite['opened'] = [];
    const changes: MemberChange[] = [];
    const timeline: DecidedWrite['timeline'] = [];
    const reopen = new Set<string>();
    const flapped: Array<{ id: string; key: string; fingerprint: string; reason: string; at: number }> = [];
    const merged: DecidedWrite['merged'] = [];
    // A group's alerts mostly share a few incidents: hash each key once, not once per alert.
    const ids = new Map<string, string>();
    const touch = (key: string, created: boolean) => {
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = incidentIdOf(key)));
      const t = touched.get(id);
      touched.set(id, { created: created || (t?.created ?? false), key });
      return id;
    };

    for (const d of decisions) {
      actions[d.action] = (actions[d.action] ?? 0) + 1;
      const rec = recorded.get(d.event);
      if (!rec) continue;
      if (d.incidentKey === null || d.status === 'acknowledged') continue;
      const member: MemberState = {
        fingerprint: d.fingerprint,
        sourceFingerprint: rec.alert.sourceFingerprint,
        status: rec.alert.status,
        severity: rec.alert.severity,
        startsAt: rec.alert.startsAt,
        endsAt: rec.alert.endsAt,
        lastEventAt: d.event.eventTime,
      };
      if (d.action === 'opened') {
        const id = touch(d.incidentKey, true);
        opened.push({
          id,
          correlationKey: d.incidentKey,
          component: d.component,
          title: `${d.event.name} on ${this.whereOf(d)}`,
          groupKey: groupKeyOf(d.event).key,
          severity: d.event.severity,
          eventTime: d.event.eventTime,
          now,
        });
        // A new incident has no member rows yet.
        changes.push({ incidentId: id, member, before: undefined, link: { reason: d.reason, score: d.score && appliedTerms(d.score), newRow: true } });
        timeline.push({ incidentId: id, actor: 'correlator', kind: 'opened', detail: { fingerprint: d.fingerprint, reason: d.reason } });
      } else if (d.action === 'linked') {
        const id = touch(d.incidentKey, false);
        // An alert nobody knew before this event (stored or pending) is in no incident yet.
        const newRow = rec.previous === undefined;
        changes.push({ incidentId: id, member, before: rec.previous, link: { reason: d.reason, score: d.score && appliedTerms(d.score), newRow } });
        // The alert showed other incidents to be the same fault (EngineConfig.pathJoin).
        for (const k of d.absorbed) merged.push({ fromId: touch(k, false), fromKey: k, intoId: id, intoKey: d.incidentKey, reason: d.reason });
      } else if (d.action === 'kept') {
        const id = touch(d.incidentKey, false);
        if (d.status === 'firing' && d.flapping) flapped.push({ id, key: d.incidentKey, fingerprint: d.fingerprint, reason: d.reason, at: timeline.length });
        changes.push({ incidentId: id, member, before: rec.previous });
      }
    }
    // A flapping member reopens its incident if the engine (after the whole group) holds it
    // open; the first such member of each incident is the one the timeline names.
    const firsts = flapped.filter((f) => this.engine?.incident(f.key)?.status === 'open' && !reopen.has(f.id) && reopen.add(f.id));
    for (const f of firsts.reverse()) {
      timeline.splice(f.at, 0, { incidentId: f.id, actor: 'correlator', kind: 'reopened', detail: { fingerprint: f.fingerprint, reason: f.reason }, ifReopened: true });
    }
    const resolved = this.resolved.splice(0).map((view) => ({ id: incidentIdOf(view.key), key: view.key, at: new Date(view.resolvedAtMs ?? this.now()).toISOString() }));
    const lessons = this.lessons.splice(0);
    this.lessonsSincePrune += lessons.length;
    const pruneLessons = this.lessonsSincePrune >= LESSONS_KEPT / 10;
    if (pruneLessons) this.lessonsSincePrune = 0;
    const rootCauses = new Map<string, unknown[]>();
    const ranked = new Map(touched);
    for (const r of resolved) if (!ranked.has(r.id)) ranked.set(r.id, { created: false, key: r.key });
    if (this.graph && ranked.size > 0) {
      const extras = await this.rootCauseExtras(ranked);
      for (const [id, t] of ranked) {
        const view = this.engine?.incident(t.key);
        if (!view) continue;
        rootCauses.set(
          id,
          rankRootCauses(view, this.graph, extras)
            .slice(0, 5)
            .map((c) => ({ itemId: c.itemId, name: c.name, rank: c.rank, score: Math.round(c.score * 1000) / 1000, alerting: c.alerting, evidence: c.evidence })),
        );
      }
    }
    return {
      write: { now, alerts: { created: [], updated: [], events: [] }, opened, changes, merged, timeline, reopen: [...reopen], resolved, touched, rootCauses, lessons, pruneLessons },
      epoch,
      id: this.nextPlanId++,
      duplicates: 0,
      duplicatesBySource: {},
      actions,
    };
  }

  /**
   * What root-cause ranking weighs beside topology and onset: changes recorded on the incidents'
   * items from two hours before their first alert, and accepted problems' causal patterns.
   */
  private async rootCauseExtras(touched: Map<string, { key: string }>): Promise<{ changes: RecentChange[]; causalEdges: CausalEdgeHint[] }> {
    const trx = this.opts.db;
    if (this.now() - this.hintsLoadedAt > HINTS_TTL_MS) {
      this.causalHints = await new ProblemRepository(trx).causalHints();
      this.hintsLoadedAt = this.now();
    }
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const t of touched.values()) {
      const view = this.engine?.incident(t.key);
      if (!view) continue;
      from = Math.min(from, view.firstOnsetMs);
      to = Math.max(to, view.lastOnsetMs);
    }
    const changes: RecentChange[] = [];
    if (Number.isFinite(from) && this.itemByChangeTarget.size > 0) {
      for (const c of await new ChangeRepository(trx).between(new Date(from - CHANGE_WINDOW_MS), new Date(to), 200)) {
        const itemId = this.itemByChangeTarget.get(c.service);
        if (itemId) changes.push({ id: c.id, itemId, atMs: Date.parse(c.timestamp), summary: c.summary });
      }
    }
    return { changes, causalEdges: this.causalHints };
  }

  /** Words for an incident title: the first item's name, else a service-like label, else the host. */
  private whereOf(d: Decision): string {
    const item = d.itemIds[0];
    if (item !== undefined && this.graph) return this.graph.nameOf(item);
    const l = d.event.labels;
    return l.service ?? l.app ?? l.application ?? l.job ?? l.host ?? l.instance ?? d.event.source;
  }
}

function isEmpty(w: DecidedWrite): boolean {
  return w.alerts.created.length + w.alerts.updated.length + w.alerts.events.length + w.opened.length + w.changes.length + w.timeline.length + w.resolved.length + w.touched.size + w.lessons.length === 0;
}

function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function emptyOutcome(): BatchOutcome {
  return { messages: [], duplicates: 0, duplicatesBySource: {}, actions: {} };
}
