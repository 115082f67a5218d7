/**
 * The correlator role: consumes alert batches from the queue, correlates them in
 * Postgres, then publishes what changed on the bus. Publishing comes after commit; a
 * message lost between the two is still in the stream log, where a console resumes it.
 */
import type { AlertEvent } from '../engine/alert/alert.ts';
import type { EventBus } from '../engine/bus/event-bus.ts';
import { STREAM_TOPIC } from '../engine/bus/events.ts';
import type { Database } from '../engine/db/database.ts';
import type { AppMetrics } from '../engine/observability/metrics-registry.ts';
import { type JobQueue, UnrecoverableJobError } from '../engine/queue/job-queue.ts';
import { correlateBatch } from './correlate-batch.ts';

interface Logger {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface CorrelatorDeps {
  queue: JobQueue;
  database: Database;
  bus: EventBus;
  metrics: AppMetrics;
  logger: Logger;
  windowSeconds: number;
  concurrency: number;
}

export async function startCorrelator(deps: CorrelatorDeps): Promise<void> {
  await deps.queue.process(
    'alerts.ingest',
    async (data) => {
      if (!isBatch(data)) throw new UnrecoverableJobError('alerts.ingest payload is not a batch of alert events');
      const outcome = await correlateBatch(deps.database.db, data, { windowMs: deps.windowSeconds * 1000 });
      deps.metrics.correlatedEvents.inc({ outcome: 'duplicate' }, outcome.duplicates);
      for (const [source, n] of Object.entries(outcome.duplicatesBySource)) deps.metrics.alertsDeduplicated.inc({ source }, n);
      deps.metrics.correlatedEvents.inc({ outcome: 'new' }, data.events.length - outcome.duplicates);
      for (const m of outcome.messages) {
        try {
          await deps.bus.publish(STREAM_TOPIC, m);
        } catch (err) {
          deps.logger.warn({ err, seq: m.seq }, 'could not publish a stream message; consoles will resume it');
        }
      }
      return { incidents: [...new Set(outcome.messages.map((m) => m.incident.id))] };
    },
    { concurrency: deps.concurrency },
  );
}

function isBatch(d: unknown): d is { batchId: string; receivedAt: string; events: AlertEvent[] } {
  if (typeof d !== 'object' || d === null) return false;
  const b = d as Record<string, unknown>;
  return (
    typeof b.batchId === 'string' &&
    typeof b.receivedAt === 'string' &&
    Array.isArray(b.events) &&
    b.events.every((e: unknown) => {
      const ev = e as Record<string, unknown> | null;
      return !!ev && typeof ev.fingerprint === 'string' && (ev.status === 'firing' || ev.status === 'resolved' || ev.status === 'acknowledged') && typeof ev.eventTime === 'string' && !Number.isNaN(Date.parse(ev.eventTime));
    })
  );
}
