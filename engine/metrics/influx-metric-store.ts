/**
 * MetricStore on InfluxDB through the official client (@influxdata/influxdb-client).
 *
 * Writes go through the client's WriteApi (batches of 5,000 lines, flushed every second,
 * retried with backoff) for both server lines:
 * - 2.x: `/api/v2/write` with org, bucket and token, as the client does by default.
 * - 1.x: the same WriteApi over a transport that turns `/api/v2/write?org&bucket&precision`
 *   into `/write?db&rp&precision` (1.x spells microseconds `u` and nanoseconds `n`) and
 *   authenticates with Basic auth from username/password, or a `Token` header when only a
 *   token is set (1.8+ reads it as `username:password`).
 * Queries use Flux on 2.x and InfluxQL (`GET /query`) on 1.x.
 *
 * Honesty note: only the 1.x path is exercised by the tests (the test machine has a 1.6
 * server, no 2.x). The 2.x path follows the client's and InfluxDB's documentation.
 *
 * Backpressure: `pending` counts points accepted but neither confirmed written nor given up
 * on. Past `maxBufferedPoints`, `write` throws a 503 instead of letting the client's buffers
 * grow while InfluxDB is down.
 */
import {
  HttpError,
  InfluxDB,
  flux,
  fluxDateTime,
  setLogger,
  type CommunicationObserver,
  type ParameterizedQuery,
  type QueryApi,
  type SendOptions,
  type Transport,
  type WriteApi,
} from '@influxdata/influxdb-client';
import type { Logger } from 'pino';
import type { InfluxConfig } from '../config/config.ts';
import { badRequest, unavailable } from '../errors/app-error.ts';
import { formatLineProtocol, invalidPointReason } from './line-protocol.ts';
import type { FieldValue, LinePrecision, MetricPoint, MetricQuery, MetricSeries, MetricStore } from './metric-store.ts';
import { compareKeys, tagKey } from './series-key.ts';

export interface InfluxMetricStoreOptions {
  config: InfluxConfig;
  maxBufferedPoints: number;
  logger: Logger;
}

const DEFAULT_LIMIT = 10_000;
const REQUEST_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 3_000;
const WRITE_OPTIONS = {
  batchSize: 5_000,
  flushInterval: 1_000,
  maxRetries: 5,
  maxRetryTime: 180_000,
  minRetryDelay: 1_000,
  maxRetryDelay: 30_000,
  exponentialBase: 2,
  retryJitter: 200,
  randomRetry: true,
  gzipThreshold: 1_000,
} as const;
/** The client's own message when a batch outlives maxRetryTime (it then drops the batch). */
const RETRY_TIME_EXCEEDED = 'Max retry time exceeded.';

export class InfluxMetricStore implements MetricStore {
  readonly #config: InfluxConfig;
  readonly #log: Logger;
  readonly #maxBufferedPoints: number;
  readonly #transport: WriteTrackingTransport;
  /** The points written as objects go through the `ns` API; forwarded lines through their own precision's. */
  readonly #writeApis = new Map<LinePrecision, WriteApi>();
  readonly #openWriteApi: (precision: LinePrecision) => WriteApi;
  readonly #queryApi: QueryApi | undefined;
  #pending = 0;
  #closed = false;

