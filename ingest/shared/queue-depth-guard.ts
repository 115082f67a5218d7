/**
 * Refuses new alert batches while the queue's backlog is over its limit: senders get
 * 503 with Retry-After and send again later, instead of the backlog (and the embedded
 * queue's memory) growing without bound while correlation catches up. The depth is read
 * at most once per `refreshMs`, by one request at a time, so the check costs no round
 * trip on the hot path.
 */
import { unavailable } from '../../engine/errors/app-error.ts';
import type { JobQueue } from '../../engine/queue/job-queue.ts';

export class QueueDepthGuard {
  private depth = 0;
  private readAt = 0;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly queue: JobQueue,
    private readonly maxDepth: number,
    private readonly refreshMs = 1000,
  ) {}

  async check(): Promise<void> {
    if (Date.now() - this.readAt >= this.refreshMs) {
      this.reading ??= this.queue
        .depth('alerts.ingest')
        .then((d) => {
          this.depth = d;
        })
        // An unreadable depth is not a reason to refuse: `add` reports a queue that is down.
        .catch(() => undefined)
        .finally(() => {
          this.readAt = Date.now();
          this.reading = undefined;
        });
      await this.reading;
    }
    if (this.depth > this.maxDepth) {
      throw unavailable(`${this.depth} alert batches are waiting to be correlated (limit ${this.maxDepth}); retry later`, 10);
    }
  }
}
