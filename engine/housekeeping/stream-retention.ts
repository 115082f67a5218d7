/**
 * The engine role's housekeeping: the stream log is pruned hourly to a retention
 * window, so the table stays bounded. Scheduled as a delayed job whose id is its time
 * slot: several engine processes schedule the same slot and it runs once.
 */
import type { Database } from '../db/database.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { StreamRepository } from '../stream/stream-repository.ts';

export const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export async function startStreamRetention(deps: { queue: JobQueue; database: Database; retentionMs: number; now?: () => number }): Promise<void> {
  const now = deps.now ?? Date.now;
  const schedule = async (slot: number) => {
    await deps.queue.add('stream.prune', { slot }, { jobId: `stream.prune-${slot}`, delayMs: Math.max(0, slot * PRUNE_INTERVAL_MS - now()) });
  };
  await deps.queue.process('stream.prune', async ({ slot }) => {
    const deleted = await new StreamRepository(deps.database.db).prune(new Date(now() - deps.retentionMs));
    await schedule(slot + 1);
    return { deleted };
  });
  await schedule(Math.floor(now() / PRUNE_INTERVAL_MS) + 1);
}