  constructor(opts: InfluxMetricStoreOptions) {
    const { config } = opts;
    this.#config = config;
    this.#log = opts.logger;
    this.#maxBufferedPoints = opts.maxBufferedPoints;
    routeClientLogs(opts.logger);

    const v1 = config.version === 1;
    const target = v1 ? v1Target(config) : v2Target(config);
    const base = new InfluxDB({
      url: config.url,
      timeout: REQUEST_TIMEOUT_MS,
      ...(target.token !== undefined ? { token: target.token } : {}),
      ...(target.headers !== undefined ? { headers: target.headers } : {}),
    });
    this.#transport = new WriteTrackingTransport(base.transport, v1 ? toV1WritePath : (path) => path);
    const client = new InfluxDB({ url: config.url, transport: this.#transport });
    this.#openWriteApi = (precision) =>
      client.getWriteApi(target.org, target.bucket, precision, {
        ...WRITE_OPTIONS,
        ...(config.gzip ? {} : { gzipThreshold: Number.MAX_SAFE_INTEGER }),
        // The retry buffer never needs more than what backpressure lets in.
        maxBufferLines: Math.max(opts.maxBufferedPoints, WRITE_OPTIONS.batchSize),
        writeSuccess: (lines) => this.#settle(lines.length),
        writeFailed: (error, lines, attempt) => this.#onWriteFailed(error, lines.length, attempt),
        writeRetrySkipped: (entry) => {
          this.#settle(entry.lines.length);
          this.#log.error({ points: entry.lines.length }, 'metric points dropped: the InfluxDB retry buffer is full');
        },
      });
    this.#writeApiFor('ns');
    this.#queryApi = v1 ? undefined : client.getQueryApi(target.org);
  }

  write(points: MetricPoint[]): void {
    this.#admit(points);
    // One record per point: a string field may hold a newline, so lines cannot be split later.
    const lines = points.map((p) => formatLineProtocol([p]));
    this.#pending += lines.length;
    this.#writeApiFor('ns').writeRecords(lines);
  }

  /**
   * The sender's own lines go to InfluxDB as they came (the parser vouched for them and
   * pinned their time): no second formatting of every point on the hot path. Integers
   * (`12i`) therefore stay integers, as the sender meant.
   */
  writeLines(points: MetricPoint[], lines: string[], precision: LinePrecision): void {
    this.#admit(points);
    this.#pending += lines.length;
    this.#writeApiFor(precision).writeRecords(lines);
  }

  /** Refuses the whole call for one bad point (400), or when InfluxDB is behind (503). */
  #admit(points: MetricPoint[]): void {
    if (this.#closed) throw unavailable('the metric store is closed');
    for (let i = 0; i < points.length; i++) {
      const reason = invalidPointReason(points[i] as MetricPoint);
      if (reason !== undefined) throw badRequest(`point ${i} cannot be stored: ${reason}`);
    }
    // An empty buffer takes any batch, so one oversized request cannot be refused forever.
    if (this.#pending > 0 && this.#pending + points.length > this.#maxBufferedPoints) {
      throw unavailable(`InfluxDB is not keeping up: ${this.#pending} metric points are waiting to be written`, 5);
    }
  }

  #writeApiFor(precision: LinePrecision): WriteApi {
    let api = this.#writeApis.get(precision);
    if (!api) {
      api = this.#openWriteApi(precision);
      this.#writeApis.set(precision, api);
    }
    return api;
  }

  /**
   * Sends what is buffered, retries what failed, and waits for batches already on the wire
   * (the client's own flush does not wait for those), until nothing is left anywhere.
   */
  async flush(): Promise<void> {
    for (;;) {
      const sendsBefore = this.#transport.writesStarted;
      try {
        await Promise.all([...this.#writeApis.values()].map((api) => api.flush(true)));
      } catch (err) {
        throw unavailable(`InfluxDB did not store the buffered metric points: ${describeError(err)}`, 5, err);
      }
      const inFlight = this.#transport.writesInFlight();
      if (inFlight.length === 0 && this.#transport.writesStarted === sendsBefore) {
        // Nothing buffered, retrying or on the wire: whatever the count says, it is zero.
        this.#pending = 0;
        return;
      }
      await Promise.all(inFlight);
    }
  }

  async query(q: MetricQuery): Promise<MetricSeries[]> {
    const limit = q.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) throw badRequest(`limit must be a positive integer, got ${String(q.limit)}`);
    if (!Number.isFinite(q.startMs) || !Number.isFinite(q.endMs)) throw badRequest('startMs and endMs must be finite');
    // Whole milliseconds, as InfluxQL's `time >= <n>ms` reads them.
    const startMs = Math.ceil(q.startMs);
    const endMs = Math.ceil(q.endMs);
    if (endMs <= startMs) return [];
    const series = this.#queryApi === undefined
      ? await this.#queryV1(q, startMs, endMs, limit)
      : await this.#queryV2(this.#queryApi, q, startMs, endMs, limit);
    return series.sort((a, b) => compareKeys(tagKey(a.tags), tagKey(b.tags)));
  }

  async ping(): Promise<void> {
    const options: SendOptions = { method: 'GET', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(PING_TIMEOUT_MS) };
    try {
      if (this.#config.version === 1) {
        // 1.x answers 204 with no body.
        await this.#transport.request('/ping', '', options);
        return;
      }
      const health = (await this.#transport.request('/health', '', options)) as { status?: string; message?: string } | undefined;
      if (health?.status !== 'pass') throw new Error(`health is ${health?.status ?? 'unknown'}: ${health?.message ?? ''}`);
    } catch (err) {
      throw unavailable(`InfluxDB at ${this.#config.url} is not answering: ${describeError(err)}`, 5, err);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.flush();
    } catch (err) {
      this.#log.error({ err, points: this.#pending }, 'metric points lost: InfluxDB did not store them before close');
    }
    for (const api of this.#writeApis.values()) {
      try {
        await api.close();
      } catch (err) {
        this.#log.error({ err }, 'closing the InfluxDB write API failed');
      }
      // close() leaves an idle flush timer behind when the buffer was empty; dispose clears it.
      api.dispose();
    }
    this.#pending = 0;
  }

  #settle(lines: number): void {
    this.#pending = Math.max(0, this.#pending - lines);
  }

  /**
   * The client decides on its own whether to retry; this mirrors its rule (WriteApiImpl)
   * so the backpressure count forgets exactly the batches it gives up on.
   */
  #onWriteFailed(error: Error, lines: number, attempt: number): void {
    if (error instanceof HttpError && typeof error.json?.error === 'string' && error.json.error.includes('hinted handoff queue not empty')) {
      return; // Enterprise's informational answer; the client counts it as success.
    }
    const expired = !(error instanceof HttpError) && error.message === RETRY_TIME_EXCEEDED;
    const retriable = !(error instanceof HttpError) || error.statusCode >= 429;
    // Lines still retrying when close() runs are counted and logged there.
    const willRetry = !expired && retriable && attempt <= WRITE_OPTIONS.maxRetries;
    if (willRetry) {
      this.#log.warn({ err: error, points: lines, attempt }, 'writing metric points to InfluxDB failed; will retry');
      return;
    }
    this.#settle(lines);
    this.#log.error({ err: error, points: lines, attempt }, 'metric points dropped: InfluxDB rejected them or retries ran out');
  }

  async #queryV1(q: MetricQuery, startMs: number, endMs: number, limit: number): Promise<MetricSeries[]> {
    const { database, rp } = splitDatabase(this.#config.database ?? '');
    const from = rp === undefined ? influxQlIdent(q.measurement) : `${influxQlIdent(rp)}.${influxQlIdent(q.measurement)}`;
    const conditions = [`time >= ${startMs}ms`, `time < ${endMs}ms`];
    for (const [key, value] of Object.entries(q.tags ?? {})) {
      conditions.push(`${influxQlIdent(key)}::tag = ${influxQlString(value)}`);
    }
    // Newest first so LIMIT keeps the newest points of each series; reversed below.
    const statement =
      `SELECT ${influxQlIdent(q.field)}::field FROM ${from} WHERE ${conditions.join(' AND ')} ` +
      `GROUP BY * ORDER BY time DESC LIMIT ${limit}`;
    const params = new URLSearchParams({ db: database, q: statement, epoch: 'ms' });
    let body: InfluxQlResponse | undefined;
    try {
      body = (await this.#transport.request(`/query?${params.toString()}`, '', {
        method: 'GET',
        headers: { accept: 'application/json' },
      })) as InfluxQlResponse | undefined;
    } catch (err) {
      throw queryFailure(err);
    }
    const result = body?.results?.[0];
    const problem = body?.error ?? result?.error;
    // A statement error is ours or the configuration's (unknown database), not the caller's.
    if (problem !== undefined) throw new Error(`InfluxQL query failed: ${problem}`);
    return (result?.series ?? []).map((s) => ({
      tags: withoutEmptyTags(s.tags ?? {}),
      points: s.values
        .filter((row) => row[1] !== null && row[1] !== undefined)
        .map((row) => [row[0] as number, row[1] as FieldValue] as [number, FieldValue])
        .reverse(),
    }));
  }

  async #queryV2(api: QueryApi, q: MetricQuery, startMs: number, endMs: number, limit: number): Promise<MetricSeries[]> {
    let predicate: ParameterizedQuery = flux`r._measurement == ${q.measurement} and r._field == ${q.field}`;
    for (const [key, value] of Object.entries(q.tags ?? {})) {
      // An empty filter value matches series without the tag, as in InfluxQL.
      predicate = value === ''
        ? flux`${predicate} and not exists r[${key}]`
        : flux`${predicate} and r[${key}] == ${value}`;
    }
    // Storage hands each series (table) over in time order, so tail() keeps the newest.
    const query = flux`from(bucket: ${this.#config.bucket ?? ''})
  |> range(start: ${fluxDateTime(new Date(startMs).toISOString())}, stop: ${fluxDateTime(new Date(endMs).toISOString())})
  |> filter(fn: (r) => ${predicate})
  |> tail(n: ${limit})`;
    const bySeries = new Map<string, MetricSeries>();
    try {
      for await (const { values, tableMeta } of api.iterateRows(query)) {
        const row = tableMeta.toObject(values) as Record<string, unknown>;
        const value = row._value;
        const time = typeof row._time === 'string' ? Date.parse(row._time) : Number.NaN;
        if (value === null || value === undefined || Number.isNaN(time)) continue;
        const tags: Record<string, string> = {};
        for (const [column, v] of Object.entries(row)) {
          if (column.startsWith('_') || column === 'result' || column === 'table') continue;
          if (typeof v === 'string' && v !== '') tags[column] = v;
        }
        const key = tagKey(tags);
        let series = bySeries.get(key);
        if (series === undefined) {
          series = { tags, points: [] };
          bySeries.set(key, series);
        }
        series.points.push([time, value as FieldValue]);
      }
    } catch (err) {
      throw queryFailure(err);
    }
    const series = [...bySeries.values()];
    for (const s of series) s.points.sort((a, b) => a[0] - b[0]);
    return series;
  }
}

