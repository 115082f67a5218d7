/**
 * The JobQueue contract (engine/queue/job-queue.ts), run against every adapter: BullMQ on
 * the real Redis, and the embedded queue with and without its journal.
 */
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { itWhen } from '../support/it-when.ts';
import { BullmqJobQueue } from '../../engine/queue/bullmq-job-queue.ts';
import { EmbeddedJobQueue } from '../../engine/queue/embedded-job-queue.ts';
import { UnrecoverableJobError } from '../../engine/queue/job-queue.ts';
import type { JobContext, JobQueue } from '../../engine/queue/job-queue.ts';
import { REDIS_URL, uniqueQueuePrefix } from '../support/isolation.ts';
import { deleteRedisPrefix } from '../support/redis-prefix.ts';

const logger = pino({ level: 'silent' });

interface QueueAdapter {
  name: string;
  /** Jobs survive a new instance on the same namespace (a restart, or another process). */
  durable: boolean;
  setup(): Promise<void>;
  /** A queue on namespace `ns`; opening the same `ns` again reaches the same jobs. */
  open(ns: string): JobQueue;
  teardown(): Promise<void>;
}

function bullmqAdapter(): QueueAdapter {
  const prefix = uniqueQueuePrefix();
  return {
    name: 'bullmq',
    durable: true,
    async setup() {},
    // The suite's hash tag stays first, so every namespace of the suite is in one slot.
    open: (ns) => new BullmqJobQueue({ redisUrl: REDIS_URL, prefix: `${prefix}${ns}`, logger }),
    async teardown() {
      await deleteRedisPrefix(REDIS_URL, prefix);
    },
  };
}

