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
 * If a transaction fails, the engine has moved past what the store holds: the next call
 * rebuilds it from the store first (replaying recorded events in recorded order, each new
 * episode pinned to the incident it was recorded in), and the retried batch is decided anew.
 */
import type { Kysely } from 'kysely';
import type { AlertEvent, AlertRecord } from '../../engine/alert/alert.ts';
import { AlertRepository } from '../../engine/alert/alert-repository.ts';
import type { StreamMessage } from '../../engine/bus/events.ts';
import type { DB } from '../../engine/db/tables.ts';
import { CommandRepository } from '../../engine/incident/command-repository.ts';
import { IncidentRepository, type MemberChange, type MemberState } from '../../engine/incident/incident-repository.ts';
import { StreamRepository } from '../../engine/stream/stream-repository.ts';
import { ItemMatcher } from '../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../engine/topology/topology-graph.ts';
import { TopologyRepository } from '../../engine/topology/topology-repository.ts';
import { CoOccurrenceModel } from '../engine/co-occurrence-model.ts';
import { CorrelationEngine } from '../engine/correlation-engine.ts';
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
  eventId: number;
  previous: { status: AlertRecord['status']; severity: string } | undefined;
  alert: AlertRecord;
}

const REPLAY_PAGE = 5_000;
/** How long accepted problems' causal hints are reused before being read again. */
const HINTS_TTL_MS = 60_000;
/** How long before an incident's first alert a change still counts as a suspect. */
const CHANGE_WINDOW_MS = 2 * 3600_000;
/** Batches written in one transaction at most (about 50 alerts each). */
const MAX_GROUPED_BATCHES = 20;

