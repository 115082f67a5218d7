/**
 * JobQueue: durable work distribution between roles and processes.
 *
 * Contract (checked by test/contract/job-queue.contract.test.ts against every adapter):
 * - `add` resolves only once the job is durably stored; if it cannot be, it rejects
 *   with an AppError 503 carrying Retry-After, within a bounded time. `addMany` is the
 *   same for many jobs at once.
 * - A `jobId` must not be an integer string nor contain `:` (BullMQ reserves both);
 *   both adapters reject such ids with a TypeError.
 * - A job added with a `jobId` that is already known (waiting, delayed, active, or
 *   completed and still retained) is not added again: the call resolves with `added: false`.
 * - A handler that throws is retried up to `attempts` times in all, with `backoffMs`
 *   between tries (`backoff: 'exponential'`: `backoffMs × 2^(n−1)` before retry n, BullMQ's
 *   formula); a handler throwing `UnrecoverableJobError` is not retried.
 * - `delayMs` postpones the first try by at least that long.
 * - Payloads are plain JSON; they are cloned across the boundary (no shared references).
 * - Processors must be idempotent: a job can run more than once (crash mid-run).
 */
import type { JobMap, JobName } from './jobs.ts';

export interface AddJobOptions {
  /** Idempotency key: a second add with the same id is a no-op. */
  jobId?: string;
  delayMs?: number;
  /** Tries in all, including the first. Default 5. */
  attempts?: number;
  /** Wait between tries (the first wait, with exponential backoff). Default 1000 ms. */
  backoffMs?: number;
  /** `fixed` (default): `backoffMs` every time; `exponential`: doubles after every failed retry. */
  backoff?: BackoffKind;
}

export type BackoffKind = 'fixed' | 'exponential';

/** The wait before retry number `retry` (1 for the second try). */
export function backoffDelay(kind: BackoffKind, backoffMs: number, retry: number): number {
  return kind === 'exponential' ? Math.round(2 ** Math.max(0, retry - 1) * backoffMs) : backoffMs;
}

export interface JobContext {
  id: string;
  /** 1 on the first try. */
  attempt: number;
  /** Tries in all; `attempt === attempts` is the last one. */
  attempts: number;
}

export type JobHandler<N extends JobName> = (data: JobMap[N]['data'], ctx: JobContext) => Promise<JobMap[N]['result']>;

export interface WorkerOptions {
  concurrency?: number;
}

export interface JobQueue {
  add<N extends JobName>(name: N, data: JobMap[N]['data'], opts?: AddJobOptions): Promise<{ id: string; added: boolean }>;
  /**
   * Adds many jobs of one name as `add` adds each (same outcome, in the given order), in one
   * round trip where the backend allows. Resolves once every job is stored; on a rejection some
   * may have been (job ids make the retry safe). Job ids within one call must be distinct
   * (TypeError otherwise).
   */
  addMany<N extends JobName>(name: N, jobs: ReadonlyArray<{ data: JobMap[N]['data']; opts?: AddJobOptions }>): Promise<Array<{ id: string; added: boolean }>>;
  /** Starts consuming jobs of this name in this process. */
  process<N extends JobName>(name: N, handler: JobHandler<N>, opts?: WorkerOptions): Promise<void>;
  /** Jobs waiting or delayed (not yet active), for backpressure and the queue-depth gauge. */
  depth(name: JobName): Promise<number>;
  /** Throws when the backing store cannot be reached. */
  ping(): Promise<void>;
  /** Stops taking new jobs, waits for active ones to finish, then releases connections. */
  close(): Promise<void>;
}

/** Thrown by a handler for a job that can never succeed (bad payload): no retry. */
export class UnrecoverableJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnrecoverableJobError';
  }
}

/** Job ids given to one `addMany` call must differ: which of two would win is not defined. */
export function assertDistinctJobIds(jobs: ReadonlyArray<{ opts?: AddJobOptions }>): void {
  const ids = new Set<string>();
  for (const j of jobs) {
    const id = j.opts?.jobId;
    if (id === undefined) continue;
    if (ids.has(id)) throw new TypeError(`jobId ${JSON.stringify(id)} is given twice in one addMany`);
    ids.add(id);
  }
}