interface InfluxQlResponse {
  error?: string;
  results?: Array<{
    error?: string;
    series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>;
  }>;
}

interface Target {
  org: string;
  bucket: string;
  token: string | undefined;
  headers: Record<string, string> | undefined;
}

function v2Target(config: InfluxConfig): Target {
  return { org: config.org ?? '', bucket: config.bucket ?? '', token: config.token, headers: undefined };
}

/** The 1.x database travels as the bucket and becomes `db` (and `rp`) in toV1WritePath. */
function v1Target(config: InfluxConfig): Target {
  const bucket = config.database ?? '';
  if (config.username !== undefined) {
    const basic = Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64');
    // Basic auth rather than u/p query parameters: credentials stay out of URLs and access logs.
    return { org: '', bucket, token: undefined, headers: { authorization: `Basic ${basic}` } };
  }
  return { org: '', bucket, token: config.token, headers: undefined };
}

/** `db/rp`, InfluxDB's own notation for a database and retention policy (as in its 2.x compatibility API). */
function splitDatabase(value: string): { database: string; rp: string | undefined } {
  const slash = value.indexOf('/');
  if (slash === -1) return { database: value, rp: undefined };
  const rp = value.slice(slash + 1);
  return { database: value.slice(0, slash), rp: rp === '' ? undefined : rp };
}

