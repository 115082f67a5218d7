/**
 * SLA timers of incidents: time to acknowledge and time to resolve, by current severity.
 *
 * Each timer is a delayed `sla.check` job (in BullMQ or the journaled queue, so it
 * survives restarts) plus a `sla_timers` row. When the job runs it reads the incident: if
 * it still owes what the timer measures (not acknowledged, or not resolved) past the due
 * time, the timer is settled as breached and an `escalated` notification is recorded in
 * the same transaction; if it was acknowledged or resolved in time, the timer is met.
 * A severity change moves the due time (a new job; the old one finds it not yet due and
 * does nothing). The bus that announces new incidents is at-most-once, so a per-minute
 * reconcile schedules missing timers and checks overdue ones itself.
 *
 * A breach is written to the incident's timeline and starts its escalation ladder
 * (escalation-service.ts); scheduling, moving and breaching append an `incident.sla`
 * message to the stream, so consoles show due times and breaches live.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { EventBus } from '../bus/event-bus.ts';
import { iso } from '../db/executor.ts';
import type { DB } from '../db/tables.ts';
import type { IncidentStatus } from '../incident/incident.ts';
import { IncidentRepository } from '../incident/incident-repository.ts';
import type { NotificationMessage, SlaBreach, SlaKind } from '../notify/notification.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { AppMetrics } from '../observability/metrics-registry.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import type { SlaCheckOutcome } from '../queue/jobs.ts';
import { jobIdPart } from '../notify/notification.ts';
import { SLA_KINDS, SlaPolicy } from './sla-policy.ts';
import { SlaRepository, type SlaTimer } from './sla-repository.ts';
import { EscalationService, SLA_ACTOR, appendSlaState, appendSlaStates, emptyAfter } from './escalation-service.ts';

type SlaLogger = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;

/** The reconcile leaves a timer due less than this to its own job. */
const RECONCILE_GRACE_MS = 30_000;

export interface SlaServiceOptions {
  queue: JobQueue;
  db: Kysely<DB>;
  notifier: Notifier;
  metrics: AppMetrics;
  logger: SlaLogger;
  policy: SlaPolicy;
  /** Where `incident.sla` messages are published after their commit; without it they are only logged. */
  bus?: EventBus;
  now?: () => number;
}

/** What scheduling needs of an incident (an IncidentSummary will do). */
export interface TimedIncident {
  id: string;
  status: IncidentStatus;
  severity: string;
  createdAt: string | Date;
}

export class SlaService {
  private readonly now: () => number;
  readonly escalations: EscalationService;

  constructor(private readonly opts: SlaServiceOptions) {
    this.now = opts.now ?? Date.now;
    this.escalations = new EscalationService({ db: opts.db, queue: opts.queue, notifier: opts.notifier, bus: opts.bus, logger: opts.logger, now: () => this.now() });
  }

  /**
   * Schedules the incident's timers, or moves them when its severity changed the due
   * time. Idempotent: job ids name the incident, kind and (after a move) due time.
   * Returns how many timers were scheduled or moved.
   */
  async ensureTimers(incident: TimedIncident, known?: Map<SlaKind, SlaTimer>): Promise<number> {
    return this.ensureTimersMany([incident], known && new Map([[incident.id, known]]));
  }

  /**
   * `ensureTimers` for many incidents at once, with a fixed number of statements whatever their
   * number: one read of their timers (unless `known`), their jobs added together, one upsert of
   * the rows, and one stream append of their SLA states. An incident given more than once is
   * handled once per mention, in order (a later mention sees what the earlier one stored).
   */
  async ensureTimersMany(incidents: readonly TimedIncident[], known?: Map<string, Map<SlaKind, SlaTimer>>): Promise<number> {
    let scheduled = 0;
    // `known` describes the store before the first pass only.
    for (const [n, round] of mentions(incidents).entries()) scheduled += await this.ensureRound(round, n === 0 ? known : undefined);
    return scheduled;
  }

  /** One pass over distinct incidents. */
  private async ensureRound(incidents: readonly TimedIncident[], known?: Map<string, Map<SlaKind, SlaTimer>>): Promise<number> {
    const live = incidents.filter((i) => SlaPolicy.pending('resolve', i.status));
    if (live.length === 0) return 0;
    const repo = new SlaRepository(this.opts.db);
    const timersOf = known ?? (await repo.timersOf(live.map((i) => i.id)));
    const planned: Array<{ incident: TimedIncident; kind: SlaKind; due: number | null; jobId: string }> = [];
    for (const incident of live) {
      const timers = timersOf.get(incident.id);
      for (const kind of SLA_KINDS) {
        const timer = timers?.get(kind);
        if (timer?.outcome || !SlaPolicy.pending(kind, incident.status)) continue;
        const due = this.opts.policy.dueAt(kind, incident.severity, incident.createdAt);
        if (timer && (timer.dueAt?.getTime() ?? null) === due) continue;
        // The first timer of an incident has the plain id; a moved one carries its due time.
        planned.push({ incident, kind, due, jobId: timer ? `sla-${kind}-${jobIdPart(incident.id)}-${due}` : `sla-${kind}-${jobIdPart(incident.id)}` });
      }
    }
    if (planned.length === 0) return 0;
    // Jobs first, all at once: a row without its job would hide the gap from the reconcile.
    const jobs = planned.filter((p) => p.due !== null);
    await this.opts.queue.addMany(
      'sla.check',
      jobs.map((p) => ({ data: { incidentId: p.incident.id, kind: p.kind }, opts: { jobId: p.jobId, delayMs: Math.max(0, p.due! - this.now()), attempts: 5, backoffMs: 10_000 } })),
    );
    await repo.upsertMany(planned.map((p) => ({ incidentId: p.incident.id, kind: p.kind, severity: p.incident.severity, dueAt: p.due === null ? null : new Date(p.due) })));
    const after = emptyAfter();
    after.stream.push(...(await appendSlaStates(this.opts.db, [...new Set(planned.map((p) => p.incident.id))], this.now())));
    await this.escalations.afterCommit(after);
    return planned.length;
  }

