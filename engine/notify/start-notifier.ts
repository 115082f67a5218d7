/**
 * The engine role's notifier: `notify.send` workers, the bus subscription that turns
 * incident stream messages into notifications, and the per-minute reconcile that covers
 * what the at-most-once bus dropped. Without targets it starts nothing.
 */
import type { Logger } from 'pino';
import type { EventBus, Unsubscribe } from '../bus/event-bus.ts';
import { STREAM_TOPIC, type StreamMessage } from '../bus/events.ts';
import { orderedHandler } from '../bus/ordered-handler.ts';
import type { NotifyConfig } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import type { AppMetrics } from '../observability/metrics-registry.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { startPeriodicJob } from '../queue/periodic-job.ts';
import { Notifier } from './notifier.ts';

export const NOTIFY_RECONCILE_INTERVAL_MS = 60_000;
/** Openings and resolutions older than this that the bus dropped are not notified late. */
export const NOTIFY_RECONCILE_LOOKBACK_MS = 15 * 60_000;

export interface NotifierHandle {
  notifier: Notifier;
  stop(): Promise<void>;
}

export async function startNotifier(deps: {
  queue: JobQueue;
  bus: EventBus;
  database: Database;
  metrics: AppMetrics;
  logger: Logger;
  config: NotifyConfig;
  publicUrl: string | undefined;
  concurrency?: number;
}): Promise<NotifierHandle> {
  const notifier = new Notifier({ queue: deps.queue, db: deps.database.db, metrics: deps.metrics, logger: deps.logger, config: deps.config, publicUrl: deps.publicUrl });
  if (notifier.targets.length === 0) {
    deps.logger.debug({}, 'no notification targets configured');
    return { notifier, stop: async () => undefined };
  }
  await deps.queue.process('notify.send', (data, ctx) => notifier.send(data, ctx), { concurrency: deps.concurrency ?? 4 });
  const handler = orderedHandler(
    async (m) => {
      const message = m as StreamMessage;
      if (message.type === 'incident.created') await notifier.notify(notifier.opened(message.incident));
      // A repeated message (or the reconcile) finds the resolution recorded and sends nothing.
      else if (message.type === 'incident.updated' && (message.incident.status === 'resolved' || message.incident.status === 'closed') && message.incident.resolvedAt !== null) {
        await notifier.notify(notifier.resolved(message.incident));
      }
    },
    deps.logger,
    'notifying an incident event',
  );
  const unsubscribe: Unsubscribe = await deps.bus.subscribe(STREAM_TOPIC, (m) => handler.handle(m));
  await startPeriodicJob({
    queue: deps.queue,
    name: 'notify.reconcile',
    intervalMs: NOTIFY_RECONCILE_INTERVAL_MS,
    run: async () => ({ enqueued: await notifier.reconcile(NOTIFY_RECONCILE_LOOKBACK_MS) }),
  });
  deps.logger.info({ targets: notifier.targets.map((t) => t.key), events: deps.config.events }, 'notifications enabled');
  return {
    notifier,
    async stop() {
      await unsubscribe();
      await handler.drain();
    },
  };
}
