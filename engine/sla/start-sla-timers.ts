/**
 * The engine role's SLA timers: `sla.check` workers, the bus subscription that schedules
 * timers for new incidents (and moves them when an incident's severity changes), and the
 * per-minute reconcile for what the at-most-once bus dropped.
 */
import type { Logger } from 'pino';
import type { EventBus, Unsubscribe } from '../bus/event-bus.ts';
import { STREAM_TOPIC, type StreamMessage } from '../bus/events.ts';
import { orderedBatchHandler } from '../bus/ordered-batch-handler.ts';
import type { SlaConfig } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { severityLevel } from '../incident/severity.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { AppMetrics } from '../observability/metrics-registry.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { startPeriodicJob } from '../queue/periodic-job.ts';
import { SlaPolicy } from './sla-policy.ts';
import { SlaService } from './sla-service.ts';

type StreamIncident = Extract<StreamMessage, { type: 'incident.created' }>['incident'];

export const SLA_RECONCILE_INTERVAL_MS = 60_000;
/** Active incidents older than this without timers get none (see SlaService.reconcile). */
export const SLA_RECONCILE_LOOKBACK_MS = 24 * 3_600_000;
/** Incidents whose last seen severity level is remembered, to skip updates that cannot move a timer. */
const LEVEL_MEMORY = 10_000;

export interface SlaTimersHandle {
  service: SlaService;
  stop(): Promise<void>;
}

export async function startSlaTimers(deps: {
  queue: JobQueue;
  bus: EventBus;
  database: Database;
  notifier: Notifier;
  metrics: AppMetrics;
  logger: Logger;
  config: SlaConfig;
}): Promise<SlaTimersHandle> {
  const service = new SlaService({
    queue: deps.queue,
    db: deps.database.db,
    notifier: deps.notifier,
    metrics: deps.metrics,
    logger: deps.logger,
    policy: new SlaPolicy(deps.config),
    bus: deps.bus,
  });
  if (Object.keys(deps.config.ackMs).length === 0 && Object.keys(deps.config.resolveMs).length === 0) {
    deps.logger.debug({}, 'no SLA targets configured');
    return { service, stop: async () => undefined };
  }
  await deps.queue.process('sla.check', async ({ incidentId, kind }) => ({ outcome: await service.check(incidentId, kind) }), { concurrency: 2 });
  await deps.queue.process('sla.escalate', async ({ incidentId, level }) => ({ outcome: await service.escalations.escalate(incidentId, level) }), { concurrency: 2 });

  const levels = new Map<string, string>();
  const handler = orderedBatchHandler(
    async (batch) => {
      // Cancels run as their message comes; timers are scheduled for the whole batch at once.
      const ensure: StreamIncident[] = [];
      for (const m of batch) {
        const message = m as StreamMessage;
        if (message.type !== 'incident.created' && message.type !== 'incident.updated') continue;
        const { incident } = message;
        // What can move a timer (the severity level) and what cancels escalations (leaving `open`).
        const seen = `${severityLevel(incident.severity)}|${incident.status}`;
        const before = levels.get(incident.id);
        if (message.type === 'incident.updated' && before === seen) continue;
        if (incident.status !== 'open' && (before === undefined || before.endsWith('|open'))) {
          try {
            await service.escalations.cancel(incident.id, incident.status);
          } catch (err) {
            // Not remembered: the incident's next message tries again (and the reconcile).
            deps.logger.warn({ err, incident: incident.id }, 'cancelling escalations failed; the reconcile will catch up');
            continue;
          }
        }
        if (before?.split('|')[0] !== seen.split('|')[0] || message.type === 'incident.created') ensure.push(incident);
        levels.delete(incident.id);
        levels.set(incident.id, seen);
        if (levels.size > LEVEL_MEMORY) levels.delete(levels.keys().next().value!);
      }
      try {
        await service.ensureTimersMany(ensure);
      } catch (err) {
        // Forgotten, so the incidents' next messages try again.
        for (const incident of ensure) levels.delete(incident.id);
        throw err;
      }
    },
    deps.logger,
    'scheduling SLA timers',
  );
  const unsubscribe: Unsubscribe = await deps.bus.subscribe(STREAM_TOPIC, (m) => handler.handle(m));
  await startPeriodicJob({
    queue: deps.queue,
    name: 'sla.reconcile',
    intervalMs: SLA_RECONCILE_INTERVAL_MS,
    run: () => service.reconcile(SLA_RECONCILE_LOOKBACK_MS),
  });
  return {
    service,
    async stop() {
      await unsubscribe();
      await handler.drain();
    },
  };
}
