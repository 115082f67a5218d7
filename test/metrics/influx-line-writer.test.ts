/**
 * InfluxLineWriter on its own, with a send function standing in for InfluxDB's write
 * endpoint (the adapter around it runs against a real server in the contract suite).
 */
import { HttpError } from '@influxdata/influxdb-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InfluxLineWriter, type InfluxLineWriterOptions } from '../../engine/metrics/influx-line-writer.ts';

interface Sent {
  body: string;
  settle(err?: Error): void;
}

function writer(overrides: Partial<InfluxLineWriterOptions> = {}) {
  const sent: Sent[] = [];
  const retries: Array<{ lines: number; attempt: number }> = [];
  const dropped: Array<{ lines: number; attempt: number; err: Error }> = [];
  const w = new InfluxLineWriter({
    send: (parts) =>
      new Promise<void>((resolve, reject) => {
        sent.push({ body: Buffer.concat(parts).toString('utf8'), settle: (err) => (err ? reject(err) : resolve()) });
      }),
    batchLines: 10,
    batchBytes: 1_000,
    flushIntervalMs: 1_000,
    maxInFlight: 2,
    retry: { maxRetries: 2, maxRetryTimeMs: 60_000, minDelayMs: 1_000, maxDelayMs: 4_000, jitterMs: 0 },
    onRetry: (_err, lines, attempt) => retries.push({ lines, attempt }),
    onDropped: (err, lines, attempt) => dropped.push({ lines, attempt, err }),
    ...overrides,
  });
  return { w, sent, retries, dropped };
}

const b = (text: string): Buffer => Buffer.from(text, 'utf8');

/** Lets the promise callbacks of settled sends run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('InfluxLineWriter', () => {
  it('sends the text of several calls as one batch once it holds batchLines lines', async () => {
    const { w, sent } = writer();
    w.add(b('m v=1 1\nm v=2 2'), 2);
    w.add(b('m v=3 3'), 1);
    expect(sent).toEqual([]);
    expect(w.unsettledLines).toBe(3);
    w.add(b(Array.from({ length: 7 }, (_, i) => `m v=${i + 4} ${i + 4}`).join('\n')), 7);
    expect(sent.map((s) => s.body.split('\n').length)).toEqual([10]);
    expect(sent[0]?.body.startsWith('m v=1 1\nm v=2 2\nm v=3 3\nm v=4 4')).toBe(true);
    expect(w.unsettledLines).toBe(10);
    sent[0]?.settle();
    await settle();
    expect(w.unsettledLines).toBe(0);
  });

  it('sends a large text alone, never split, and starts a new batch rather than overfill one', () => {
    const { w, sent } = writer({ batchBytes: 100 });
    w.add(b('m v=1 1'), 1);
    const big = `m s="${'x'.repeat(200)}" 2`;
    w.add(b(big), 1);
    expect(sent.map((s) => s.body)).toEqual(['m v=1 1', big]);
  });

  it('sends what waits after flushIntervalMs', async () => {
    vi.useFakeTimers();
    const { w, sent } = writer();
    w.add(b('m v=1 1'), 1);
    await vi.advanceTimersByTimeAsync(999);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((s) => s.body)).toEqual(['m v=1 1']);
  });

  it('retries a batch after a network error or a 5xx with backoff, then drops it after maxRetries', async () => {
    vi.useFakeTimers();
    const { w, sent, retries, dropped } = writer();
    w.add(b('m v=1 1'), 1);
    await vi.advanceTimersByTimeAsync(1_000);
    sent[0]?.settle(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(retries).toEqual([{ lines: 1, attempt: 1 }]);
    expect(w.unsettledLines).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    sent[1]?.settle(new HttpError(503, 'Service Unavailable'));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(sent).toHaveLength(3);
    sent[2]?.settle(new HttpError(500, 'Internal Server Error'));
    await vi.advanceTimersByTimeAsync(0);
    expect(dropped.map((d) => [d.lines, d.attempt])).toEqual([[1, 3]]);
    expect(w.unsettledLines).toBe(0);
  });

  it('waits as long as Retry-After says, in seconds', async () => {
    vi.useFakeTimers();
    const { w, sent } = writer();
    w.add(b('m v=1 1'), 1);
    await vi.advanceTimersByTimeAsync(1_000);
    sent[0]?.settle(new HttpError(429, 'Too Many Requests', '', '3', undefined, undefined, { 'retry-after': '3' }));
    await vi.advanceTimersByTimeAsync(2_999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
  });

  it('drops a batch InfluxDB refuses (4xx) at once, without holding back the others', async () => {
    const { w, sent, retries, dropped } = writer({ batchLines: 1 });
    w.add(b('bad'), 1);
    w.add(b('m v=1 1'), 1);
    sent[0]?.settle(new HttpError(400, 'Bad Request', '{"error":"unable to parse"}', undefined, 'application/json'));
    sent[1]?.settle();
    await settle();
    expect(retries).toEqual([]);
    expect(dropped.map((d) => d.lines)).toEqual([1]);
    expect(w.unsettledLines).toBe(0);
  });

  it('keeps at most maxInFlight batches on the wire, the others queued in order', async () => {
    const { w, sent } = writer({ batchLines: 1 });
    for (let i = 1; i <= 4; i++) w.add(b(`m v=${i} ${i}`), 1);
    expect(sent.map((s) => s.body)).toEqual(['m v=1 1', 'm v=2 2']);
    expect(w.unsettledLines).toBe(4);
    sent[1]?.settle();
    await settle();
    expect(sent.map((s) => s.body)).toEqual(['m v=1 1', 'm v=2 2', 'm v=3 3']);
    expect(w.unsettledLines).toBe(3);
    const flushed = w.flush();
    sent[0]?.settle();
    await settle();
    sent[2]?.settle();
    await settle();
    expect(sent).toHaveLength(4);
    sent[3]?.settle();
    await flushed;
    expect(w.unsettledLines).toBe(0);
  });

  it('flush sends what waits, retries at once what waits for a retry, and resolves once all is stored', async () => {
    const { w, sent } = writer({ batchLines: 2 });
    w.add(b('m v=1 1\nm v=2 2'), 2);
    sent[0]?.settle(new Error('socket hang up'));
    await settle();
    w.add(b('m v=3 3'), 1);
    const flushed = w.flush();
    let done = false;
    void flushed.then(() => (done = true));
    await settle();
    expect(sent.map((s) => s.body)).toEqual(['m v=1 1\nm v=2 2', 'm v=3 3', 'm v=1 1\nm v=2 2']);
    sent[1]?.settle();
    await settle();
    expect(done).toBe(false);
    sent[2]?.settle();
    await flushed;
    expect(w.unsettledLines).toBe(0);
  });

  it('flush throws when a send fails meanwhile, and the lines wait for a retry', async () => {
    const { w, sent } = writer();
    w.add(b('m v=1 1'), 1);
    const flushed = w.flush();
    sent[0]?.settle(new Error('socket hang up'));
    await expect(flushed).rejects.toThrow('socket hang up');
    expect(w.unsettledLines).toBe(1);
    expect(w.close()).toBe(1);
  });

  it('close reports what is left behind, and refuses more', () => {
    const { w } = writer();
    w.add(b('m v=1 1\nm v=2 2'), 2);
    expect(w.close()).toBe(2);
    expect(() => w.add(b('m v=3 3'), 1)).toThrow(/closed/);
  });
});
