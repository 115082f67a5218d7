/**
 * The metric store used when no InfluxDB is configured: series in memory, good for a
 * demo-sized load, optionally saved to a JSON-lines file on close and loaded again at start
 * so demo data survives a restart.
 *
 * - `write` queues points and applies them on the next turn of the event loop, so the
 *   write path behaves like the Influx adapter's (accepted now, stored soon, 503 when the
 *   queue is full) and the contract suite can hold both to the same rules.
 * - Memory is bounded by `maxPoints` stored values (one field of one point); beyond it the
 *   oldest values of all series are evicted first, in bulk, down to 90 % of the bound.
 * - Like InfluxDB, a second write to the same series, field and nanosecond replaces the value.
 */
import { readFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { unavailable, badRequest } from '../errors/app-error.ts';
import { invalidPointReason, parseLineProtocol } from './line-protocol.ts';
import { RoomWaiters } from './room-waiters.ts';
import type { FieldValue, LineBatch, MetricPoint, MetricQuery, MetricSeries, MetricStore } from './metric-store.ts';
import { compareKeys, tagKey } from './series-key.ts';

export interface EmbeddedMetricStoreOptions {
  /** Bound on stored values (one field of one point each). */
  maxPoints: number;
  /** Bound on points written but not yet applied. Default 100,000. */
  maxBufferedPoints?: number;
  /** JSON-lines file written on close and read by the constructor. */
  snapshotPath?: string;
}

/** One field of one series: parallel arrays sorted by (ms, subMs). */
interface FieldColumn {
  /** Milliseconds since the epoch, floored; exact as a float for any realistic date. */
  ms: number[];
  /** The nanoseconds within that millisecond, 0..999,999, so ordering stays exact. */
  subMs: number[];
  values: FieldValue[];
}

interface Series {
  measurement: string;
  tags: Record<string, string>;
  fields: Map<string, FieldColumn>;
}

const DEFAULT_LIMIT = 10_000;
const SNAPSHOT_FORMAT = 'aiops-embedded-metrics';
const SNAPSHOT_VERSION = 1;
/** Values per snapshot line, so one huge series does not make one huge line. */
const SNAPSHOT_CHUNK = 10_000;

export class EmbeddedMetricStore implements MetricStore {
  readonly #maxPoints: number;
  readonly #maxBufferedPoints: number;
  readonly #snapshotPath: string | undefined;
  /** measurement -> series key -> series */
  readonly #measurements = new Map<string, Map<string, Series>>();
  #storedValues = 0;
  #queue: MetricPoint[] = [];
  #drainScheduled: NodeJS.Immediate | undefined;
  #closed = false;
  readonly #room: RoomWaiters;

  constructor(opts: EmbeddedMetricStoreOptions) {
    if (!Number.isInteger(opts.maxPoints) || opts.maxPoints < 1) throw new Error('maxPoints must be a positive integer');
    this.#maxPoints = opts.maxPoints;
    this.#maxBufferedPoints = opts.maxBufferedPoints ?? 100_000;
    this.#snapshotPath = opts.snapshotPath;
    this.#room = new RoomWaiters({
      pending: () => this.#queue.length,
      maxPending: this.#maxBufferedPoints,
      refusal: () => (this.#closed ? unavailable('the metric store is closed') : this.#full()),
    });
    if (this.#snapshotPath !== undefined) this.#load(this.#snapshotPath);
  }

  /** The embedded store keeps points, not text: it reads the lines back into points. */
  writeLines(batch: LineBatch): void {
    // Every line has its time, so `now` is never used.
    const text = Buffer.from(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength).toString('utf8');
    const { points, errors } = parseLineProtocol(text, batch.precision, 0n);
    if (errors.length > 0) throw badRequest(`line ${errors[0]?.line} cannot be stored: ${errors[0]?.message}`);
    if (points.length !== batch.count) throw badRequest(`the batch holds ${points.length} lines, not ${batch.count}`);
    this.write(points);
  }

  write(points: MetricPoint[]): void {
    if (this.#closed) throw unavailable('the metric store is closed');
    for (let i = 0; i < points.length; i++) {
      const reason = invalidPointReason(points[i] as MetricPoint);
      if (reason !== undefined) throw badRequest(`point ${i} cannot be stored: ${reason}`);
    }
    if (!this.#room.fits(points.length)) throw this.#full();
    // Copies: the caller may reuse its objects once write returns.
    for (const p of points) {
      this.#queue.push({ measurement: p.measurement, tags: { ...p.tags }, fields: { ...p.fields }, timeNs: p.timeNs });
    }
    this.#drainScheduled ??= setImmediate(() => this.#drain());
  }

  waitForRoom(points: number, maxWaitMs: number): Promise<void> {
    if (this.#closed) return Promise.reject(unavailable('the metric store is closed'));
    return this.#room.wait(points, maxWaitMs);
  }

  #full(): Error {
    return unavailable(`the metric write queue is full (${this.#queue.length} points waiting)`, 1);
  }

  async flush(): Promise<void> {
    this.#drain();
  }

  async query(q: MetricQuery): Promise<MetricSeries[]> {
    const { startMs, endMs, limit } = checkQuery(q);
    const result: MetricSeries[] = [];
    const series = this.#measurements.get(q.measurement);
    if (series === undefined || endMs <= startMs) return result;
    const filters = Object.entries(q.tags ?? {});
    for (const s of series.values()) {
      // As in InfluxQL, `tag = ''` matches series without the tag.
      if (!filters.every(([k, v]) => (s.tags[k] ?? '') === v)) continue;
      const column = s.fields.get(q.field);
      if (column === undefined) continue;
      const from = lowerBound(column.ms, startMs);
      const to = lowerBound(column.ms, endMs);
      if (to <= from) continue;
      const first = Math.max(from, to - limit);
      const points: Array<[number, FieldValue]> = [];
      for (let i = first; i < to; i++) points.push([column.ms[i] as number, column.values[i] as FieldValue]);
      result.push({ tags: { ...s.tags }, points });
    }
    return result.sort((a, b) => compareKeys(tagKey(a.tags), tagKey(b.tags)));
  }

  async ping(): Promise<void> {
    if (this.#closed) throw unavailable('the metric store is closed');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#drain();
    this.#closed = true;
    this.#room.rejectAll(() => unavailable('the metric store is closed'));
    if (this.#snapshotPath !== undefined) await this.#save(this.#snapshotPath);
  }

  #drain(): void {
    if (this.#drainScheduled !== undefined) {
      clearImmediate(this.#drainScheduled);
      this.#drainScheduled = undefined;
    }
    const queue = this.#queue;
    this.#queue = [];
    for (const p of queue) this.#apply(p);
    if (this.#storedValues > this.#maxPoints) this.#evict();
    this.#room.wake();
  }

  #apply(p: MetricPoint): void {
    const tags: Record<string, string> = {};
    for (const key of Object.keys(p.tags).sort()) {
      const value = p.tags[key] as string;
      if (value !== '') tags[key] = value;
    }
    const ms = Number(floorDiv(p.timeNs, 1_000_000n));
    const subMs = Number(p.timeNs - BigInt(ms) * 1_000_000n);
    const series = this.#series(p.measurement, tags);
    for (const [field, value] of Object.entries(p.fields)) {
      let column = series.fields.get(field);
      if (column === undefined) {
        column = { ms: [], subMs: [], values: [] };
        series.fields.set(field, column);
      }
      this.#insert(column, ms, subMs, value);
    }
  }

  #series(measurement: string, tags: Record<string, string>): Series {
    let byKey = this.#measurements.get(measurement);
    if (byKey === undefined) {
      byKey = new Map();
      this.#measurements.set(measurement, byKey);
    }
    const key = tagKey(tags);
    let series = byKey.get(key);
    if (series === undefined) {
      series = { measurement, tags, fields: new Map() };
      byKey.set(key, series);
    }
    return series;
  }

  #insert(column: FieldColumn, ms: number, subMs: number, value: FieldValue): void {
    const n = column.ms.length;
    const lastMs = column.ms[n - 1];
    // Points mostly arrive in time order: append without searching.
    if (n === 0 || ms > (lastMs as number) || (ms === lastMs && subMs > (column.subMs[n - 1] as number))) {
      column.ms.push(ms);
      column.subMs.push(subMs);
      column.values.push(value);
      this.#storedValues++;
      return;
    }
    let lo = lowerBound(column.ms, ms);
    while (lo < n && column.ms[lo] === ms && (column.subMs[lo] as number) < subMs) lo++;
    if (lo < n && column.ms[lo] === ms && column.subMs[lo] === subMs) {
      column.values[lo] = value;
      return;
    }
    column.ms.splice(lo, 0, ms);
    column.subMs.splice(lo, 0, subMs);
    column.values.splice(lo, 0, value);
    this.#storedValues++;
  }

  /**
   * Drops every value older than the smallest millisecond cut-off that brings the total to
   * 90 % of the bound. Found by bisecting on time, so no global sort is needed.
   */
  #evict(): void {
    const target = Math.floor(this.#maxPoints * 0.9);
    const mustRemove = this.#storedValues - target;
    const columns: FieldColumn[] = [];
    let lo = Infinity;
    let hi = -Infinity;
    for (const byKey of this.#measurements.values()) {
      for (const s of byKey.values()) {
        for (const c of s.fields.values()) {
          columns.push(c);
          lo = Math.min(lo, c.ms[0] as number);
          hi = Math.max(hi, c.ms[c.ms.length - 1] as number);
        }
      }
    }
    const olderThan = (cut: number): number => columns.reduce((sum, c) => sum + lowerBound(c.ms, cut), 0);
    // Smallest cut in (lo, hi + 1] with olderThan(cut) >= mustRemove.
    let a = lo;
    let b = hi + 1;
    while (a < b) {
      const mid = Math.floor((a + b) / 2);
      if (olderThan(mid) >= mustRemove) b = mid;
      else a = mid + 1;
    }
    for (const c of columns) {
      const k = lowerBound(c.ms, a);
      if (k === 0) continue;
      c.ms.splice(0, k);
      c.subMs.splice(0, k);
      c.values.splice(0, k);
      this.#storedValues -= k;
    }
    for (const [measurement, byKey] of this.#measurements) {
      for (const [key, s] of byKey) {
        for (const [field, c] of s.fields) if (c.ms.length === 0) s.fields.delete(field);
        if (s.fields.size === 0) byKey.delete(key);
      }
      if (byKey.size === 0) this.#measurements.delete(measurement);
    }
  }

  #load(path: string): void {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const lines = text.split('\n');
    const fail = (line: number, why: string): Error =>
      new Error(`metric snapshot ${path} line ${line}: ${why}; move the file away to start without the saved metrics`);
    const header = parseJson(lines[0] ?? '') as { format?: unknown; version?: unknown } | undefined;
    if (header?.format !== SNAPSHOT_FORMAT || header.version !== SNAPSHOT_VERSION) {
      throw fail(1, `not a version ${SNAPSHOT_VERSION} ${SNAPSHOT_FORMAT} file`);
    }
    for (let i = 1; i < lines.length; i++) {
      const raw = lines[i] as string;
      if (raw === '') continue;
      const chunk = parseJson(raw) as SnapshotChunk | undefined;
      if (!isSnapshotChunk(chunk)) throw fail(i + 1, 'malformed entry');
      const series = this.#series(chunk.m, chunk.t);
      let column = series.fields.get(chunk.f);
      if (column === undefined) {
        column = { ms: [], subMs: [], values: [] };
        series.fields.set(chunk.f, column);
      }
      for (let j = 0; j < chunk.ms.length; j++) {
        this.#insert(column, chunk.ms[j] as number, chunk.ns[j] as number, chunk.v[j] as FieldValue);
      }
    }
    if (this.#storedValues > this.#maxPoints) this.#evict();
  }

  /** Written to a temporary file first and renamed, so a crash never leaves half a snapshot. */
  async #save(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    const file = await open(tmp, 'w');
    try {
      let buffer = `${JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION })}\n`;
      for (const byKey of this.#measurements.values()) {
        for (const s of byKey.values()) {
          for (const [field, c] of s.fields) {
            for (let i = 0; i < c.ms.length; i += SNAPSHOT_CHUNK) {
              const chunk: SnapshotChunk = {
                m: s.measurement,
                t: s.tags,
                f: field,
                ms: c.ms.slice(i, i + SNAPSHOT_CHUNK),
                ns: c.subMs.slice(i, i + SNAPSHOT_CHUNK),
                v: c.values.slice(i, i + SNAPSHOT_CHUNK),
              };
              buffer += `${JSON.stringify(chunk)}\n`;
              if (buffer.length > 1 << 20) {
                await file.write(buffer);
                buffer = '';
              }
            }
          }
        }
      }
      await file.write(buffer);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  }
}

interface SnapshotChunk {
  m: string;
  t: Record<string, string>;
  f: string;
  ms: number[];
  ns: number[];
  v: FieldValue[];
}

function isSnapshotChunk(c: SnapshotChunk | undefined): c is SnapshotChunk {
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.m === 'string' &&
    typeof c.f === 'string' &&
    typeof c.t === 'object' &&
    c.t !== null &&
    Object.values(c.t).every((v) => typeof v === 'string') &&
    Array.isArray(c.ms) &&
    Array.isArray(c.ns) &&
    Array.isArray(c.v) &&
    c.ms.length === c.ns.length &&
    c.ms.length === c.v.length &&
    c.ms.every((x) => Number.isSafeInteger(x)) &&
    c.ns.every((x) => Number.isInteger(x) && x >= 0 && x < 1_000_000) &&
    c.v.every((x) => typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean')
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Shared by both adapters' callers' expectations: bad bounds are the caller's error. */
function checkQuery(q: MetricQuery): { startMs: number; endMs: number; limit: number } {
  const limit = q.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw badRequest(`limit must be a positive integer, got ${String(q.limit)}`);
  if (!Number.isFinite(q.startMs) || !Number.isFinite(q.endMs)) throw badRequest('startMs and endMs must be finite');
  // Whole milliseconds, as InfluxQL's `time >= <n>ms` reads them.
  return { startMs: Math.ceil(q.startMs), endMs: Math.ceil(q.endMs), limit };
}

/** First index whose value is >= x in an ascending array. */
function lowerBound(arr: number[], x: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}
