/**
 * Batches line protocol to one InfluxDB write endpoint (one precision) for the Influx
 * metric store, in place of the client's WriteApi, which takes one string per line: that
 * meant splitting every validated body into lines, measuring each line's UTF-8 length,
 * joining them and encoding them again, about a third of our CPU per point once parsing
 * was cheap.
 *
 * - `add(data, lines)` appends validated lines (bytes, `lines` of them) to the open batch.
 *   The batch is sent when it holds `batchLines` lines or `batchBytes` bytes, or
 *   `flushIntervalMs` after its first line, so small writes go out together and large ones
 *   go out as they are, never split, copied line by line or encoded again.
 * - At most `maxInFlight` batches are on the wire at once; the others queue, in order. More
 *   would not make InfluxDB write faster, only slower to answer each one: under a backlog,
 *   unbounded concurrent writes end in timeouts, retries and dropped batches.
 * - A batch that fails for a reason a retry can fix (network, timeout, 429, 5xx: the
 *   client's own rule) is sent again after a backoff (the server's Retry-After, else
 *   exponential with jitter), at most `maxRetries` times and within `maxRetryTimeMs` of
 *   its first try; then it is dropped. Other failures drop it at once.
 * - `unsettledLines` counts the lines neither stored nor dropped yet (buffered, queued, on
 *   the wire or waiting for a retry). Nothing here is bounded by itself: the store refuses writes
 *   (503) while that count is too high.
 */
import { HttpError } from '@influxdata/influxdb-client';

const NEWLINE = Buffer.from('\n');

export interface InfluxLineWriterOptions {
  /** Sends one batch (its parts one after the other); resolves once InfluxDB stored it, rejects with the client's error types. */
  send(parts: readonly Uint8Array[]): Promise<void>;
  batchLines: number;
  batchBytes: number;
  flushIntervalMs: number;
  maxInFlight: number;
  retry: RetryOptions;
  onRetry(err: Error, lines: number, attempt: number): void;
  onDropped(err: Error, lines: number, attempt: number): void;
  /** A batch left the wire (stored, dropped, or waiting for a retry): room may have been made. */
  onSettled?(): void;
}

export interface RetryOptions {
  maxRetries: number;
  maxRetryTimeMs: number;
  minDelayMs: number;
  maxDelayMs: number;
  jitterMs: number;
}

interface Batch {
  /** The lines of every `add`, with `\n` between them: sent as they are, never joined into one copy. */
  parts: Uint8Array[];
  lines: number;
  /** Failed sends so far. */
  failures: number;
  /** No retry starts after this (epoch ms). */
  expires: number;
}

interface WaitingBatch {
  batch: Batch;
  timer: NodeJS.Timeout;
}

export class InfluxLineWriter {
  readonly #opts: InfluxLineWriterOptions;
  #parts: Uint8Array[] = [];
  #lines = 0;
  #bytes = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  #linesInFlight = 0;
  /** Batches ready to go, waiting for a place on the wire. */
  #queue: Batch[] = [];
  #linesQueued = 0;
  readonly #waiting = new Set<WaitingBatch>();
  /** Failed sends so far, and the last error: flush reports a failure that happened while it waited. */
  #failures = 0;
  #lastError: Error | undefined;
  #closed = false;

  constructor(opts: InfluxLineWriterOptions) {
    this.#opts = opts;
  }

