/**
 * The in-process JobQueue: the default when no Redis is configured, with the same
 * semantics as the BullMQ adapter (retries with fixed or exponential backoff, delays, idempotent ids,
 * concurrency, no retry on UnrecoverableJobError).
 *
 * Durability comes from an append-only journal (one JSON line per add and per ack),
 * fsynced before `add` resolves, replayed on first use and compacted as it grows. One
 * process owns a journal at a time; two processes on one file are not supported.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { unavailable } from '../errors/app-error.ts';
import { UnrecoverableJobError, assertDistinctJobIds, backoffDelay } from './job-queue.ts';
import type { AddJobOptions, BackoffKind, JobHandler, JobQueue, WorkerOptions } from './job-queue.ts';
import type { JobMap, JobName } from './jobs.ts';

type QueueLogger = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;

export interface EmbeddedJobQueueOptions {
  /** Append-only journal file; without it the queue is memory-only (tests). */
  journalPath?: string;
  logger: QueueLogger;
  /** The journal is rewritten once it has at least this many lines, most of them dead. */
  compactMinLines?: number;
}

/** Finished ids are remembered this long, and at most this many, like BullMQ's retention. */
const FINISHED_RETAIN_MS = 24 * 3600_000;
const FINISHED_RETAIN_COUNT = 10_000;

interface QueuedJob {
  id: string;
  name: JobName;
  /** The payload as JSON text: each try parses its own copy, as a Redis round trip would. */
  payload: string;
  attempts: number;
  backoffMs: number;
  backoff: BackoffKind;
  runAt: number;
  attemptsMade: number;
}

interface Consumer {
  handler: (data: unknown, ctx: { id: string; attempt: number; attempts: number }) => Promise<unknown>;
  concurrency: number;
  active: number;
}

type JournalRecord =
  // `backoff` is absent on fixed backoff (and in journals written before it existed).
  | { t: 'add'; id: string; name: JobName; data: unknown; attempts: number; backoffMs: number; backoff?: 'exponential'; runAt: number }
  | { t: 'ack'; id: string; at: number };

export class EmbeddedJobQueue implements JobQueue {
  private readonly log: QueueLogger;
  private readonly journal: Journal | undefined;
  /** Known unfinished jobs: waiting, delayed, active or backing off. */
  private readonly jobs = new Map<string, QueuedJob>();
  /** Ids whose add is being journaled, so a concurrent duplicate is refused. */
  private readonly reserved = new Set<string>();
  private readonly finished = new RetainedIds();
  private readonly ready = new Map<JobName, QueuedJob[]>();
  /** Sorted by runAt, earliest first. */
  private readonly delayed: QueuedJob[] = [];
  private readonly consumers = new Map<JobName, Consumer[]>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(opts: EmbeddedJobQueueOptions) {
    this.log = opts.logger;
    this.journal = opts.journalPath === undefined ? undefined : new Journal(opts.journalPath, opts.compactMinLines ?? 1000);
  }

  async add<N extends JobName>(
    name: N,
    data: JobMap[N]['data'],
    opts: AddJobOptions = {},
  ): Promise<{ id: string; added: boolean }> {
    this.assertOpen();
    if (opts.jobId !== undefined) assertValidJobId(opts.jobId);
    await this.load();
    const id = opts.jobId ?? randomUUID();
    if (this.jobs.has(id) || this.reserved.has(id) || this.finished.has(id)) return { id, added: false };

    const payload = JSON.stringify(data);
    const job: QueuedJob = {
      id,
      name,
      payload,
      attempts: Math.max(1, Math.floor(opts.attempts ?? 5)),
      backoffMs: Math.max(0, opts.backoffMs ?? 1000),
      backoff: opts.backoff ?? 'fixed',
      runAt: Date.now() + Math.max(0, opts.delayMs ?? 0),
      attemptsMade: 0,
    };
    if (this.journal) {
      this.reserved.add(id);
      try {
        await this.journal.append({
          t: 'add',
          id,
          name,
          data: JSON.parse(payload),
          attempts: job.attempts,
          backoffMs: job.backoffMs,
          ...(job.backoff === 'exponential' ? { backoff: 'exponential' as const } : {}),
          runAt: job.runAt,
        });
      } catch (err) {
        throw unavailable('the job journal cannot be written', 5, err);
      } finally {
        this.reserved.delete(id);
      }
    }
    this.jobs.set(id, job);
    this.schedule(job);
    return { id, added: true };
  }

  async addMany<N extends JobName>(name: N, jobs: ReadonlyArray<{ data: JobMap[N]['data']; opts?: AddJobOptions }>): Promise<Array<{ id: string; added: boolean }>> {
    assertDistinctJobIds(jobs);
    // In memory there is no round trip to save; each is journaled as `add` does.
    return Promise.all(jobs.map((j) => this.add(name, j.data, j.opts)));
  }