  /** The `sla.check` job: settles the timer if it is due, else makes sure it is scheduled. */
  async check(incidentId: string, kind: SlaKind): Promise<SlaCheckOutcome> {
    const now = this.now();
    const repo = new SlaRepository(this.opts.db);
    const incident = await repo.incident(incidentId);
    if (!incident) return 'gone';
    const timers = await repo.timers(incidentId);
    const timer = timers.get(kind);
    if (timer?.outcome) return timer.outcome;
    const due = this.opts.policy.dueAt(kind, incident.severity, incident.createdAt);

    if (!SlaPolicy.pending(kind, incident.status)) {
      // Acknowledged or resolved: met, unless the time it happened is known and was past due
      // (the check ran late, e.g. the engine was down); then it is a breach, but too late to escalate.
      const stoppedAt = kind === 'ack' ? (incident.acknowledgedAt ?? (incident.status === 'acknowledged' ? null : incident.resolvedAt)) : incident.resolvedAt;
      const late = due !== null && stoppedAt !== null && stoppedAt.getTime() > due;
      const settled = await repo.settle(incidentId, kind, late ? 'breached' : 'met', incident.severity, due === null ? null : new Date(due), new Date(now));
      if (settled && late) this.opts.metrics.slaBreaches.inc({ kind });
      return late ? 'breached' : 'met';
    }
    if (due === null) {
      await repo.upsert(incidentId, kind, incident.severity, null);
      return 'none';
    }
    if (now < due) {
      // Not due at this severity (it was lowered, or the job ran early): wait for the new due time.
      await this.ensureTimers(incident, timers);
      return 'pending';
    }
    return this.breach(incidentId, kind, incident.severity, due, now);
  }

  /**
   * Schedules timers the bus never announced and checks overdue ones, for active incidents
   * created within `lookbackMs` (older ones predate the feature or a long outage; they are
   * left alone rather than escalated all at once).
   */
  async reconcile(lookbackMs: number, limit = 5000): Promise<{ scheduled: number; checked: number }> {
    const now = this.now();
    let scheduled = 0;
    let checked = 0;
    const active = await new SlaRepository(this.opts.db).active(new Date(now - lookbackMs), limit);
    scheduled += await this.ensureTimersMany(active, new Map(active.map((i) => [i.id, i.timers])));
    for (const incident of active) {
      for (const kind of SLA_KINDS) {
        if (incident.timers.get(kind)?.outcome || !SlaPolicy.pending(kind, incident.status)) continue;
        const due = this.opts.policy.dueAt(kind, incident.severity, incident.createdAt);
        if (due === null || due > now - RECONCILE_GRACE_MS) continue;
        await this.check(incident.id, kind);
        checked++;
      }
    }
    checked += await this.escalations.reconcile(RECONCILE_GRACE_MS);
    if (scheduled > 0 || checked > 0) this.opts.logger.info({ scheduled, checked }, 'SLA reconcile caught up with timers and escalations the bus or the queue did not bring');
    return { scheduled, checked };
  }

  private async breach(incidentId: string, kind: SlaKind, severity: string, due: number, now: number): Promise<SlaCheckOutcome> {
    const breach: SlaBreach = {
      kind,
      severity,
      targetMinutes: (this.opts.policy.targetMs(kind, severity) ?? 0) / 60_000,
      dueAt: iso(new Date(due)),
      breachedAt: iso(new Date(now)),
    };
    let breached = false;
    const after = emptyAfter();
    await this.opts.db.transaction().execute(async (tx) => {
      breached = await new SlaRepository(tx).settle(incidentId, kind, 'breached', severity, new Date(due), new Date(now));
      if (!breached) return;
      const incidents = new IncidentRepository(tx);
      const summary = await incidents.getSummary(incidentId);
      if (!summary) return;
      await incidents.addTimeline(incidentId, SLA_ACTOR, 'sla.breached', { kind, severity, targetMinutes: breach.targetMinutes, dueAt: breach.dueAt });
      // The acknowledgement breach starts the escalation ladder (level 1 now); a resolve breach notifies level 1's channels once.
      const escalation: NotificationMessage =
        kind === 'ack'
          ? await this.escalations.startLadder(tx, summary, breach, after)
          : this.opts.notifier.escalated(summary, breach, { level: 1, channels: await this.escalations.firstChannels(tx, summary) });
      // Recorded with the breach: once committed, the escalation is sent (now, or by the notify reconcile).
      if (await this.opts.notifier.record(tx, escalation)) after.messages.push(escalation);
      after.stream.push(await appendSlaState(tx, incidentId, now));
    });
    if (!breached) return 'breached';
    this.opts.metrics.slaBreaches.inc({ kind });
    this.opts.logger.info({ incident: incidentId, kind, severity, dueAt: breach.dueAt }, 'SLA breached; escalating');
    await this.escalations.afterCommit(after);
    return 'breached';
  }
}

/** Splits a list into passes of distinct incidents: the n-th mention of an incident goes in pass n, order kept. */
function mentions(incidents: readonly TimedIncident[]): TimedIncident[][] {
  const rounds: TimedIncident[][] = [];
  const seen = new Map<string, number>();
  for (const incident of incidents) {
    const n = seen.get(incident.id) ?? 0;
    seen.set(incident.id, n + 1);
    (rounds[n] ??= []).push(incident);
  }
  return rounds;
}
