/**
 * JobQueue on BullMQ 5 and Redis: one BullMQ Queue per job name (created on first use),
 * one Worker per `process()` call. Keys live under `prefix`, which carries a Redis
 * Cluster hash tag (`{aiops}`) so every key of a queue lands in one slot.
 *
 * Two connections are owned here: a producer that fails fast (no offline queue, bounded
 * waits) so ingest can answer 503 while Redis is down, and a consumer connection for
 * workers that waits out outages (BullMQ requires maxRetriesPerRequest: null there).
 */
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Job, JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { unavailable } from '../errors/app-error.ts';
import { UnrecoverableJobError, assertDistinctJobIds } from './job-queue.ts';
import type { AddJobOptions, JobHandler, JobQueue, WorkerOptions } from './job-queue.ts';
import type { JobMap, JobName } from './jobs.ts';
import { waitForReady } from '../redis/wait-for-ready.ts';
import { withTimeout } from '../util/with-timeout.ts';

type QueueLogger = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;

export interface BullmqJobQueueOptions {
  redisUrl: string;
  /** Key prefix with a hash tag, e.g. `{aiops}`; used as given. */
  prefix: string;
  logger: QueueLogger;
  /** Upper bound on add, depth, ping and worker start-up when Redis does not answer. Default 5 s. */
  timeoutMs?: number;
  /**
   * How long a worker holds a job's lock without renewing it. A worker that dies
   * mid-job (a kill, a crash) leaves its job to be taken over by another worker within
   * about twice this. Default 30 s, BullMQ's own.
   */
  lockMs?: number;
}

/** Completed jobs are kept so a re-sent jobId is still recognised (idempotency window). */
const KEEP_COMPLETED = { age: 24 * 3600, count: 10_000 };
/** Failed jobs are kept longer: someone may need to look at them. */
const KEEP_FAILED = { age: 7 * 24 * 3600, count: 50_000 };

export class BullmqJobQueue implements JobQueue {
  private readonly log: QueueLogger;
  private readonly prefix: string;
  private readonly redisUrl: string;
  private readonly timeoutMs: number;
  private readonly lockMs: number;
  private readonly producer: Redis;
  private consumer: Redis | undefined;
  private readonly queues = new Map<JobName, Queue>();
  private readonly workers: Worker[] = [];
  private closing: Promise<void> | undefined;