  async process<N extends JobName>(name: N, handler: JobHandler<N>, opts: WorkerOptions = {}): Promise<void> {
    this.assertOpen();
    await this.load();
    const list = this.consumers.get(name) ?? [];
    list.push({ handler: handler as Consumer['handler'], concurrency: Math.max(1, opts.concurrency ?? 1), active: 0 });
    this.consumers.set(name, list);
    this.pump(name);
  }

  async depth(name: JobName): Promise<number> {
    await this.load();
    return (this.ready.get(name)?.length ?? 0) + this.delayed.filter((j) => j.name === name).length;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await this.load();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.timer);
    // pump() starts nothing once closing is set, so this loop ends.
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    // Unfinished jobs stay in the journal and are replayed by the next instance.
    await this.loading?.catch(() => undefined);
    await this.journal?.close();
  }

  private assertOpen(): void {
    if (this.closing) throw unavailable('the job queue is closing');
  }

  /** Replays the journal once; a failed load is retried on the next call. */
  private load(): Promise<void> {
    this.loading ??= this.replay().catch((err: unknown) => {
      this.loading = undefined;
      throw unavailable('the job journal cannot be read', 5, err);
    });
    return this.loading;
  }

  private async replay(): Promise<void> {
    if (!this.journal) return;
    const { pending, acked } = await this.journal.open();
    for (const [id, at] of acked) this.finished.add(id, at);
    for (const r of pending) {
      const job: QueuedJob = {
        id: r.id,
        name: r.name,
        payload: JSON.stringify(r.data),
        attempts: r.attempts,
        backoffMs: r.backoffMs,
        backoff: r.backoff ?? 'fixed',
        runAt: r.runAt,
        attemptsMade: 0,
      };
      this.jobs.set(job.id, job);
      this.schedule(job);
    }
    if (pending.length > 0) this.log.info({ jobs: pending.length }, 'replayed unfinished jobs from the journal');
  }

  private schedule(job: QueuedJob): void {
    if (job.runAt <= Date.now()) {
      const list = this.ready.get(job.name) ?? [];
      list.push(job);
      this.ready.set(job.name, list);
      this.pump(job.name);
      return;
    }
    // Binary insertion keeps `delayed` sorted; equal runAt keeps add order.
    let lo = 0;
    let hi = this.delayed.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.delayed[mid]!.runAt <= job.runAt) lo = mid + 1;
      else hi = mid;
    }
    this.delayed.splice(lo, 0, job);
    if (lo === 0) this.armTimer();
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.delayed[0];
    if (!next || this.closing) return;
    // unref: a pending delayed job must not keep an otherwise finished process alive.
    this.timer = setTimeout(() => this.promoteDue(), Math.max(0, next.runAt - Date.now())).unref();
  }

  private promoteDue(): void {
    const now = Date.now();
    // Timers may fire a little early; anything not yet due waits for the re-armed timer.
    while (this.delayed.length > 0 && this.delayed[0]!.runAt <= now) this.schedule(this.delayed.shift()!);
    this.armTimer();
  }

  private pump(name: JobName): void {
    if (this.closing) return;
    const queue = this.ready.get(name);
    const consumers = this.consumers.get(name);
    if (!queue || !consumers) return;
    while (queue.length > 0) {
      const consumer = consumers.find((c) => c.active < c.concurrency);
      if (!consumer) return;
      const job = queue.shift()!;
      consumer.active++;
      const run = this.run(consumer, job).finally(() => {
        consumer.active--;
        this.running.delete(run);
        this.pump(name);
      });
      this.running.add(run);
    }
  }

  private async run(consumer: Consumer, job: QueuedJob): Promise<void> {
    const attempt = ++job.attemptsMade;
    try {
      await consumer.handler(JSON.parse(job.payload), { id: job.id, attempt, attempts: job.attempts });
      this.finish(job);
    } catch (err) {
      const ctx = { err, job: job.id, queue: job.name, attempt, attempts: job.attempts };
      if (err instanceof UnrecoverableJobError) {
        this.log.error(ctx, 'job failed with an unrecoverable error; not retried');
        this.finish(job);
      } else if (attempt >= job.attempts) {
        this.log.error(ctx, 'job failed on its last attempt');
        this.finish(job);
      } else {
        this.log.warn(ctx, 'job failed; will retry');
        // While closing, the job is left unacked in the journal for the next instance.
        if (!this.closing) {
          job.runAt = Date.now() + backoffDelay(job.backoff, job.backoffMs, attempt);
          this.schedule(job);
        }
      }
    }
  }

  private finish(job: QueuedJob): void {
    const at = Date.now();
    this.jobs.delete(job.id);
    this.finished.add(job.id, at);
    // Not awaited: a lost ack only means an idempotent job runs again after a crash.
    this.journal?.append({ t: 'ack', id: job.id, at }).catch((err: unknown) => {
      this.log.warn({ err, job: job.id }, 'could not journal a job completion');
    });
  }
}

