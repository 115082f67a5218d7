/**
 * Outbound notifications on incident events (opened, escalated, resolved) to every
 * configured target, through the job queue: recording an event is one insert, and the
 * HTTP calls happen in `notify.send` jobs (one per event and target, retried with
 * exponential backoff), so nothing upstream ever waits on a slow receiver.
 *
 * Each event is recorded once in `incident_notifications` (its key is the idempotency:
 * a repeated bus message, a second engine process, or the reconcile finding the same
 * event record nothing new), then queued with a job id per event and target.
 */
import type { Logger } from 'pino';
import type { NotifyConfig, NotifyEvent } from '../config/config.ts';
import type { Executor } from '../db/executor.ts';
import type { AppMetrics } from '../observability/metrics-registry.ts';
import { type JobContext, type JobQueue, UnrecoverableJobError } from '../queue/job-queue.ts';
import type { JobMap } from '../queue/jobs.ts';
import { deliverNotification } from './deliver-notification.ts';
import { targetsOf } from '../sla/escalation-policy.ts';
import { type IncidentFacts, NotificationRepository } from './notification-repository.ts';
import { type NotificationMessage, type NotifyTarget, type SlaBreach, configuredTargets, jobIdPart, occurrenceOf, snapshotOf } from './notification.ts';

type NotifierLogger = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;

export interface NotifierOptions {
  queue: JobQueue;
  db: Executor;
  metrics: AppMetrics;
  logger: NotifierLogger;
  config: NotifyConfig;
  publicUrl: string | undefined;
  now?: () => number;
}

export class Notifier {
  readonly targets: readonly NotifyTarget[];
  private readonly byKey: ReadonlyMap<string, NotifyTarget>;
  private readonly events: ReadonlySet<NotifyEvent>;
  private readonly now: () => number;

  constructor(private readonly opts: NotifierOptions) {
    this.targets = configuredTargets(opts.config);
    this.byKey = new Map(this.targets.map((t) => [t.key, t]));
    this.events = new Set(opts.config.events);
    this.now = opts.now ?? Date.now;
  }

  /** Whether anything would be sent for this event. */
  wants(event: NotifyEvent): boolean {
    return this.targets.length > 0 && this.events.has(event);
  }

  opened(incident: IncidentFacts): NotificationMessage {
    return { event: 'opened', at: incident.createdAt, incident: snapshotOf(incident, this.opts.publicUrl) };
  }

  escalated(incident: IncidentFacts, breach: SlaBreach, escalation?: { level: number; channels: string[]; at?: string }): NotificationMessage {
    const message: NotificationMessage = { event: 'escalated', at: escalation?.at ?? breach.breachedAt, incident: snapshotOf(incident, this.opts.publicUrl), breach };
    if (escalation) message.escalation = { level: escalation.level, channels: escalation.channels };
    return message;
  }

  /** The targets a message goes to: its escalation level's channels, or every target. */
  targetsFor(message: NotificationMessage): readonly NotifyTarget[] {
    return message.escalation ? targetsOf(message.escalation.channels, this.targets) : this.targets;
  }

  resolved(incident: IncidentFacts): NotificationMessage {
    return { event: 'resolved', at: incident.resolvedAt ?? new Date(this.now()).toISOString(), incident: snapshotOf(incident, this.opts.publicUrl) };
  }

  /**
   * Records the event in `db` (a workflow may pass its transaction, so the event is
   * recorded with the change behind it). True when newly recorded: the caller then
   * dispatches it, after its commit.
   */
  async record(db: Executor, message: NotificationMessage): Promise<boolean> {
    if (!this.wants(message.event) || this.targetsFor(message).length === 0) return false;
    return new NotificationRepository(db).record(message);
  }

  /**
   * Queues one job per target, then marks the event queued. A failure leaves it unmarked
   * for the reconcile to queue later; adding the same job twice is a no-op.
   */
  async dispatch(message: NotificationMessage): Promise<void> {
    const base = `notify-${message.event}-${jobIdPart(message.incident.id)}-${jobIdPart(occurrenceOf(message))}`;
    for (const target of this.targetsFor(message)) {
      await this.opts.queue.add(
        'notify.send',
        { target: { kind: target.kind, key: target.key }, message },
        { jobId: `${base}-${target.key}`, attempts: this.opts.config.attempts, backoffMs: this.opts.config.backoffMs, backoff: 'exponential' },
      );
    }
    await new NotificationRepository(this.opts.db).markEnqueued(message, new Date(this.now()));
  }

  /** Records and, when new, dispatches. */
  async notify(message: NotificationMessage): Promise<boolean> {
    if (!(await this.record(this.opts.db, message))) return false;
    await this.dispatch(message);
    return true;
  }

  /** The `notify.send` job: one delivery to one target. */
  async send(data: JobMap['notify.send']['data'], ctx: JobContext): Promise<{ status: number }> {
    const target = this.byKey.get(data.target.key);
    if (!target) {
      // Configuration changed since the job was queued: that receiver is no longer wanted.
      this.opts.logger.warn({ target: data.target.key, job: ctx.id }, 'notification target is no longer configured; dropped');
      return { status: 0 };
    }
    try {
      const status = await deliverNotification(target, data.message, { deliveryId: ctx.id, secret: this.opts.config.webhookSecret, timeoutMs: this.opts.config.timeoutMs });
      this.opts.metrics.notificationsSent.inc({ target: target.kind });
      return { status };
    } catch (err) {
      const last = err instanceof UnrecoverableJobError || ctx.attempt >= ctx.attempts;
      this.opts.metrics.notificationsFailed.inc({ target: target.kind, outcome: last ? 'gave_up' : 'retry' });
      throw err;
    }
  }

  /**
   * Queues what was recorded but never queued, and records (then queues) openings and
   * resolutions of the last `lookbackMs` that the bus did not bring. Older events are let
   * go: a notification about something long past helps nobody.
   */
  async reconcile(lookbackMs: number, limit = 500): Promise<number> {
    if (this.targets.length === 0) return 0;
    const repo = new NotificationRepository(this.opts.db);
    const now = this.now();
    let enqueued = 0;
    // A grace period, so an event being dispatched right now is not queued a second time (harmless, but noisy).
    for (const message of await repo.unqueued(new Date(now - 30_000), limit)) {
      await this.dispatch(message);
      enqueued++;
    }
    const since = new Date(now - lookbackMs);
    if (this.wants('opened')) {
      for (const incident of await repo.openedMissing(since, limit)) if (await this.notify(this.opened(incident))) enqueued++;
    }
    if (this.wants('resolved')) {
      for (const incident of await repo.resolvedMissing(since, limit)) if (await this.notify(this.resolved(incident))) enqueued++;
    }
    return enqueued;
  }
}