export interface IngestBatch {
  batchId: string;
  receivedAt: string;
  events: AlertEvent[];
}

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
  private graph: TopologyGraph | null = null;
  private topologyVersion = -1;
  private chain: Promise<unknown> = Promise.resolve();
  private lastEventWallMs = Number.NEGATIVE_INFINITY;
  private resolved: IncidentView[] = [];
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

  /** The topology version the engine was built with (-1 before the first build). */
  get builtTopologyVersion(): number {
    return this.topologyVersion;
  }

  /** Builds the engine from the store: topology, suppression rules, and recent history. */
  rebuild(): Promise<BatchOutcome> {
    return this.exclusive(() => this.rebuildNow());
  }

  /**
   * Correlates one ingest batch. Batches that arrive while one is being written are taken
   * together in the next transaction (group commit); the combined outcome goes to the first of
   * them, the others get an empty one, so each message is published once.
   */
  processBatch(batch: IngestBatch): Promise<BatchOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ batch, resolve, reject });
      if (this.waiting.length === 1) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    await this.exclusive(async () => {
      const taken = this.waiting.splice(0, MAX_GROUPED_BATCHES);
      try {
        if (this.engine === null) await this.rebuildNow();
        this.lastEventWallMs = this.now();
        const outcome = await this.guard(() => this.correlate(taken.map((t) => t.batch)));
        taken.forEach((t, i) => t.resolve(i === 0 ? outcome : emptyOutcome()));
      } catch (err) {
        for (const t of taken) t.reject(err);
      }
    });
    if (this.waiting.length > 0) void this.drain();
  }

  /**
   * Lets engine time follow the wall clock once no batch came for `quietMs`: pending resolves
   * and index expiries run. Returns what changed.
   */
  tick(): Promise<BatchOutcome> {
    return this.exclusive(async () => {
      if (this.engine === null) await this.rebuildNow();
      const now = this.now();
      if (now - this.lastEventWallMs < this.quietMs) return emptyOutcome();
      return this.guard(async () => {
        const decisions = this.engine!.advanceTo(now);
        return this.persist(decisions, new Map());
      });
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
        if (cmd.kind === 'merge' || cmd.kind === 'split' || !(err instanceof Refused)) this.engine = null;
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
          if (inc.correlationKey) await this.repin(trx, moved, inc.correlationKey);
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
        if (key && this.engine!.incident(key)) newKey = this.engine!.split(key, fps).key;
        else newKey = `${key ?? inc.id}~${cmd.id}`;
        const newId = incidentIdOf(newKey);
        const first = await trx.selectFrom('incidents').select(['title', 'group_key', 'severity', 'started_at', 'component']).where('id', '=', inc.id).executeTakeFirstOrThrow();
        await incidents.create({ id: newId, correlationKey: newKey, component: first.component, title: `${first.title} (split)`, groupKey: first.group_key, severity: first.severity, eventTime: first.started_at.toISOString(), now });
        await incidents.moveMembers(inc.id, newId, fps, `split from incident ${inc.id} by ${cmd.actor}`, now);
        await this.repin(trx, fps, newKey);
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

  /** Recorded events of moved alerts now belong to their new incident (so a rebuild agrees). */
  private async repin(trx: Kysely<DB>, fingerprints: readonly string[], key: string): Promise<void> {
    if (fingerprints.length === 0) return;
    await trx.updateTable('alert_events').set({ incident_key: key }).where('fingerprint', 'in', [...fingerprints]).where('incident_key', 'is not', null).execute();
  }

  private async storeFeedback(trx: Kysely<DB>, commandId: string): Promise<void> {
    const pending = this.model?.pending.splice(0) ?? [];
    if (pending.length === 0) return;
    await trx
      .insertInto('correlation_feedback')
      .values(pending.map((f) => ({ type_a: f.a, type_b: f.b, weight: f.delta, command_id: commandId })))
      .execute();
  }

  /** Open incidents as the engine holds them (for tests and diagnostics). */
  openIncidents(): IncidentView[] {
    return this.engine?.openIncidents() ?? [];
  }

  // ---------------------------------------------------------------------------------------

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** A failed write leaves the engine ahead of the store: forget it, rebuild on the next call. */
  private async guard(fn: () => Promise<BatchOutcome>): Promise<BatchOutcome> {
    try {
      return await fn();
    } catch (err) {
      this.engine = null;
      this.resolved = [];
      throw err;
    }
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
    this.resolved = [];
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
    const engine = new CorrelationEngine({
      graph,
      matcher,
      model,
      config: this.engineConfig,
      suppression: await this.suppressionRules(),
      onIncidentResolved: (view) => this.resolved.push(view),
    });
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
    this.engine = engine;
    this.topologyVersion = topology.version;
    // Incidents whose hold ran out while nobody led are resolved now.
    return this.guard(() => this.persist([], new Map()));
  }

  private async correlate(batches: readonly IngestBatch[]): Promise<BatchOutcome> {
    const ordered = batches
      .flatMap((b) => b.events.map((event) => ({ event, batchId: b.batchId, receivedAt: b.receivedAt })))
      .sort((x, y) => {
        const a = x.event;
        const b = y.event;
        return Date.parse(a.eventTime) - Date.parse(b.eventTime) || (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0);
      });
    return this.opts.db.transaction().execute(async (trx) => {
      const alerts = new AlertRepository(trx);
      const recorded = new Map<AlertEvent, Recorded>();
      const decisions: Decision[] = [];
      let duplicates = 0;
      const duplicatesBySource: Record<string, number> = {};
      // Recorded in rounds of distinct alerts (a repeat of an alert starts the next round), each
      // in a few statements, then decided in order: the same as one event at a time.
      for (const round of roundsOfDistinctAlerts(ordered)) {
        const results = await alerts.recordBatch(round);
        round.forEach(({ event: ev }, i) => {
          const r = results[i]!;
          if (!r.isNewEvent || !r.alert || r.eventId === undefined) {
            duplicates++;
            duplicatesBySource[ev.source] = (duplicatesBySource[ev.source] ?? 0) + 1;
            return;
          }
          recorded.set(ev, { eventId: r.eventId, previous: r.previous, alert: r.alert });
          decisions.push(this.engine!.decide(ev));
        });
      }
      const out = await this.persistIn(trx, decisions, recorded);
      return { ...out, duplicates, duplicatesBySource };
    });
  }

  private persist(decisions: Decision[], recorded: Map<AlertEvent, Recorded>): Promise<BatchOutcome> {
    if (decisions.length === 0 && this.resolved.length === 0) return Promise.resolve(emptyOutcome());
    return this.opts.db.transaction().execute((trx) => this.persistIn(trx, decisions, recorded));
  }

  private async persistIn(trx: Kysely<DB>, decisions: Decision[], recorded: Map<AlertEvent, Recorded>): Promise<BatchOutcome> {
    const alerts = new AlertRepository(trx);
    const incidents = new IncidentRepository(trx);
    const stream = new StreamRepository(trx);
    const now = new Date(this.now()).toISOString();
    const touched = new Map<string, { created: boolean; key: string }>();
    const marks: Array<{ eventId: number; decision: string; incidentKey: string | null }> = [];
    const actions: Record<string, number> = {};
    const opened: Parameters<IncidentRepository['createMany']>[0][number][] = [];
    const changes: MemberChange[] = [];
    const timeline: Parameters<IncidentRepository['addTimelineMany']>[0][number][] = [];
    const touch = (key: string, created: boolean) => {
      const id = incidentIdOf(key);
      const t = touched.get(id);
      touched.set(id, { created: created || (t?.created ?? false), key });
      return id;
    };

    for (const d of decisions) {
      actions[d.action] = (actions[d.action] ?? 0) + 1;
      const rec = recorded.get(d.event);
      if (!rec) continue;
      marks.push({ eventId: rec.eventId, decision: d.action, incidentKey: d.incidentKey });
      const suppressedBy = d.suppressedBy ? { kind: d.suppressedBy.kind, ruleId: d.suppressedBy.ruleId, reason: d.suppressedBy.reason } : null;
      if (d.status !== 'acknowledged' && (rec.alert.flapping !== d.flapping || rec.alert.suppressedBy?.ruleId !== suppressedBy?.ruleId)) {
        await alerts.setCorrelationState(d.fingerprint, suppressedBy, d.flapping);
      }
      if (d.incidentKey === null || d.status === 'acknowledged') continue;
      const member: MemberState = {
        fingerprint: d.fingerprint,
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
        changes.push({ incidentId: id, member, before: undefined, link: { reason: d.reason, score: d.score } });
        timeline.push({ incidentId: id, actor: 'correlator', kind: 'opened', detail: { fingerprint: d.fingerprint, reason: d.reason } });
      } else if (d.action === 'linked') {
        const id = touch(d.incidentKey, false);
        changes.push({ incidentId: id, member, before: rec.previous, link: { reason: d.reason, score: d.score } });
      } else if (d.action === 'kept') {
        const id = touch(d.incidentKey, false);
        if (d.status === 'firing' && d.flapping && this.engine!.incident(d.incidentKey)?.status === 'open' && (await incidents.reopen(id, now))) {
          timeline.push({ incidentId: id, actor: 'correlator', kind: 'reopened', detail: { fingerprint: d.fingerprint, reason: d.reason } });
        }
        changes.push({ incidentId: id, member, before: rec.previous });
      }
    }
    await incidents.createMany(opened);
    await incidents.applyChanges(changes, now);
    await incidents.addTimelineMany(timeline);
    await alerts.markDecisions(marks);
    for (const view of this.resolved.splice(0)) {
      const id = incidentIdOf(view.key);
      if (await incidents.resolve(id, new Date(view.resolvedAtMs ?? this.now()).toISOString(), now)) {
        touch(view.key, touched.get(id)?.created ?? false);
        await incidents.addTimeline(id, 'correlator', 'resolved', { reason: 'every member resolved and the hold time passed' });
      }
    }
    const messages: StreamMessage[] = [];
    const extras = this.graph && touched.size > 0 ? await this.rootCauseExtras(trx, touched) : {};
    for (const [id, t] of touched) {
      const view = this.engine?.incident(t.key);
      if (view && this.graph) {
        const ranked = rankRootCauses(view, this.graph, extras).slice(0, 5);
        await incidents.setRootCauses(
          id,
          ranked.map((c) => ({ itemId: c.itemId, name: c.name, rank: c.rank, score: Math.round(c.score * 1000) / 1000, alerting: c.alerting, evidence: c.evidence })),
        );
      }
      const incident = await incidents.getSummary(id);
      if (!incident) continue;
      messages.push(await stream.append({ type: t.created ? 'incident.created' : 'incident.updated', incident }));
    }
    return { messages, duplicates: 0, duplicatesBySource: {}, actions };
  }

  /**
   * What root-cause ranking weighs beside topology and onset: changes recorded on the incidents'
   * items from two hours before their first alert, and accepted problems' causal patterns.
   */
  private async rootCauseExtras(trx: Kysely<DB>, touched: Map<string, { key: string }>): Promise<{ changes: RecentChange[]; causalEdges: CausalEdgeHint[] }> {
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

/** Splits events (in order) into runs in which no alert appears twice. */
function roundsOfDistinctAlerts<T extends { event: AlertEvent }>(events: readonly T[]): T[][] {
  const rounds: T[][] = [];
  let current: T[] = [];
  let seen = new Set<string>();
  for (const ev of events) {
    if (seen.has(ev.event.fingerprint)) {
      rounds.push(current);
      current = [];
      seen = new Set();
    }
    seen.add(ev.event.fingerprint);
    current.push(ev);
  }
  if (current.length > 0) rounds.push(current);
  return rounds;
}

function emptyOutcome(): BatchOutcome {
  return { messages: [], duplicates: 0, duplicatesBySource: {}, actions: {} };
}