/**
 * BullMQ refuses custom ids that are integers or contain ':'; the embedded queue refuses
 * them too so that code which works on one adapter works on the other.
 */
function assertValidJobId(id: string): void {
  if (id === '' || `${parseInt(id, 10)}` === id || id.includes(':')) {
    throw new TypeError(`invalid jobId ${JSON.stringify(id)}: must be non-empty, not an integer, without ':'`);
  }
}

/** Ids of finished jobs, bounded by count and age; Map order is finish order. */
class RetainedIds {
  private readonly ids = new Map<string, number>();

  add(id: string, at: number): void {
    this.ids.delete(id);
    this.ids.set(id, at);
    this.prune();
  }

  has(id: string): boolean {
    this.prune();
    return this.ids.has(id);
  }

  entries(): IterableIterator<[string, number]> {
    this.prune();
    return this.ids.entries();
  }

  get size(): number {
    return this.ids.size;
  }

  delete(id: string): void {
    this.ids.delete(id);
  }

  private prune(): void {
    const oldest = Date.now() - FINISHED_RETAIN_MS;
    for (const [id, at] of this.ids) {
      if (this.ids.size <= FINISHED_RETAIN_COUNT && at >= oldest) break;
      this.ids.delete(id);
    }
  }
}

interface PendingWrite {
  record: JournalRecord;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The append-only file. Writes are group-committed: every record queued while one
 * write+fdatasync is in flight goes out in the next single write+fdatasync.
 * It tracks which of its own lines are still live (unacked adds, retained acks), so a
 * compaction rewrites exactly what the file means, whatever the queue is doing.
 */
class Journal {
  private fh: FileHandle | undefined;
  private queue: PendingWrite[] = [];
  private flushing: Promise<void> | undefined;
  private lines = 0;
  /** After a failed write the file may end mid-line; the next write starts a new line. */
  private torn = false;
  private readonly adds = new Map<string, string>();
  private readonly acks = new RetainedIds();

  constructor(
    private readonly path: string,
    private readonly compactMinLines: number,
  ) {}

  /** Reads what the file holds, then rewrites it compacted (which also drops a torn last line). */
  async open(): Promise<{ pending: Array<Extract<JournalRecord, { t: 'add' }>>; acked: Array<[string, number]> }> {
    await mkdir(dirname(this.path), { recursive: true });
    let text = '';
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const pending = new Map<string, Extract<JournalRecord, { t: 'add' }>>();
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let record: JournalRecord;
      try {
        record = JSON.parse(line) as JournalRecord;
      } catch {
        // A torn line from a crash mid-write: its add never resolved, so nothing was promised.
        continue;
      }
      this.track(record, `${line}\n`);
      if (record.t === 'add') pending.set(record.id, record);
      else pending.delete(record.id);
    }
    await this.compact();
    return { pending: [...pending.values()], acked: [...this.acks.entries()] };
  }

  append(record: JournalRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.flushing ??= this.flush().finally(() => {
        this.flushing = undefined;
      });
    });
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.fh?.close();
    this.fh = undefined;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const lines = batch.map((w) => `${JSON.stringify(w.record)}\n`);
      try {
        if (!this.fh) throw new Error('the journal is not open');
        await this.fh.appendFile((this.torn ? '\n' : '') + lines.join(''));
        this.torn = false;
        await this.fh.datasync();
      } catch (err) {
        this.torn = true;
        for (const w of batch) w.reject(err);
        continue;
      }
      batch.forEach((w, i) => this.track(w.record, lines[i]!));
      this.lines += batch.length;
      for (const w of batch) w.resolve();
      if (this.lines >= this.compactMinLines && this.lines >= 2 * (this.adds.size + this.acks.size)) {
        try {
          await this.compact();
        } catch {
          // The old file is still intact and complete; compaction is retried after the next write.
        }
      }
    }
  }

  private track(record: JournalRecord, line: string): void {
    if (record.t === 'add') {
      this.acks.delete(record.id);
      this.adds.set(record.id, line);
    } else {
      this.adds.delete(record.id);
      this.acks.add(record.id, record.at);
    }
  }

  /** Writes the live lines to a temporary file and renames it over the journal (atomic). */
  private async compact(): Promise<void> {
    const live = [...[...this.acks.entries()].map(([id, at]) => `${JSON.stringify({ t: 'ack', id, at })}\n`), ...this.adds.values()];
    const tmp = `${this.path}.compact`;
    const out = await open(tmp, 'w');
    try {
      await out.writeFile(live.join(''));
      await out.sync();
    } finally {
      await out.close();
    }
    await this.fh?.close();
    this.fh = undefined;
    try {
      await rename(tmp, this.path);
      const dir = await open(dirname(this.path), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      this.lines = live.length;
      this.torn = false;
    } finally {
      // Whether or not the rename happened, appends continue on whatever file is at `path`.
      this.fh = await open(this.path, 'a');
    }
  }
}
