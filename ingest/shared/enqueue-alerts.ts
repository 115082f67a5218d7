/**
 * Puts one request's normalized alerts on the queue and resolves only once they are
 * durably stored there. Every delivery is queued, a re-sent one too: deduplication
 * happens per event in the correlator (one event per fingerprint, status and source
 * time), which also counts the repeat and moves last-seen, as a re-sent firing should.
 */
import { randomUUID } from 'node:crypto';
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { AppError, unavailable } from '../../engine/errors/app-error.ts';
import type { JobQueue } from '../../engine/queue/job-queue.ts';

export async function enqueueAlerts(queue: JobQueue, events: AlertEvent[], receivedAt: string): Promise<{ batchId: string }> {
  const batchId = randomUUID();
  try {
    await queue.add('alerts.ingest', { batchId, receivedAt, events });
    return { batchId };
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw unavailable('the alert queue is unavailable; retry later', 5, err);
  }
}
