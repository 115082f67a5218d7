/**
 * The correlation engine behind live incidents (ADR 0004). One instance per leading correlator
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
import { IncidentRepository, type MemberState } from '../../engine/incident/incident-repository.ts';
import { StreamRepository } from '../../engine/stream/stream-repository.ts';
import { ItemMatcher } from '../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../engine/topology/topology-graph.ts';
import { TopologyRepository } from '../../engine/topology/topology-repository.ts';
import { CorrelationEngine } from '../engine/correlation-engine.ts';
import type { Decision } from '../engine/decision.ts';
import type { EngineConfig } from '../engine/engine-config.ts';
import { NO_SUPPRESSION, type SuppressionRules } from '../engine/find-suppression.ts';
import type { IncidentView } from '../engine/incident-view.ts';
import { rankRootCauses } from '../engine/rank-root-causes.ts';
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

export class LiveCorrelator {
  private engine: CorrelationEngine | null = null;
  private graph: TopologyGraph | null = null;
  private topologyVersion = -1;
  private chain: Promise<unknown> = Promise.resolve();
  private lastEventWallMs = Number.NEGATIVE_INFINITY;
  private resolved: IncidentView[] = [];
  private readonly engineConfig: Partial<EngineConfig>;
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

  processBatch(batch: { batchId: string; receivedAt: string; events: AlertEvent[] }): Promise<BatchOutcome> {
    return this.exclusive(async () => {
      if (this.engine === null) await this.rebuildNow();
      this.lastEventWallMs = this.now();
      return this.guard(() => this.correlate(batch));
    });
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
    const engine = new CorrelationEngine({
      graph,
      matcher,
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

  private async correlate(batch: { batchId: string; receivedAt: string; events: AlertEvent[] }): Promise<BatchOutcome> {
    const ordered = [...batch.events].sort(
      (a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime) || (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0),
    );
    return this.opts.db.transaction().execute(async (trx) => {
      const alerts = new AlertRepository(trx);
      const recorded = new Map<AlertEvent, Recorded>();
      const decisions: Decision[] = [];
      let duplicates = 0;
      const duplicatesBySource: Record<string, number> = {};
      for (const ev of ordered) {
        const r = await alerts.record(ev, batch.batchId, batch.receivedAt);
        if (!r.isNewEvent || !r.alert || r.eventId === undefined) {
          duplicates++;
          duplicatesBySource[ev.source] = (duplicatesBySource[ev.source] ?? 0) + 1;
          continue;
        }
        recorded.set(ev, { eventId: r.eventId, previous: r.previous, alert: r.alert });
        decisions.push(this.engine!.decide(ev));
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
    const incidents = new IncidentRepository(trx, { autoResolve: false });
    const stream = new StreamRepository(trx);
    const now = new Date(this.now()).toISOString();
    const touched = new Map<string, { created: boolean; key: string }>();
    const marks: Array<{ eventId: number; decision: string; incidentKey: string | null }> = [];
    const actions: Record<string, number> = {};
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
        const gk = groupKeyOf(d.event);
        await incidents.create({
          id,
          correlationKey: d.incidentKey,
          component: d.component,
          title: `${d.event.name} on ${this.whereOf(d)}`,
          groupKey: gk.key,
          severity: d.event.severity,
          eventTime: d.event.eventTime,
          now,
        });
        await incidents.linkMember(id, member, undefined, d.reason, now, d.score);
      } else if (d.action === 'linked') {
        const id = touch(d.incidentKey, false);
        await incidents.linkMember(id, member, rec.previous, d.reason, now, d.score);
      } else if (d.action === 'kept') {
        const id = touch(d.incidentKey, false);
        if (d.status === 'firing' && d.flapping && this.engine!.incident(d.incidentKey)?.status === 'open') await incidents.reopen(id, now);
        await incidents.foldMemberChange(id, rec.previous, member, now);
      }
    }
    await alerts.markDecisions(marks);
    for (const view of this.resolved.splice(0)) {
      const id = incidentIdOf(view.key);
      if (await incidents.resolve(id, new Date(view.resolvedAtMs ?? this.now()).toISOString(), now)) touch(view.key, touched.get(id)?.created ?? false);
    }
    const messages: StreamMessage[] = [];
    for (const [id, t] of touched) {
      const view = this.engine?.incident(t.key);
      if (view && this.graph) {
        const ranked = rankRootCauses(view, this.graph).slice(0, 5);
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

  /** Words for an incident title: the first item's name, else a service-like label, else the host. */
  private whereOf(d: Decision): string {
    const item = d.itemIds[0];
    if (item !== undefined && this.graph) return this.graph.nameOf(item);
    const l = d.event.labels;
    return l.service ?? l.app ?? l.application ?? l.job ?? l.host ?? l.instance ?? d.event.source;
  }
}

function emptyOutcome(): BatchOutcome {
  return { messages: [], duplicates: 0, duplicatesBySource: {}, actions: {} };
}