/** 1.x `/write` precision names; 2.x uses ns/us/ms/s. */
const V1_PRECISION: Record<string, string> = { ns: 'n', us: 'u', ms: 'ms', s: 's' };

function toV1WritePath(path: string): string {
  const url = new URL(path, 'http://influx.invalid');
  if (url.pathname !== '/api/v2/write') return path;
  const { database, rp } = splitDatabase(url.searchParams.get('bucket') ?? '');
  const params = new URLSearchParams({ db: database });
  if (rp !== undefined) params.set('rp', rp);
  const precision = url.searchParams.get('precision');
  if (precision !== null) params.set('precision', V1_PRECISION[precision] ?? precision);
  const consistency = url.searchParams.get('consistency');
  if (consistency !== null) params.set('consistency', consistency);
  return `/write?${params.toString()}`;
}

/**
 * Wraps the client's Node transport: rewrites write paths (1.x) and knows which write
 * requests are on the wire, so `flush` can wait for batches the WriteApi sent on its own.
 */
class WriteTrackingTransport implements Transport {
  writesStarted = 0;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly inner: Transport,
    private readonly rewriteWritePath: (path: string) => string,
  ) {}

  get chunkCombiner(): Transport['chunkCombiner'] {
    return this.inner.chunkCombiner;
  }

  writesInFlight(): Array<Promise<void>> {
    return [...this.#inFlight];
  }

  send(path: string, body: string, options: SendOptions, callbacks?: Partial<CommunicationObserver<Uint8Array>>): void {
    if (!path.startsWith('/api/v2/write')) {
      this.inner.send(path, body, options, callbacks);
      return;
    }
    this.writesStarted++;
    let settle!: () => void;
    const done = new Promise<void>((resolve) => {
      settle = () => {
        this.#inFlight.delete(done);
        resolve();
      };
    });
    this.#inFlight.add(done);
    // Settled after the WriteApi's own callback ran, so a failed batch is already in its
    // retry buffer when a waiting flush looks again.
    this.inner.send(this.rewriteWritePath(path), body, options, {
      ...callbacks,
      error(error: Error): void {
        try {
          callbacks?.error?.(error);
        } finally {
          settle();
        }
      },
      complete(): void {
        try {
          callbacks?.complete?.();
        } finally {
          settle();
        }
      },
    });
  }

  request(path: string, body: unknown, options: SendOptions, responseStarted?: Parameters<Transport['request']>[3]): Promise<unknown> {
    return this.inner.request(path, body, options, responseStarted);
  }

  iterate(path: string, body: unknown, options: SendOptions): AsyncIterableIterator<Uint8Array> {
    return this.inner.iterate(path, body, options);
  }
}