  /** Lines accepted and neither stored nor dropped yet: buffered, queued, on the wire or waiting to be retried. */
  get unsettledLines(): number {
    let lines = this.#lines + this.#linesQueued + this.#linesInFlight;
    for (const w of this.#waiting) lines += w.batch.lines;
    return lines;
  }

  /** `data`: `lines` whole lines of line protocol (UTF-8, joined by `\n`), kept as they are until sent. */
  add(data: Uint8Array, lines: number): void {
    if (this.#closed) throw new Error('the InfluxDB line writer is closed');
    if (lines === 0) return;
    // Lines that would take the open batch past its size go into the next one.
    if (this.#lines > 0 && this.#bytes + data.length > this.#opts.batchBytes) this.#sendOpenBatch();
    if (this.#parts.length > 0) this.#parts.push(NEWLINE);
    this.#parts.push(data);
    this.#lines += lines;
    this.#bytes += data.length + 1;
    if (this.#lines >= this.#opts.batchLines || this.#bytes >= this.#opts.batchBytes) {
      this.#sendOpenBatch();
    } else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#sendOpenBatch();
      }, this.#opts.flushIntervalMs);
    }
  }

  /**
   * Sends the open batch, retries at once every batch waiting for a retry, and waits until
   * nothing is buffered, queued, on the wire or waiting. Throws when a send failed
   * meanwhile: its lines then wait for a retry again, or were dropped.
   */
  async flush(): Promise<void> {
    const failuresBefore = this.#failures;
    for (;;) {
      this.#sendOpenBatch();
      for (const waiting of this.#waiting) {
        clearTimeout(waiting.timer);
        this.#waiting.delete(waiting);
        this.#send(waiting.batch);
      }
      if (this.#inFlight.size === 0 && this.#queue.length === 0) return;
      await Promise.all(this.#inFlight);
      if (this.#failures !== failuresBefore) throw this.#lastError ?? new Error('a write to InfluxDB failed');
    }
  }

  /**
   * Stops: nothing more is sent or retried. Returns the lines left behind (buffered or
   * waiting for a retry); call `flush` first to leave none.
   */
  close(): number {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    let left = this.#lines + this.#linesQueued;
    for (const waiting of this.#waiting) {
      clearTimeout(waiting.timer);
      left += waiting.batch.lines;
    }
    this.#waiting.clear();
    this.#queue = [];
    this.#linesQueued = 0;
    this.#parts = [];
    this.#lines = 0;
    this.#bytes = 0;
    return left;
  }

  #sendOpenBatch(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#lines === 0) return;
    const batch: Batch = { parts: this.#parts, lines: this.#lines, failures: 0, expires: Date.now() + this.#opts.retry.maxRetryTimeMs };
    this.#parts = [];
    this.#lines = 0;
    this.#bytes = 0;
    this.#send(batch);
  }

  /** Sends `batch` now, or queues it while maxInFlight batches are on the wire. */
  #send(batch: Batch): void {
    if (this.#inFlight.size >= this.#opts.maxInFlight) {
      this.#queue.push(batch);
      this.#linesQueued += batch.lines;
      return;
    }
    this.#linesInFlight += batch.lines;
    const sent: Promise<void> = this.#opts
      .send(batch.parts)
      .then(
        () => undefined,
        (err: unknown) => this.#failed(batch, err instanceof Error ? err : new Error(String(err))),
      )
      .finally(() => {
        this.#linesInFlight -= batch.lines;
        this.#inFlight.delete(sent);
        const next = this.#queue.shift();
        if (next !== undefined && !this.#closed) {
          this.#linesQueued -= next.lines;
          this.#send(next);
        }
        this.#opts.onSettled?.();
      });
    this.#inFlight.add(sent);
  }

  #failed(batch: Batch, err: Error): void {
    // InfluxDB Enterprise's informational answer: the points are stored (the client's rule).
    if (err instanceof HttpError && typeof err.json?.error === 'string' && err.json.error.includes('hinted handoff queue not empty')) return;
    this.#failures++;
    this.#lastError = err;
    batch.failures++;
    const { retry } = this.#opts;
    const retriable = !(err instanceof HttpError) || err.statusCode >= 429;
    const delay = this.#retryDelay(err, batch.failures);
    if (this.#closed || !retriable || batch.failures > retry.maxRetries || Date.now() + delay > batch.expires) {
      this.#opts.onDropped(err, batch.lines, batch.failures);
      return;
    }
    this.#opts.onRetry(err, batch.lines, batch.failures);
    const waiting: WaitingBatch = {
      batch,
      timer: setTimeout(() => {
        this.#waiting.delete(waiting);
        this.#send(batch);
      }, delay),
    };
    this.#waiting.add(waiting);
  }

  /** The server's Retry-After when it sent one, else exponential from minDelayMs; plus jitter. */
  #retryDelay(err: Error, failures: number): number {
    const { minDelayMs, maxDelayMs, jitterMs } = this.#opts.retry;
    const jitter = Math.round(Math.random() * jitterMs);
    const retryAfter = retryAfterMs(err);
    if (retryAfter !== undefined) return retryAfter + jitter;
    return Math.min(maxDelayMs, minDelayMs * 2 ** (failures - 1)) + jitter;
  }
}

/**
 * Retry-After in seconds, as HTTP has it (the client's own `retryAfter()` reads the header
 * as milliseconds); an HTTP date is not worth a parser here.
 */
function retryAfterMs(err: Error): number | undefined {
  if (!(err instanceof HttpError)) return undefined;
  const header = err.headers?.['retry-after'];
  const value = Array.isArray(header) ? header[0] : header;
  return typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) * 1000 : undefined;
}
