/**
 * Puts one request's normalized alerts on the queue and resolves only once they are
 * durably stored there. The job id is a hash of the request's source and events, so a
 * sender retrying the same delivery after a timeout adds no second job; the correlator
 * deduplicates again by event, so nothing is counted twice either way.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { AppError, unavailable } from '../../engine/errors/app-error.ts';
import type { JobQueue } from '../../engine/queue/job-queue.ts';

export async function enqueueAlerts(queue: JobQueue, source: string, events: AlertEvent[], receivedAt: string): Promise<{ batchId: string; duplicate: boolean }> {
  const digest = createHash('sha256').update(source).update(JSON.stringify(events)).digest('hex').slice(0, 32);
  const jobId = `${source}-${digest}`;
  const batchId = randomUUID();
  try {
    const { added } = await queue.add('alerts.ingest', { batchId, receivedAt, events }, { jobId });
    return { batchId, duplicate: !added };
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw unavailable('the alert queue is unavailable; retry later', 5, err);
  }
}