  constructor(opts: BullmqJobQueueOptions) {
    this.log = opts.logger;
    this.prefix = opts.prefix;
    this.redisUrl = opts.redisUrl;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.lockMs = opts.lockMs ?? 30_000;
    this.producer = new Redis(opts.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: this.timeoutMs,
    });
    // Debug only: the Queues sharing this connection log the same errors at error level.
    this.producer.on('error', (err) => this.log.debug({ err }, 'job queue producer connection error'));
  }

  async add<N extends JobName>(name: N, data: JobMap[N]['data'], opts: AddJobOptions = {}): Promise<{ id: string; added: boolean }> {
    if (this.closing) throw unavailable('the job queue is closing');
    if (opts.jobId !== undefined) assertValidJobId(opts.jobId);
    const queue = this.queueFor(name);
    try {
      await waitForReady(this.producer, this.timeoutMs);
      const job = await withTimeout(
        queue.add(name, data, bullmqOptions(opts)),
        this.timeoutMs,
        'job add',
      );
      const id = job.id!;
      if (opts.jobId === undefined) return { id, added: true };
      // On a known id BullMQ returns our own Job object without storing it; what is
      // stored tells whether this call created it.
      const stored = await withTimeout(queue.getJob(id), this.timeoutMs, 'job lookup');
      const added = stored === undefined || (stored.timestamp === job.timestamp && JSON.stringify(stored.data) === JSON.stringify(job.data));
      return { id, added };
    } catch (err) {
      throw unavailable('the job queue cannot be reached', 5, err);
    }
  }

  async addMany<N extends JobName>(name: N, jobs: ReadonlyArray<{ data: JobMap[N]['data']; opts?: AddJobOptions }>): Promise<Array<{ id: string; added: boolean }>> {
    if (this.closing) throw unavailable('the job queue is closing');
    for (const j of jobs) if (j.opts?.jobId !== undefined) assertValidJobId(j.opts.jobId);
    assertDistinctJobIds(jobs);
    if (jobs.length === 0) return [];
    const queue = this.queueFor(name);
    try {
      await waitForReady(this.producer, this.timeoutMs);
      // One MULTI for every job, instead of a round trip each.
      const added = await withTimeout(queue.addBulk(jobs.map((j) => ({ name, data: j.data, opts: bullmqOptions(j.opts ?? {}) }))), this.timeoutMs, 'job add');
      // As in `add`: on a known id BullMQ hands back our own job unstored; what is stored tells which
      // ones this call created. Read in one pipeline.
      const known = added.flatMap((job, i) => (jobs[i]!.opts?.jobId === undefined ? [] : [job]));
      const pipeline = this.producer.pipeline();
      for (const job of known) pipeline.hmget(queue.toKey(job.id!), 'timestamp', 'data');
      const stored = known.length === 0 ? [] : ((await withTimeout(pipeline.exec(), this.timeoutMs, 'job lookup')) ?? []);
      const createdHere = new Set<Job>();
      for (const [i, job] of known.entries()) {
        const [err, fields] = stored[i] ?? [new Error('no reply')];
        if (err) throw err;
        const [timestamp, data] = fields as [string | null, string | null];
        if (timestamp === null || (Number(timestamp) === job.timestamp && data === JSON.stringify(job.data))) createdHere.add(job);
      }
      return added.map((job, i) => ({ id: job.id!, added: jobs[i]!.opts?.jobId === undefined || createdHere.has(job) }));
    } catch (err) {
      throw unavailable('the job queue cannot be reached', 5, err);
    }
  }

  async process<N extends JobName>(name: N, handler: JobHandler<N>, opts: WorkerOptions = {}): Promise<void> {
    if (this.closing) throw unavailable('the job queue is closing');
    const worker = new Worker(name, (job: Job) => this.run(name, handler, job), {
      connection: this.consumerConnection(),
      prefix: this.prefix,
      concurrency: Math.max(1, opts.concurrency ?? 1),
      lockDuration: this.lockMs,
      stalledInterval: this.lockMs,
    });
    worker.on('error', (err) => this.log.error({ err, queue: name }, 'job worker error'));
    this.workers.push(worker);
    // The worker keeps reconnecting on its own; the caller only learns that Redis is not there yet.
    await withTimeout(worker.waitUntilReady(), this.timeoutMs, 'worker start').catch((err: unknown) => {
      throw unavailable('the job queue cannot be reached', 5, err);
    });
  }

  async depth(name: JobName): Promise<number> {
    await waitForReady(this.producer, this.timeoutMs);
    const counts = await withTimeout(this.queueFor(name).getJobCounts('waiting', 'delayed', 'prioritized', 'paused'), this.timeoutMs, 'job counts');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async ping(): Promise<void> {
    await waitForReady(this.producer, this.timeoutMs);
    await withTimeout(this.producer.ping(), this.timeoutMs, 'ping');
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // A connection that is not up is dropped first and allowed to settle: BullMQ's pending
    // connect then fails while its listeners are still attached. Closing BullMQ's objects
    // first would turn that late failure into an unhandled rejection.
    const consumerUp = this.consumer === undefined || this.consumer.status === 'ready';
    await Promise.all([this.producer, this.consumer].map((c) => c && c.status !== 'ready' && dropAndSettle(c)));
    // Workers next: Worker.close() stops fetching and waits for active jobs (unless Redis
    // is gone, when they could not be completed anyway and will be redelivered).
    this.logRejections('closing a job worker', await Promise.allSettled(this.workers.map((w) => w.close(!consumerUp))));
    this.logRejections('closing a job queue', await Promise.allSettled([...this.queues.values()].map((q) => q.close())));
    await Promise.all([this.consumer, this.producer].map((c) => c && closeClient(c, this.timeoutMs)));
  }

  private logRejections(what: string, results: PromiseSettledResult<unknown>[]): void {
    for (const r of results) if (r.status === 'rejected') this.log.warn({ err: r.reason }, `${what} failed`);
  }

  private queueFor(name: JobName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: this.producer,
        prefix: this.prefix,
        defaultJobOptions: { removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED },
      });
      queue.on('error', (err) => this.log.error({ err, queue: name }, 'job queue error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  private consumerConnection(): Redis {
    if (!this.consumer) {
      this.consumer = new Redis(this.redisUrl, { maxRetriesPerRequest: null });
      this.consumer.on('error', (err) => this.log.debug({ err }, 'job queue consumer connection error'));
    }
    return this.consumer;
  }

  private async run<N extends JobName>(name: N, handler: JobHandler<N>, job: Job): Promise<unknown> {
    // attemptsMade counts finished tries only, so the running one is attemptsMade + 1.
    const attempt = job.attemptsMade + 1;
    const attempts = job.opts.attempts ?? 1;
    try {
      return await handler(job.data as JobMap[N]['data'], { id: job.id!, attempt, attempts });
    } catch (err) {
      const ctx = { err, job: job.id, queue: name, attempt, attempts };
      if (err instanceof UnrecoverableJobError) {
        this.log.error(ctx, 'job failed with an unrecoverable error; not retried');
        throw new UnrecoverableError(err.message);
      }
      if (attempt >= attempts) this.log.error(ctx, 'job failed on its last attempt');
      else this.log.warn(ctx, 'job failed; will retry');
      // BullMQ needs an Error to record the failure.
      throw err instanceof Error ? err : new Error(String(err));
    }
  }
}

function bullmqOptions(opts: AddJobOptions): JobsOptions {
  return { jobId: opts.jobId, delay: opts.delayMs, attempts: opts.attempts ?? 5, backoff: { type: opts.backoff ?? 'fixed', delay: opts.backoffMs ?? 1000 } };
}

/** BullMQ refuses custom ids that are integers or contain ':'; say so before touching Redis. */
function assertValidJobId(id: string): void {
  if (id === '' || `${parseInt(id, 10)}` === id || id.includes(':')) {
    throw new TypeError(`invalid jobId ${JSON.stringify(id)}: must be non-empty, not an integer, without ':'`);
  }
}



/** Disconnects and waits until the client has ended, so listeners see its last error now. */
async function dropAndSettle(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  // A client waiting to reconnect has no socket: it will never emit 'end', nor anything else.
  const waits = client.status !== 'reconnecting';
  const ended = waits ? new Promise<void>((resolve) => client.once('end', () => resolve())) : Promise.resolve();
  client.disconnect();
  await withTimeout(ended, 1000, 'redis disconnect').catch(() => undefined);
  await new Promise((resolve) => setImmediate(resolve));
}

/** QUIT lets pending replies arrive; a connection that is down is just dropped. */
async function closeClient(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await withTimeout(client.quit(), timeoutMs, 'redis quit').catch(() => client.disconnect());
}
