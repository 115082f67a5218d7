/**
 * The engine role's problem mining, as a delayed job per time slot (like the stream log's
 * pruning): every engine process schedules the same slot's job id, so it runs once however many
 * there are, and each run schedules the next slot. Known errors the run's sweep attached are
 * published on the bus after commit (the stream log already holds them).
 */
import type { EventBus } from '../../engine/bus/event-bus.ts';
import { STREAM_TOPIC } from '../../engine/bus/events.ts';
import type { ProblemConfig } from '../../engine/config/config.ts';
import type { Database } from '../../engine/db/database.ts';
import type { JobQueue } from '../../engine/queue/job-queue.ts';
import type { TopologySnapshots } from '../../engine/problem/topology-snapshot.ts';
import { ProblemMiner } from './problem-miner.ts';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ProblemMiningDeps {
  queue: JobQueue;
  database: Database;
  bus: EventBus;
  logger: Logger;
  config: ProblemConfig;
  topology?: TopologySnapshots;
  now?: () => number;
}

export async function startProblemMining(deps: ProblemMiningDeps): Promise<ProblemMiner> {
  const now = deps.now ?? Date.now;
  const intervalMs = deps.config.mineIntervalMinutes * 60_000;
  const miner = new ProblemMiner({
    db: deps.database.db,
    minOccurrences: deps.config.minOccurrences,
    windowDays: deps.config.windowDays,
    resuggestAfter: deps.config.resuggestAfter,
    now,
    ...(deps.topology ? { topology: deps.topology } : {}),
  });
  const schedule = async (slot: number) => {
    await deps.queue.add('problems.mine', { slot }, { jobId: `problems.mine-${slot}`, delayMs: Math.max(0, slot * intervalMs - now()), attempts: 2 });
  };
  await deps.queue.process('problems.mine', async ({ slot }) => {
    try {
      const report = await miner.run();
      for (const m of report.attached) {
        try {
          await deps.bus.publish(STREAM_TOPIC, m);
        } catch (err) {
          deps.logger.warn({ err, seq: m.seq }, 'could not publish problem.attached; consoles will resume it');
        }
      }
      const linked = Object.values(report.linked).reduce((a, b) => a + b, 0);
      if (report.created.length > 0 || linked > 0 || report.attached.length > 0) {
        deps.logger.info({ created: report.created.length, linked, resuggested: report.resuggested.length, attached: report.attached.length }, 'problem mining changed problems');
      }
      return { signatures: report.signatures, created: report.created.length, linked, resuggested: report.resuggested.length, attached: report.attached.length };
    } finally {
      // A failed run must not end the schedule.
      await schedule(slot + 1);
    }
  });
  await schedule(Math.floor(now() / intervalMs) + 1);
  return miner;
}
