/**
 * Escalation levels of incidents left unacknowledged (the paging policy in
 * escalation-policy.ts). Level 1 fires with the acknowledgement breach (SlaService calls
 * `startLadder` in the breach's transaction); each later level is an `incident_escalations`
 * row plus a delayed `sla.escalate` job (BullMQ or the journaled queue: it survives
 * restarts). When the job runs, the level fires only if the incident is still open;
 * otherwise it and the levels after it are cancelled. An acknowledgement or resolution seen
 * on the bus cancels at once (`cancel`); the per-minute reconcile runs levels whose job was
 * never queued. Firing or cancelling writes the timeline, the audit log and an
 * `incident.sla` stream message in the transaction that settles the level.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { AuditRepository } from '../auth/audit-repository.ts';
import { systemActor } from '../auth/actor.ts';
import type { EventBus } from '../bus/event-bus.ts';
import { type IncidentSlaMessage, STREAM_TOPIC } from '../bus/events.ts';
import { iso } from '../db/executor.ts';
import type { DB } from '../db/tables.ts';
import type { IncidentSummary } from '../incident/incident.ts';
import { IncidentRepository } from '../incident/incident-repository.ts';
import { jobIdPart, type NotificationMessage, type SlaBreach } from '../notify/notification.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import type { EscalateOutcome } from '../queue/jobs.ts';
import { StreamRepository } from '../stream/stream-repository.ts';
import { ruleFor } from './escalation-policy.ts';
import { EscalationRepository } from './escalation-repository.ts';
import { NO_SLA, slaStates } from './sla-state.ts';
import { SlaRepository } from './sla-repository.ts';

/** Who escalations are by, on the timeline and in the audit log. */
export const SLA_ACTOR = 'sla';
const AUDIT_ACTOR = systemActor('sla-escalation');

export interface EscalationDeps {
  db: Kysely<DB>;
  queue: JobQueue;
  notifier: Notifier;
  bus: EventBus | undefined;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  now: () => number;
}

/** What a transaction left to do after its commit. */
export interface AfterCommit {
  messages: NotificationMessage[];
  jobs: Array<{ incidentId: string; level: number; dueMs: number }>;
  stream: IncidentSlaMessage[];
}

export const emptyAfter = (): AfterCommit => ({ messages: [], jobs: [], stream: [] });

/** Appends the incident's SLA state to the stream log; call last in the transaction (the log's lock is held to its end). */
export async function appendSlaState(tx: Transaction<DB> | Kysely<DB>, incidentId: string, now: number): Promise<IncidentSlaMessage> {
  return (await appendSlaStates(tx, [incidentId], now))[0]!;
}

/** `appendSlaState` for many incidents: two reads and one append, whatever their number; messages in the given order. */
export async function appendSlaStates(tx: Transaction<DB> | Kysely<DB>, incidentIds: readonly string[], now: number): Promise<IncidentSlaMessage[]> {
  const states = await slaStates(tx, incidentIds, now);
  return new StreamRepository(tx).appendMany<IncidentSlaMessage>(incidentIds.map((incidentId) => ({ type: 'incident.sla', incidentId, sla: states.get(incidentId) ?? NO_SLA })));
}

export class EscalationService {
  constructor(private readonly deps: EscalationDeps) {}

  /**
   * In the acknowledgement breach's transaction: level 1 fires (its notification is returned
   * for the caller to record), the next level is scheduled. Timeline and audit entries included.
   */
  async startLadder(tx: Transaction<DB>, incident: IncidentSummary, breach: SlaBreach, after: AfterCommit): Promise<NotificationMessage> {
    const now = this.deps.now();
    const rule = ruleFor(await new EscalationRepository(tx).policy(), incident.severity, incident.groupKey);
    const first = rule.levels[0]!;
    await new EscalationRepository(tx).insert({ incidentId: incident.id, level: 1, dueAt: new Date(now), channels: first.channels, status: 'fired', settledAt: new Date(now) });
    await this.recordFired(tx, incident.id, 1, first.channels);
    await this.scheduleNext(tx, incident, 1, now, after);
    return this.deps.notifier.escalated(incident, breach, { level: 1, channels: first.channels });
  }

  /** Level 1's channels for an incident (where a resolve breach is sent). */
  async firstChannels(tx: Transaction<DB>, incident: IncidentSummary): Promise<string[]> {
    return ruleFor(await new EscalationRepository(tx).policy(), incident.severity, incident.groupKey).levels[0]!.channels;
  }