function embeddedAdapter(withJournal: boolean): QueueAdapter {
  let dir = '';
  return {
    name: withJournal ? 'embedded (journal)' : 'embedded (memory)',
    durable: withJournal,
    async setup() {
      dir = await mkdtemp(join(tmpdir(), 'job-queue-contract-'));
    },
    open: (ns) => new EmbeddedJobQueue({ journalPath: withJournal ? join(dir, `${ns}.journal`) : undefined, logger }),
    async teardown() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

describe.each([bullmqAdapter(), embeddedAdapter(true), embeddedAdapter(false)])('JobQueue contract: $name', (adapter) => {
  let counter = 0;
  const opened: JobQueue[] = [];
  const nextNs = () => `ns${++counter}`;
  const openQueue = (ns = nextNs()) => {
    const q = adapter.open(ns);
    opened.push(q);
    return q;
  };

  beforeAll(() => adapter.setup());
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((q) => q.close()));
  });
  afterAll(() => adapter.teardown());

  it('runs a job once, with a copy of its data, as attempt 1', async () => {
    const q = openQueue();
    const value = { nested: [1, 'two', { three: true }], none: null };
    const runs: Array<{ data: unknown; ctx: JobContext }> = [];
    const { id, added } = await q.add('test.echo', { value });
    value.nested.push('changed after add');
    expect(added).toBe(true);
    await q.process('test.echo', async (data, ctx) => {
      runs.push({ data, ctx });
      return data;
    });
    await waitFor(() => runs.length === 1);
    expect(runs[0]!.data).toEqual({ value: { nested: [1, 'two', { three: true }], none: null } });
    expect(runs[0]!.ctx).toEqual({ id, attempt: 1, attempts: 5 });
  });

  it('does not add or run a known jobId again, before or after it completed', async () => {
    const q = openQueue();
    const runs: unknown[] = [];
    expect(await q.add('test.echo', { value: 'first' }, { jobId: 'dup-1' })).toEqual({ id: 'dup-1', added: true });
    expect(await q.add('test.echo', { value: 'second' }, { jobId: 'dup-1' })).toEqual({ id: 'dup-1', added: false });
    await q.process('test.echo', async (data) => {
      runs.push(data.value);
      return data;
    });
    await waitFor(() => runs.length === 1);
    await sleep(50);
    expect(await q.add('test.echo', { value: 'third' }, { jobId: 'dup-1' })).toEqual({ id: 'dup-1', added: false });
    // Concurrent adds of one new id: exactly one wins.
    const racing = await Promise.all([
      q.add('test.echo', { value: 'race-a' }, { jobId: 'dup-2' }),
      q.add('test.echo', { value: 'race-b' }, { jobId: 'dup-2' }),
    ]);
    expect(racing.filter((r) => r.added)).toHaveLength(1);
    await q.add('test.echo', { value: 'sentinel' });
    await waitFor(() => runs.includes('sentinel'));
    expect(runs.filter((v) => v !== 'sentinel')).toHaveLength(2);
    expect(runs[0]).toBe('first');
  });

  it('adds many jobs at once as adding each would: known ids skipped, delays kept, every new one run once', async () => {
    const q = openQueue();
    expect(await q.addMany('test.echo', [])).toEqual([]);
    expect(await q.add('test.echo', { value: 'known' }, { jobId: 'many-known' })).toEqual({ id: 'many-known', added: true });
    const addedAt = Date.now();
    const result = await q.addMany('test.echo', [
      { data: { value: 'a' }, opts: { jobId: 'many-a' } },
      { data: { value: 'again' }, opts: { jobId: 'many-known' } },
      { data: { value: 'no id' } },
      { data: { value: 'later' }, opts: { jobId: 'many-later', delayMs: 300 } },
    ]);
    expect(result.map((r) => r.added)).toEqual([true, false, true, true]);
    expect(result.map((r) => r.id)).toEqual(['many-a', 'many-known', result[2]!.id, 'many-later']);
    expect(await q.depth('test.echo')).toBe(4);
    // A second call with the same ids adds nothing.
    expect((await q.addMany('test.echo', [{ data: { value: 'a2' }, opts: { jobId: 'many-a' } }])).map((r) => r.added)).toEqual([false]);
    await expect(q.addMany('test.echo', [{ data: { value: 1 }, opts: { jobId: 'twice' } }, { data: { value: 2 }, opts: { jobId: 'twice' } }])).rejects.toThrow(TypeError);
    const ran = new Map<unknown, number>();
    await q.process('test.echo', async (data) => {
      ran.set(data.value, Date.now());
      return data;
    });
    await waitFor(() => ran.size === 4);
    await sleep(50);
    expect([...ran.keys()].sort()).toEqual(['a', 'known', 'later', 'no id']);
    expect(ran.get('later')! - addedAt).toBeGreaterThanOrEqual(300);
  });

  it('retries a failing handler with backoff until it succeeds (attempts 1, 2, 3)', async () => {
    const q = openQueue();
    const tries: Array<{ attempt: number; at: number }> = [];
    await q.process('test.echo', async (data, ctx) => {
      tries.push({ attempt: ctx.attempt, at: Date.now() });
      if (ctx.attempt < 3) throw new Error('transient');
      return data;
    });
    await q.add('test.echo', { value: 1 }, { attempts: 5, backoffMs: 50 });
    await waitFor(() => tries.length >= 3);
    await sleep(200);
    expect(tries.map((t) => t.attempt)).toEqual([1, 2, 3]);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(45);
    expect(tries[2]!.at - tries[1]!.at).toBeGreaterThanOrEqual(45);
  });

  it('doubles the wait after every failed retry with exponential backoff, and tells the handler its last attempt', async () => {
    const q = openQueue();
    const tries: Array<{ attempt: number; attempts: number; at: number }> = [];
    await q.process('test.echo', async (_data, ctx) => {
      tries.push({ attempt: ctx.attempt, attempts: ctx.attempts, at: Date.now() });
      if (ctx.attempt < 4) throw new Error('transient');
      return { value: 'done' };
    });
    await q.add('test.echo', { value: 1 }, { attempts: 4, backoffMs: 100, backoff: 'exponential' });
    await waitFor(() => tries.length >= 4, 8000);
    expect(tries.map((t) => [t.attempt, t.attempts])).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]]);
    const gaps = tries.slice(1).map((t, i) => t.at - tries[i]!.at);
    // 100, 200, 400 ms at least (timers may fire a few ms early).
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(395);
  });

  it('stops after `attempts` tries in all', async () => {
    const q = openQueue();
    const attempts: number[] = [];
    await q.process('test.echo', async (_data, ctx) => {
      attempts.push(ctx.attempt);
      throw new Error('always');
    });
    await q.add('test.echo', { value: 1 }, { attempts: 2, backoffMs: 50 });
    await waitFor(() => attempts.length >= 2);
    await sleep(250);
    expect(attempts).toEqual([1, 2]);
  });

  it('does not retry an UnrecoverableJobError', async () => {
    const q = openQueue();
    let runs = 0;
    await q.process('test.echo', async () => {
      runs++;
      throw new UnrecoverableJobError('bad payload');
    });
    await q.add('test.echo', { value: 1 }, { attempts: 5, backoffMs: 50 });
    await waitFor(() => runs >= 1);
    await sleep(300);
    expect(runs).toBe(1);
  });

  it('postpones a delayed job by at least delayMs', async () => {
    const q = openQueue();
    const ran = new Map<unknown, number>();
    await q.process('test.echo', async (data) => {
      ran.set(data.value, Date.now());
      return data;
    });
    const addedAt = Date.now();
    await q.add('test.echo', { value: 'delayed' }, { delayMs: 300 });
    await q.add('test.echo', { value: 'now' });
    await waitFor(() => ran.size === 2);
    expect(ran.get('delayed')! - addedAt).toBeGreaterThanOrEqual(300);
    expect(ran.get('now')!).toBeLessThan(ran.get('delayed')!);
  });

  it('counts waiting and delayed jobs in depth, before any worker exists', async () => {
    const q = openQueue();
    await q.add('test.echo', { value: 1 });
    await q.add('test.echo', { value: 2 });
    await q.add('test.echo', { value: 3 }, { delayMs: 60_000 });
    expect(await q.depth('test.echo')).toBe(3);
    expect(await q.depth('alerts.ingest')).toBe(0);
    let runs = 0;
    await q.process('test.echo', async (data) => {
      runs++;
      return data;
    });
    await waitFor(() => runs === 2);
    expect(await q.depth('test.echo')).toBe(1);
  });

  it('runs at most `concurrency` jobs at once per worker', async () => {
    const q = openQueue();
    let active = 0;
    let peak = 0;
    let done = 0;
    await q.process(
      'test.echo',
      async (data) => {
        active++;
        peak = Math.max(peak, active);
        await sleep(100);
        active--;
        done++;
        return data;
      },
      { concurrency: 2 },
    );
    for (let i = 0; i < 4; i++) await q.add('test.echo', { value: i });
    await waitFor(() => done === 4);
    expect(peak).toBe(2);
  });

  it('close waits for the active job, then refuses new jobs', async () => {
    const q = openQueue();
    let started = false;
    let finished = false;
    await q.process('test.echo', async (data) => {
      started = true;
      await sleep(300);
      finished = true;
      return data;
    });
    await q.add('test.echo', { value: 1 });
    await waitFor(() => started);
    await q.close();
    expect(finished).toBe(true);
    await expect(q.add('test.echo', { value: 2 })).rejects.toMatchObject({ status: 503 });
  });

  it('refuses job ids that BullMQ cannot store (integers, colons)', async () => {
    const q = openQueue();
    await expect(q.add('test.echo', { value: 1 }, { jobId: '42' })).rejects.toThrow(TypeError);
    await expect(q.add('test.echo', { value: 1 }, { jobId: 'a:b' })).rejects.toThrow(TypeError);
    await q.ping();
  });

  itWhen(adapter.durable)('replays jobs added before a restart, and remembers finished ids', async () => {
    const ns = nextNs();
    const first = openQueue(ns);
    await first.add('test.echo', { value: 'a' }, { jobId: 'replay-a' });
    await first.add('test.echo', { value: 'b' }, { delayMs: 100 });
    await first.close();

    const second = openQueue(ns);
    expect(await second.depth('test.echo')).toBe(2);
    expect((await second.add('test.echo', { value: 'again' }, { jobId: 'replay-a' })).added).toBe(false);
    const runs: unknown[] = [];
    await second.process('test.echo', async (data) => {
      runs.push(data.value);
      return data;
    });
    await waitFor(() => runs.length === 2);
    expect(runs.sort()).toEqual(['a', 'b']);
    await second.close();

    const third = openQueue(ns);
    const later: unknown[] = [];
    await third.process('test.echo', async (data) => {
      later.push(data.value);
      return data;
    });
    expect((await third.add('test.echo', { value: 'again' }, { jobId: 'replay-a' })).added).toBe(false);
    await third.add('test.echo', { value: 'sentinel' });
    await waitFor(() => later.includes('sentinel'));
    expect(later).toEqual(['sentinel']);
  });

  itWhen(adapter.durable)('keeps the exponential backoff of a job across a restart', async () => {
    const ns = nextNs();
    const first = openQueue(ns);
    await first.add('test.echo', { value: 'exp' }, { jobId: 'replay-exp', attempts: 3, backoffMs: 150, backoff: 'exponential' });
    await first.close();

    const second = openQueue(ns);
    const tries: number[] = [];
    await second.process('test.echo', async (data, ctx) => {
      tries.push(Date.now());
      if (ctx.attempt < 3) throw new Error('transient');
      return data;
    });
    await waitFor(() => tries.length >= 3, 8000);
    expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(145);
    expect(tries[2]! - tries[1]!).toBeGreaterThanOrEqual(295);
  });

  itWhen(adapter.name === 'bullmq')('hands a job added by one instance to a worker of another', async () => {
    const ns = nextNs();
    const producer = openQueue(ns);
    const consumer = openQueue(ns);
    const runs: unknown[] = [];
    await consumer.process('test.echo', async (data) => {
      runs.push(data.value);
      return data;
    });
    await producer.add('test.echo', { value: 'across' });
    await waitFor(() => runs.length === 1);
    expect(runs).toEqual(['across']);
  });

  itWhen(adapter.name === 'bullmq')('rejects add quickly with a 503 when Redis cannot be reached', async () => {
    const q = new BullmqJobQueue({ redisUrl: 'redis://127.0.0.1:1', prefix: uniqueQueuePrefix(), logger });
    opened.push(q);
    const started = Date.now();
    await expect(q.add('test.echo', { value: 1 })).rejects.toMatchObject({ status: 503 });
    await expect(q.add('test.echo', { value: 2 })).rejects.toMatchObject({ status: 503 });
    await expect(q.ping()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
  });

  itWhen(adapter.name === 'embedded (journal)')('replays after a crash (no close) and ignores a torn last line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'job-queue-crash-'));
    try {
      const journalPath = join(dir, 'crash.journal');
      const crashed = new EmbeddedJobQueue({ journalPath, logger });
      opened.push(crashed);
      await crashed.add('test.echo', { value: 'survivor' });
      // What a crash in the middle of a write leaves behind.
      await appendFile(journalPath, '{"t":"add","id":"torn","na');

      const restarted = new EmbeddedJobQueue({ journalPath, logger });
      opened.push(restarted);
      const runs: unknown[] = [];
      await restarted.process('test.echo', async (data) => {
        runs.push(data.value);
        return data;
      });
      await restarted.add('test.echo', { value: 'sentinel' });
      await waitFor(() => runs.includes('sentinel'));
      expect(runs).toEqual(['survivor', 'sentinel']);
    } finally {
      await Promise.all(opened.splice(0).map((q) => q.close()));
      await rm(dir, { recursive: true, force: true });
    }
  });

  itWhen(adapter.name === 'embedded (journal)')('compacts the journal once acknowledged lines dominate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'job-queue-compact-'));
    try {
      const journalPath = join(dir, 'compact.journal');
      const q = new EmbeddedJobQueue({ journalPath, logger, compactMinLines: 20 });
      let done = 0;
      await q.process('test.echo', async (data) => {
        done++;
        return data;
      });
      for (let i = 0; i < 30; i++) await q.add('test.echo', { value: i }, { jobId: `job-${i}` });
      await waitFor(() => done === 30);
      await q.close();
      const lines = (await readFile(journalPath, 'utf8')).split('\n').filter(Boolean);
      // Uncompacted it would hold 60 lines (an add and an ack per job).
      expect(lines.length).toBeLessThan(60);
      const reopened = new EmbeddedJobQueue({ journalPath, logger });
      expect(await reopened.depth('test.echo')).toBe(0);
      expect((await reopened.add('test.echo', { value: 0 }, { jobId: 'job-0' })).added).toBe(false);
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
