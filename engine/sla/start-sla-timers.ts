/**
 * The engine role's SLA timers: `sla.check` workers, the bus subscription that schedules
 * timers for new incidents (and moves them when an incident's severity changes), and the
 * per-minute reconcile for what the at-most-once bus dropped.
 */
import type { Logger } from 'pino';
import type { EventBus, Unsubscribe } from '../bus/event-bus.ts';
import { STREAM_TOPIC, type StreamMessage } from '../bus/events.ts';
import { orderedHandler } from '../bus/ordered-handler.ts';
import type { SlaConfig } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { severityLevel } from '../incident/severity.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { AppMetrics } from '../observability/metrics-registry.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { startPeriodicJob } from '../queue/periodic-job.ts';
import { SlaPolicy } from './sla-policy.ts';
import { SlaService } from './sla-service.ts';

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
  const handler = orderedHandler(
    async (m) => {
      const message = m as StreamMessage;
      if (message.type !== 'incident.created' && message.type !== 'incident.updated') return;
      const { incident } = message;
      // What can move a timer (the severity level) and what cancels escalations (leaving `open`).
      const seen = `${severityLevel(incident.severity)}|${incident.status}`;
      const before = levels.get(incident.id);
      if (message.type === 'incident.updated' && before === seen) return;
      if (incident.status !== 'open' && (before === undefined || before.endsWith('|open'))) await service.escalations.cancel(incident.id, incident.status);
      if (before?.split('|')[0] !== seen.split('|')[0] || message.type === 'incident.created') await service.ensureTimers(incident);
      levels.delete(incident.id);
      levels.set(incident.id, seen);
      if (levels.size > LEVEL_MEMORY) levels.delete(levels.keys().next().value!);
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
