/**
 * MetricStore: time series written by ingest and read by the engine and the console.
 *
 * Contract (test/contract/metric-store.contract.test.ts):
 * - `write` accepts points into a bounded buffer and returns without waiting for the
 *   server; when the buffer is full it throws an AppError 503 (backpressure) rather than
 *   growing without bound. `writeLines` does the same for line protocol that
 *   `validateLineProtocol` passed, counting its lines as points. `waitForRoom` waits, for
 *   a bounded time, until a write of that many points would be accepted.
 * - `flush` resolves once every point accepted so far is stored (readable by `query`).
 * - `query` returns the points of one field of one measurement in [start, end), sorted by
 *   time, grouped into one series per distinct tag set, filtered by exact tag matches.
 * - `close` flushes, then releases connections.
 */
export type FieldValue = number | string | boolean;

export interface MetricPoint {
  measurement: string;
  tags: Record<string, string>;
  /** At least one field. Integers written as `i` in line protocol arrive as numbers. */
  fields: Record<string, FieldValue>;
  /** Nanoseconds since the epoch. */
  timeNs: bigint;
}

export interface MetricQuery {
  measurement: string;
  field: string;
  /** Exact-match tag filters. */
  tags?: Record<string, string>;
  /** Inclusive start, milliseconds since the epoch. */
  startMs: number;
  /** Exclusive end, milliseconds since the epoch. */
  endMs: number;
  /** Maximum points per series (newest kept when cut). Default 10,000. */
  limit?: number;
}

export interface MetricSeries {
  tags: Record<string, string>;
  /** [milliseconds since the epoch, value], sorted by time. */
  points: Array<[number, FieldValue]>;
}

export type LinePrecision = 'ns' | 'us' | 'ms' | 's';

/**
 * Line protocol checked at the edge by `validateLineProtocol` (engine/metrics/line-protocol.ts):
 * `count` lines joined by `\n` in UTF-8, each a point a store can take, each with its
 * timestamp in `precision`. A line is not always one physical line: a string field may hold
 * a newline. `data` may be a view of the request's own bytes: a store keeps it only until
 * it is written, and never changes it.
 */
export interface LineBatch {
  readonly data: Uint8Array;
  readonly count: number;
  readonly precision: LinePrecision;
}

export interface MetricStore {
  write(points: MetricPoint[]): void;
  /**
   * `write` for points that arrived as line protocol. The batch was validated once, at the
   * edge, so a store that speaks line protocol sends its text as it is (no point is built,
   * checked again or formatted); others parse it.
   */
  writeLines(batch: LineBatch): void;
  /**
   * Resolves once a write of `points` points would be accepted (at once when it would be
   * now), or rejects with the 503 that write would throw if no room came within
   * `maxWaitMs` (at once for 0, when closed, or when as many points wait already as the
   * buffer holds). Lets a route hold a request instead of refusing it: a sender then waits
   * for the store as it would wait for InfluxDB, and a refused request costs next to nothing.
   */
  waitForRoom(points: number, maxWaitMs: number): Promise<void>;
  flush(): Promise<void>;
  query(q: MetricQuery): Promise<MetricSeries[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
