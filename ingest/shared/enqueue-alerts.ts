/**
 * Puts requests' normalized alerts on the queue; each request resolves only once its alerts
 * are durably stored there. Every delivery is queued, a re-sent one too: deduplication
 * happens per event in the correlator (one event per fingerprint, status and source time),
 * which also counts the repeat and moves last-seen, as a re-sent firing should.
 *
 * Requests share jobs (natural batching): while an add is on its way to the queue, the
 * requests that arrive wait and go together in the next add, as one job of several
 * batches (each keeps its batch id and receive time). A quiet ingest adds each request at
 * once, as before; a busy one makes fewer, larger jobs, and a job costs the queue and the
 * correlator about the same whatever its size (three queue round trips and a JSON parse).
 *
 * A job holds at most `MAX_EVENTS_PER_JOB` alerts: a request of more is split into several
 * jobs under its one batch id, stored with the others of the same add (`addMany`, one
 * transaction on Redis). A correlator holds up to `CORRELATOR_CONCURRENCY` jobs in memory at
 * once, so this is what bounds its memory: 256 jobs of 200 alerts, whatever the senders'
 * request sizes (BODY_LIMIT_BYTES allows thousands of alerts in one request).
 */
import { randomUUID } from 'node:crypto';
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { AppError, unavailable } from '../../engine/errors/app-error.ts';
import type { IngestBatch } from '../../engine/queue/jobs.ts';
import type { JobQueue } from '../../engine/queue/job-queue.ts';

export const MAX_EVENTS_PER_JOB = 200;

interface Waiting {
  batch: IngestBatch;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class AlertEnqueuer {
  private readonly waiting: Waiting[] = [];
  /** Whether an add is on its way; requests arriving meanwhile wait and share the next one. */
  private adding = false;

  constructor(private readonly queue: JobQueue) {}

  /** Resolves once the request's alerts are stored on the queue; 503 (AppError) when they cannot be. */
  enqueue(events: AlertEvent[], receivedAt: string): Promise<{ batchId: string }> {
    const batchId = randomUUID();
    return new Promise<{ batchId: string }>((resolve, reject) => {
      this.waiting.push({ batch: { batchId, receivedAt, events }, resolve: () => resolve({ batchId }), reject });
      if (!this.adding) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.adding = true;
    while (this.waiting.length > 0) {
      const taken = this.waiting.splice(0);
      try {
        const jobs = packJobs(taken.map((t) => t.batch));
        if (jobs.length === 1) await this.queue.add('alerts.ingest', jobs[0]!);
        // If only some were stored, the senders' retries are deduplicated per event.
        else await this.queue.addMany('alerts.ingest', jobs.map((data) => ({ data })));
        for (const t of taken) t.resolve();
      } catch (err) {
        const refusal = err instanceof AppError ? err : unavailable('the alert queue is unavailable; retry later', 5, err);
        for (const t of taken) t.reject(refusal);
      }
    }
    this.adding = false;
  }
}

/**
 * Packs batches, in order, into jobs of at most MAX_EVENTS_PER_JOB alerts. A batch is split
 * only when it alone holds more (its parts keep its batch id and stay in order).
 */
function packJobs(batches: readonly IngestBatch[]): Array<{ batches: IngestBatch[] }> {
  const jobs: Array<{ batches: IngestBatch[] }> = [];
  let current: IngestBatch[] = [];
  let size = 0;
  const close = () => {
    if (current.length > 0) jobs.push({ batches: current });
    current = [];
    size = 0;
  };
  for (const b of batches) {
    for (let i = 0; i === 0 || i < b.events.length; i += MAX_EVENTS_PER_JOB) {
      const part = b.events.length <= MAX_EVENTS_PER_JOB ? b : { ...b, events: b.events.slice(i, i + MAX_EVENTS_PER_JOB) };
      if (size + part.events.length > MAX_EVENTS_PER_JOB) close();
      current.push(part);
      size += part.events.length;
    }
  }
  close();
  return jobs;
}