  /** The `sla.escalate` job. */
  async escalate(incidentId: string, level: number): Promise<EscalateOutcome> {
    const now = this.deps.now();
    const after = emptyAfter();
    let outcome = 'gone' as EscalateOutcome;
    let retryAt: number | undefined;
    await this.deps.db.transaction().execute(async (tx) => {
      const escalations = new EscalationRepository(tx);
      const row = await escalations.lock(incidentId, level);
      if (!row) return;
      if (row.status !== 'scheduled') {
        outcome = row.status;
        return;
      }
      const incident = await new IncidentRepository(tx).getSummary(incidentId);
      if (!incident) return;
      if (incident.status !== 'open') {
        outcome = 'cancelled';
        await this.cancelIn(tx, incidentId, incident.status, now, after);
        return;
      }
      if (now < row.dueAt.getTime()) {
        outcome = 'pending';
        retryAt = row.dueAt.getTime();
        return;
      }
      if (!(await escalations.fire(incidentId, level, new Date(now)))) return;
      outcome = 'fired';
      await this.recordFired(tx, incidentId, level, row.channels);
      await this.scheduleNext(tx, incident, level, now, after);
      const timer = (await new SlaRepository(tx).timers(incidentId)).get('ack');
      const breach: SlaBreach = {
        kind: 'ack',
        severity: timer?.severity ?? incident.severity,
        targetMinutes: timer?.dueAt ? (timer.dueAt.getTime() - Date.parse(incident.createdAt)) / 60_000 : 0,
        dueAt: iso(timer?.dueAt ?? new Date(now)),
        breachedAt: iso(timer?.dueAt ?? new Date(now)),
      };
      const message = this.deps.notifier.escalated(incident, breach, { level, channels: row.channels, at: iso(new Date(now)) });
      if (await this.deps.notifier.record(tx, message)) after.messages.push(message);
      after.stream.push(await appendSlaState(tx, incidentId, now));
    });
    if (retryAt !== undefined) after.jobs.push({ incidentId, level, dueMs: retryAt });
    if (outcome === 'fired') this.deps.logger.info({ incident: incidentId, level }, 'escalation level fired');
    await this.afterCommit(after);
    return outcome;
  }

  /** Cancels the incident's scheduled levels (it was acknowledged, resolved or closed); how many. */
  async cancel(incidentId: string, reason: string): Promise<number> {
    const after = emptyAfter();
    let cancelled = 0;
    await this.deps.db.transaction().execute(async (tx) => {
      cancelled = await this.cancelIn(tx, incidentId, reason, this.deps.now(), after);
    });
    await this.afterCommit(after);
    return cancelled;
  }

  /** Scheduled levels past due by more than `graceMs`: their job was never queued, or is lost. */
  async reconcile(graceMs: number, limit = 500): Promise<number> {
    let ran = 0;
    for (const { incidentId, level } of await new EscalationRepository(this.deps.db).overdue(new Date(this.deps.now() - graceMs), limit)) {
      await this.escalate(incidentId, level);
      ran++;
    }
    return ran;
  }

  /** Queues the notifications, adds the jobs and publishes the stream messages of a committed transaction. */
  async afterCommit(after: AfterCommit): Promise<void> {
    for (const m of after.messages) {
      await this.deps.notifier.dispatch(m).catch((err: unknown) => this.deps.logger.warn({ err, incident: m.incident.id }, 'could not queue the escalation yet; the notify reconcile will'));
    }
    for (const j of after.jobs) {
      // A failure here leaves the row scheduled: the reconcile runs it once it is overdue.
      await this.deps.queue
        .add('sla.escalate', { incidentId: j.incidentId, level: j.level }, { jobId: `esc-${jobIdPart(j.incidentId)}-${j.level}-${j.dueMs}`, delayMs: Math.max(0, j.dueMs - this.deps.now()), attempts: 5, backoffMs: 10_000 })
        .catch((err: unknown) => this.deps.logger.warn({ err, incident: j.incidentId }, 'could not queue an escalation level; the SLA reconcile will run it'));
    }
    await this.deps.bus?.publishMany(STREAM_TOPIC, after.stream).catch((err: unknown) => this.deps.logger.warn({ err }, 'could not publish an SLA change; consoles read it from the log'));
  }

  private async cancelIn(tx: Transaction<DB>, incidentId: string, reason: string, now: number, after: AfterCommit): Promise<number> {
    const levels = await new EscalationRepository(tx).cancelScheduled(incidentId, reason, new Date(now));
    if (levels.length === 0) return 0;
    await new IncidentRepository(tx).addTimeline(incidentId, SLA_ACTOR, 'escalation.cancelled', { levels, reason });
    await new AuditRepository(tx).record({ actor: AUDIT_ACTOR, action: 'incident.escalation.cancelled', target: { type: 'incident', id: incidentId }, detail: { levels, reason }, ip: null });
    after.stream.push(await appendSlaState(tx, incidentId, now));
    return levels.length;
  }

  private async recordFired(tx: Transaction<DB>, incidentId: string, level: number, channels: string[]): Promise<void> {
    const targets = this.deps.notifier.wants('escalated') ? this.deps.notifier.targetsFor({ escalation: { level, channels } } as NotificationMessage).map((t) => t.key) : [];
    await new IncidentRepository(tx).addTimeline(incidentId, SLA_ACTOR, 'escalated', { level, channels, targets });
    await new AuditRepository(tx).record({ actor: AUDIT_ACTOR, action: 'incident.escalated', target: { type: 'incident', id: incidentId }, detail: { level, channels, targets }, ip: null });
  }

  /** Schedules level `level + 1` when the incident's current rule has one. */
  private async scheduleNext(tx: Transaction<DB>, incident: IncidentSummary, level: number, now: number, after: AfterCommit): Promise<void> {
    const rule = ruleFor(await new EscalationRepository(tx).policy(), incident.severity, incident.groupKey);
    const next = rule.levels[level];
    if (!next) return;
    const dueMs = now + Math.round(next.afterMinutes * 60_000);
    if (await new EscalationRepository(tx).insert({ incidentId: incident.id, level: level + 1, dueAt: new Date(dueMs), channels: next.channels, status: 'scheduled', settledAt: null })) {
      after.jobs.push({ incidentId: incident.id, level: level + 1, dueMs });
    }
  }
}
