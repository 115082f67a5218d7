/**
 * A job that runs once per time slot, whatever the number of processes: each slot is a
 * delayed job whose id is the slot number, so every process may schedule it and it runs
 * once. A run schedules the next slot before it does its work, so a failing run (retried,
 * or given up) never breaks the chain; a process start schedules the next slot too.
 */
import type { JobQueue } from './job-queue.ts';
import type { JobMap, JobName } from './jobs.ts';

/** Job names whose payload is just a slot number. */
export type SlotJobName = { [N in JobName]: JobMap[N]['data'] extends { slot: number } ? (keyof JobMap[N]['data'] extends 'slot' ? N : never) : never }[JobName];

export interface PeriodicJobOptions<N extends SlotJobName> {
  queue: JobQueue;
  name: N;
  intervalMs: number;
  run: (slot: number) => Promise<JobMap[N]['result']>;
  now?: () => number;
}

export async function startPeriodicJob<N extends SlotJobName>(opts: PeriodicJobOptions<N>): Promise<void> {
  const now = opts.now ?? Date.now;
  const schedule = async (slot: number) => {
    await opts.queue.add(opts.name, { slot } as JobMap[N]['data'], {
      jobId: `${opts.name}-${slot}`,
      delayMs: Math.max(0, slot * opts.intervalMs - now()),
    });
  };
  await opts.queue.process(opts.name, async (data) => {
    const { slot } = data as { slot: number };
    // A slot that ran late (the process was down) is followed by the next slot from now, not a backlog.
    await schedule(Math.max(slot + 1, Math.floor(now() / opts.intervalMs) + 1));
    return opts.run(slot);
  });
  await schedule(Math.floor(now() / opts.intervalMs) + 1);
}