/**
 * The client logs through one process-wide logger (console by default). Every write
 * failure is already logged by the store with context, so the client's own messages go to
 * debug, on the logger of the store built last.
 */
function routeClientLogs(logger: Logger): void {
  setLogger({
    error: (message, err) => logger.debug({ err }, `influxdb-client: ${message}`),
    warn: (message, err) => logger.debug({ err }, `influxdb-client: ${message}`),
  });
}

/** InfluxQL identifier: double-quoted; backslash, quote and newline escaped. */
function influxQlIdent(name: string): string {
  return `"${name.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

/** InfluxQL string literal: single-quoted; backslash, quote and newline escaped. */
function influxQlString(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}'`;
}

function withoutEmptyTags(tags: Record<string, string>): Record<string, string> {
  // GROUP BY * reports every tag key of the measurement; '' means the series lacks it.
  return Object.fromEntries(Object.entries(tags).filter(([, v]) => v !== ''));
}

/**
 * Network trouble, 5xx and 429 are InfluxDB being unavailable (503, retry later); other 4xx
 * mean a bad query or bad credentials, which no retry fixes (a plain error: a 500 to clients).
 */
function queryFailure(err: unknown): Error {
  if (err instanceof HttpError && err.statusCode < 500 && err.statusCode !== 429) {
    return new Error(`InfluxDB rejected the query: ${describeError(err)}`, { cause: err });
  }
  return unavailable(`InfluxDB query failed: ${describeError(err)}`, 5, err);
}

function describeError(err: unknown): string {
  if (err instanceof HttpError) {
    const detail = typeof err.json?.error === 'string' ? err.json.error : err.body;
    return `HTTP ${err.statusCode}${detail ? `: ${String(detail).slice(0, 300)}` : ''}`;
  }
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== undefined ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
