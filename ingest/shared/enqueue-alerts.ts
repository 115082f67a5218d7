/**
 * Puts one request's normalized alerts on the queue and resolves only once they are
 * durably stored there. Every delivery is queued, a re-sent one too: deduplication
 * happens per event in the correlator (one event per fingerprint, status and source
 * time), which also counts the repeat and moves last-seen, as a re-sent firing should.
 *
 * A request of more than `MAX_EVENTS_PER_JOB` alerts is queued as several jobs of that many
 * at most, stored together (`addMany`) under the request's one batch id. A correlator holds
 * up to `CORRELATOR_CONCURRENCY` jobs in memory at once, so this is what bounds its memory:
 * 256 jobs of 200 alerts, whatever the senders' request sizes (BODY_LIMIT_BYTES allows
 * thousands of alerts in one request).
 */
import { randomUUID } from 'node:crypto';
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { AppError, unavailable } from '../../engine/errors/app-error.ts';
import type { JobQueue } from '../../engine/queue/job-queue.ts';

export const MAX_EVENTS_PER_JOB = 200;

export async function enqueueAlerts(queue: JobQueue, events: AlertEvent[], receivedAt: string): Promise<{ batchId: string }> {
  const batchId = randomUUID();
  try {
    if (events.length <= MAX_EVENTS_PER_JOB) {
      await queue.add('alerts.ingest', { batchId, receivedAt, events });
    } else {
      // If only some were stored, the sender's retry is deduplicated per event.
      const jobs = [];
      for (let i = 0; i < events.length; i += MAX_EVENTS_PER_JOB) jobs.push({ data: { batchId, receivedAt, events: events.slice(i, i + MAX_EVENTS_PER_JOB) } });
      await queue.addMany('alerts.ingest', jobs);
    }
    return { batchId };
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw unavailable('the alert queue is unavailable; retry later', 5, err);
  }
}
