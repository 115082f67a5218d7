/**
 * The MetricStore contract (engine/metrics/metric-store.ts), run against every adapter:
 * InfluxDB in 1.x mode on the real server from globalSetup (its own database for this
 * file) and the embedded store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { AppError } from '../../engine/errors/app-error.ts';
import { EmbeddedMetricStore } from '../../engine/metrics/embedded-metric-store.ts';
import { InfluxMetricStore } from '../../engine/metrics/influx-metric-store.ts';
import { validateLineProtocol } from '../../engine/metrics/validate-line-protocol.ts';
import type { LineBatch, LinePrecision, MetricPoint, MetricSeries, MetricStore } from '../../engine/metrics/metric-store.ts';
import { createInfluxDatabase, type InfluxTestDatabase } from '../support/influx-database.ts';

interface OpenOptions {
  maxBufferedPoints?: number;
  /** Survives close + open (embedded: through its snapshot file). */
  persistent?: boolean;
}

interface AdapterCase {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  open(opts?: OpenOptions): MetricStore;
  /** A store whose writes cannot drain, to fill its buffer. */
  openStuck(maxBufferedPoints: number): MetricStore;
}

const silent = pino({ level: 'silent' });

function influxCase(): AdapterCase {
  let db: InfluxTestDatabase | undefined;
  let url = '';
  const config = (overrides: { url?: string; database?: string } = {}) => ({
    url: overrides.url ?? url,
    version: 1 as const,
    gzip: true,
    token: undefined,
    org: undefined,
    bucket: undefined,
    database: overrides.database ?? db?.name,
    username: undefined,
    password: undefined,
  });
  return {
    name: 'influx (1.x)',
    async setup() {
      url = inject('influxUrl');
      db = await createInfluxDatabase(url);
    },
    async teardown() {
      await db?.drop();
    },
    open: (opts = {}) =>
      new InfluxMetricStore({ config: config(), maxBufferedPoints: opts.maxBufferedPoints ?? 100_000, logger: silent }),
    // Port 1 refuses connections, so nothing ever drains.
    openStuck: (maxBufferedPoints) =>
      new InfluxMetricStore({ config: config({ url: 'http://127.0.0.1:1', database: 'nowhere' }), maxBufferedPoints, logger: silent }),
  };
}

function embeddedCase(): AdapterCase {
  let dir = '';
  return {
    name: 'embedded',
    async setup() {
      dir = await mkdtemp(path.join(tmpdir(), 'aiops-metrics-'));
    },
    async teardown() {
      await rm(dir, { recursive: true, force: true });
    },
    open: (opts = {}) =>
      new EmbeddedMetricStore({
        maxPoints: 100_000,
        maxBufferedPoints: opts.maxBufferedPoints ?? 100_000,
        ...(opts.persistent ? { snapshotPath: path.join(dir, 'metrics.jsonl') } : {}),
      }),
    // Writes apply on the next turn of the event loop: within one turn nothing drains.
    openStuck: (maxBufferedPoints) => new EmbeddedMetricStore({ maxPoints: 100_000, maxBufferedPoints }),
  };
}

const BASE_MS = Date.UTC(2024, 0, 15, 12, 0, 0);
const ns = (ms: number, extraNs = 0): bigint => BigInt(ms) * 1_000_000n + BigInt(extraNs);
let measurementCounter = 0;
/** Each test writes its own measurement, so tests sharing a database cannot see each other. */
const freshMeasurement = (label = 'm'): string => `${label}_${++measurementCounter}`;

function point(measurement: string, tags: Record<string, string>, fields: MetricPoint['fields'], ms: number, extraNs = 0): MetricPoint {
  return { measurement, tags, fields, timeNs: ns(ms, extraNs) };
}

/** Line protocol as the /write route hands it over: validated, every line with its time. */
function lines(body: string, precision: LinePrecision = 'ms', nowMs = BASE_MS): LineBatch {
  const { batch, errors } = validateLineProtocol(body, precision, BigInt(nowMs) * 1_000_000n);
  expect(errors).toEqual([]);
  return batch;
}

function byTags(series: MetricSeries[]): MetricSeries[] {
  return [...series].sort((a, b) => JSON.stringify(Object.entries(a.tags).sort()).localeCompare(JSON.stringify(Object.entries(b.tags).sort())));
}

describe.each([influxCase(), embeddedCase()])('MetricStore contract: $name', (adapter) => {
  const opened: MetricStore[] = [];
  const open = (opts?: OpenOptions): MetricStore => {
    const store = adapter.open(opts);
    opened.push(store);
    return store;
  };

  beforeAll(() => adapter.setup());
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  afterAll(() => adapter.teardown());

  it('answers ping', async () => {
    await expect(open().ping()).resolves.toBeUndefined();
  });

  it('returns written points after flush, sorted by time, with their values', async () => {
    const store = open();
    const m = freshMeasurement('cpu');
    store.write([
      point(m, { host: 'a' }, { usage: 30.5 }, BASE_MS + 2_000),
      point(m, { host: 'a' }, { usage: 10.25 }, BASE_MS),
      point(m, { host: 'a' }, { usage: 42 }, BASE_MS + 1_000, 750_000),
    ]);
    await store.flush();
    const series = await store.query({ measurement: m, field: 'usage', startMs: BASE_MS, endMs: BASE_MS + 10_000 });
    expect(series).toEqual([
      {
        tags: { host: 'a' },
        points: [
          [BASE_MS, 10.25],
          // Sub-millisecond time is kept in storage and floored in the answer.
          [BASE_MS + 1_000, 42],
          [BASE_MS + 2_000, 30.5],
        ],
      },
    ]);
  });

  it('stores points given as line protocol in any precision, with lines that had no time pinned', async () => {
    const store = open();
    const m = freshMeasurement('lines');
    const body = [`${m},host=a used=1i,ok=t ${BASE_MS / 1000}`, `${m},host=a used=2i,ok=f`].join('\n');
    store.writeLines(lines(body, 's', BASE_MS + 5_000));
    await store.flush();
    const used = await store.query({ measurement: m, field: 'used', startMs: BASE_MS - 1_000, endMs: BASE_MS + 10_000 });
    expect(used).toEqual([{ tags: { host: 'a' }, points: [[BASE_MS, 1], [BASE_MS + 5_000, 2]] }]);
    const ok = await store.query({ measurement: m, field: 'ok', startMs: BASE_MS - 1_000, endMs: BASE_MS + 10_000 });
    expect(ok[0]!.points.map((p) => p[1])).toEqual([true, false]);
  });

  it('stores line protocol from many calls and from write alike, a string with a newline as one point', async () => {
    const store = open();
    const m = freshMeasurement('mixed');
    for (let i = 0; i < 30; i++) {
      store.writeLines(lines(Array.from({ length: 100 }, (_, j) => `${m},via=lines v=${i * 100 + j} ${BASE_MS + i * 100 + j}`).join('\n')));
      store.write([point(m, { via: 'points' }, { v: i }, BASE_MS + i)]);
    }
    store.writeLines(lines(`${m},via=text s="two\nlines",v=-1 ${BASE_MS + 5_000}\n${m},via=text v=-2 ${BASE_MS + 5_001}`, 'ms'));
    await store.flush();
    const q = { measurement: m, field: 'v', startMs: BASE_MS, endMs: BASE_MS + 10_000 };
    const series = byTags(await store.query(q));
    expect(series.map((s) => [s.tags.via, s.points.length])).toEqual([['lines', 3_000], ['points', 30], ['text', 2]]);
    expect(await store.query({ ...q, field: 's' })).toEqual([{ tags: { via: 'text' }, points: [[BASE_MS + 5_000, 'two\nlines']] }]);
  });

  it('returns only the asked field and nothing for unknown measurements or fields', async () => {
    const store = open();
    const m = freshMeasurement('mem');
    store.write([point(m, { host: 'a' }, { used: 1, free: 2 }, BASE_MS)]);
    await store.flush();
    const used = await store.query({ measurement: m, field: 'used', startMs: BASE_MS, endMs: BASE_MS + 1 });
    expect(used).toEqual([{ tags: { host: 'a' }, points: [[BASE_MS, 1]] }]);
    expect(await store.query({ measurement: m, field: 'nope', startMs: BASE_MS, endMs: BASE_MS + 1 })).toEqual([]);
    expect(await store.query({ measurement: freshMeasurement('none'), field: 'used', startMs: BASE_MS, endMs: BASE_MS + 1 })).toEqual([]);
  });

  it('filters by exact tag matches', async () => {
    const store = open();
    const m = freshMeasurement('disk');
    store.write([
      point(m, { host: 'a', dc: 'x' }, { v: 1 }, BASE_MS),
      point(m, { host: 'b', dc: 'x' }, { v: 2 }, BASE_MS),
      point(m, { host: 'ab', dc: 'y' }, { v: 3 }, BASE_MS),
    ]);
    await store.flush();
    const q = { measurement: m, field: 'v', startMs: BASE_MS, endMs: BASE_MS + 1 };
    expect(await store.query({ ...q, tags: { host: 'a' } })).toEqual([{ tags: { host: 'a', dc: 'x' }, points: [[BASE_MS, 1]] }]);
    expect(byTags(await store.query({ ...q, tags: { dc: 'x' } })).map((s) => s.tags.host)).toEqual(['a', 'b']);
    expect(await store.query({ ...q, tags: { host: 'a', dc: 'y' } })).toEqual([]);
    expect(await store.query({ ...q, tags: { host: 'c' } })).toEqual([]);
  });

  it('splits the answer into one series per tag set', async () => {
    const store = open();
    const m = freshMeasurement('net');
    store.write([
      point(m, { host: 'a' }, { rx: 1 }, BASE_MS),
      point(m, { host: 'b' }, { rx: 2 }, BASE_MS),
      point(m, { host: 'a', nic: 'eth0' }, { rx: 3 }, BASE_MS),
      point(m, { host: 'a' }, { rx: 4 }, BASE_MS + 1),
      point(m, {}, { rx: 5 }, BASE_MS),
    ]);
    await store.flush();
    const series = byTags(await store.query({ measurement: m, field: 'rx', startMs: BASE_MS, endMs: BASE_MS + 10 }));
    expect(series).toEqual(
      byTags([
        { tags: {}, points: [[BASE_MS, 5]] },
        { tags: { host: 'a' }, points: [[BASE_MS, 1], [BASE_MS + 1, 4]] },
        { tags: { host: 'b' }, points: [[BASE_MS, 2]] },
        { tags: { host: 'a', nic: 'eth0' }, points: [[BASE_MS, 3]] },
      ]),
    );
  });

  it('bounds time as [start, end): start included, end excluded', async () => {
    const store = open();
    const m = freshMeasurement('range');
    store.write([0, 1_000, 2_000, 3_000].map((d, i) => point(m, {}, { v: i }, BASE_MS + d)));
    // Just below the end bound, inside it by one nanosecond.
    store.write([point(m, {}, { v: 99 }, BASE_MS + 1_999, 999_999)]);
    await store.flush();
    const values = async (startMs: number, endMs: number) =>
      (await store.query({ measurement: m, field: 'v', startMs, endMs })).flatMap((s) => s.points.map((p) => p[1]));
    expect(await values(BASE_MS + 1_000, BASE_MS + 2_000)).toEqual([1, 99]);
    expect(await values(BASE_MS, BASE_MS + 3_000)).toEqual([0, 1, 99, 2]);
    expect(await values(BASE_MS + 1, BASE_MS + 1_000)).toEqual([]);
    expect(await values(BASE_MS + 3_000, BASE_MS + 3_001)).toEqual([3]);
    expect(await values(BASE_MS + 3_000, BASE_MS + 3_000)).toEqual([]);
  });

  it('keeps the newest points of each series when the limit cuts', async () => {
    const store = open();
    const m = freshMeasurement('limit');
    for (const host of ['a', 'b']) {
      store.write([0, 1, 2, 3, 4].map((i) => point(m, { host }, { v: i }, BASE_MS + i * 10)));
    }
    await store.flush();
    const series = byTags(await store.query({ measurement: m, field: 'v', startMs: BASE_MS, endMs: BASE_MS + 1_000, limit: 2 }));
    expect(series).toEqual([
      { tags: { host: 'a' }, points: [[BASE_MS + 30, 3], [BASE_MS + 40, 4]] },
      { tags: { host: 'b' }, points: [[BASE_MS + 30, 3], [BASE_MS + 40, 4]] },
    ]);
  });

  it('round-trips strings, booleans, integers and awkward names', async () => {
    const store = open();
    const m = freshMeasurement('odd name, "quoted"');
    const tags = { 'tag key': 'a,b=c "d" \\e', quote: "it's" };
    const text = 'he said "hi"\\ \nand a second line, with = and ,';
    store.write([point(m, tags, { msg: text, ok: true, bad: false, n: -7, big: 2 ** 40, 'field key': 1.5e-7 }, BASE_MS)]);
    await store.flush();
    const q = { measurement: m, startMs: BASE_MS, endMs: BASE_MS + 1, tags };
    expect(await store.query({ ...q, field: 'msg' })).toEqual([{ tags, points: [[BASE_MS, text]] }]);
    expect(await store.query({ ...q, field: 'ok' })).toEqual([{ tags, points: [[BASE_MS, true]] }]);
    expect(await store.query({ ...q, field: 'bad' })).toEqual([{ tags, points: [[BASE_MS, false]] }]);
    expect(await store.query({ ...q, field: 'n' })).toEqual([{ tags, points: [[BASE_MS, -7]] }]);
    expect(await store.query({ ...q, field: 'big' })).toEqual([{ tags, points: [[BASE_MS, 2 ** 40]] }]);
    expect(await store.query({ ...q, field: 'field key' })).toEqual([{ tags, points: [[BASE_MS, 1.5e-7]] }]);
  });

  it('treats hostile names and filter values as data, not as query text', async () => {
    const store = open();
    const m = freshMeasurement('inj');
    store.write([point(m, { host: 'a' }, { v: 1 }, BASE_MS), point(m, { host: 'b' }, { v: 2 }, BASE_MS)]);
    await store.flush();
    const q = { measurement: m, field: 'v', startMs: BASE_MS, endMs: BASE_MS + 1 };
    for (const hostile of ["a' OR host = 'b", 'a" OR "host" = \'b', "a\\' OR 1=1 --", 'a\nb', 'a) |> yield()']) {
      expect(await store.query({ ...q, tags: { host: hostile } })).toEqual([]);
    }
    expect(await store.query({ ...q, measurement: `${m}" WHERE 1=1 --` })).toEqual([]);
    expect(await store.query({ ...q, field: 'v" FROM "x' })).toEqual([]);
  });

  it('replaces a value written again for the same series, field and time', async () => {
    const store = open();
    const m = freshMeasurement('dup');
    store.write([point(m, { host: 'a' }, { v: 1 }, BASE_MS)]);
    await store.flush();
    store.write([point(m, { host: 'a' }, { v: 2 }, BASE_MS)]);
    await store.flush();
    expect(await store.query({ measurement: m, field: 'v', startMs: BASE_MS, endMs: BASE_MS + 1 })).toEqual([
      { tags: { host: 'a' }, points: [[BASE_MS, 2]] },
    ]);
  });

  it('rejects a point it cannot store with a 400, accepting nothing of the call', async () => {
    const store = open();
    const m = freshMeasurement('invalid');
    const bad: MetricPoint[] = [
      point(m, {}, { v: Number.NaN }, BASE_MS),
      point(m, {}, {}, BASE_MS),
      point('', {}, { v: 1 }, BASE_MS),
      point(m, { 'a\nb': 'x' }, { v: 1 }, BASE_MS),
    ];
    for (const p of bad) {
      let caught: unknown;
      try {
        store.write([point(m, {}, { v: 1 }, BASE_MS + 1), p]);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).status).toBe(400);
    }
    await store.flush();
    expect(await store.query({ measurement: m, field: 'v', startMs: BASE_MS, endMs: BASE_MS + 10 })).toEqual([]);
  });

  it('throws 503 with Retry-After instead of buffering past maxBufferedPoints', async () => {
    const store = adapter.openStuck(5);
    try {
      const m = freshMeasurement('bp');
      store.write([1, 2, 3].map((i) => point(m, {}, { v: i }, BASE_MS + i)));
      store.write([4, 5].map((i) => point(m, {}, { v: i }, BASE_MS + i)));
      let caught: unknown;
      try {
        store.write([point(m, {}, { v: 6 }, BASE_MS + 6)]);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).status).toBe(503);
      expect((caught as AppError).retryAfterSeconds).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('counts line protocol against the same bound, one point per line', async () => {
    const store = adapter.openStuck(5);
    try {
      const m = freshMeasurement('bplines');
      store.writeLines(lines(`${m} v=1 ${BASE_MS}\n${m} s="a\nb" ${BASE_MS + 1}\n${m} v=3 ${BASE_MS + 2}`));
      store.write([point(m, {}, { v: 4 }, BASE_MS + 3)]);
      store.writeLines(lines(`${m} v=5 ${BASE_MS + 4}`));
      let caught: unknown;
      try {
        store.writeLines(lines(`${m} v=6 ${BASE_MS + 5}`));
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).status).toBe(503);
    } finally {
      await store.close();
    }
  });

  it('waitForRoom answers at once while a write of that many points fits, and with the 503 when it does not in time', async () => {
    const store = adapter.openStuck(5);
    try {
      const m = freshMeasurement('room');
      // An empty buffer takes any batch.
      await expect(store.waitForRoom(1_000, 0)).resolves.toBeUndefined();
      // Asked in the same turn as the write, before the embedded store applies it.
      store.write([1, 2, 3].map((i) => point(m, {}, { v: i }, BASE_MS + i)));
      const fits = store.waitForRoom(2, 0);
      const refused = store.waitForRoom(3, 0);
      const tooMany = store.waitForRoom(6, 10_000);
      await expect(fits).resolves.toBeUndefined();
      for (const answer of [refused, tooMany]) {
        const err = await answer.catch((e: unknown) => e);
        expect((err as AppError).status).toBe(503);
        expect((err as AppError).retryAfterSeconds).toBeGreaterThan(0);
      }
      if (adapter.name === 'embedded') return; // it drains on the next turn: only the Influx store stays full
      const started = Date.now();
      const late = await store.waitForRoom(3, 100).catch((err: unknown) => err);
      expect((late as AppError).status).toBe(503);
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    } finally {
      await store.close();
    }
  });

  it('waitForRoom lets a write that does not fit go once the buffer has drained', async () => {
    const store = open({ maxBufferedPoints: 5 });
    const m = freshMeasurement('roomdrain');
    store.write([1, 2, 3, 4, 5].map((i) => point(m, {}, { v: i }, BASE_MS + i)));
    let ready = false;
    const waiting = store.waitForRoom(3, 20_000).then(() => (ready = true));
    await Promise.resolve();
    expect(ready).toBe(false);
    await store.flush();
    await waiting;
    store.writeLines(lines(`${m} v=6 ${BASE_MS + 6}\n${m} v=7 ${BASE_MS + 7}\n${m} v=8 ${BASE_MS + 8}`));
    await store.flush();
    const [series] = await store.query({ measurement: m, field: 'v', startMs: BASE_MS, endMs: BASE_MS + 100 });
    expect(series?.points).toHaveLength(8);
  });

  it('refuses writes once closed, with a 503', async () => {
    const store = adapter.open();
    await store.close();
    const m = freshMeasurement('closed');
    for (const attempt of [
      () => store.write([point(m, {}, { v: 1 }, BASE_MS)]),
      () => store.writeLines(lines(`${m} v=1 ${BASE_MS}`)),
    ]) {
      let caught: unknown;
      try {
        attempt();
      } catch (err) {
        caught = err;
      }
      expect((caught as AppError).status).toBe(503);
    }
    expect(((await store.waitForRoom(1, 1_000).catch((err: unknown) => err)) as AppError).status).toBe(503);
  });

  it('accepts writes again once the buffer has drained', async () => {
    const store = open({ maxBufferedPoints: 5 });
    const m = freshMeasurement('drain');
    store.write([1, 2, 3, 4, 5].map((i) => point(m, {}, { v: i }, BASE_MS + i)));
    await store.flush();
    store.write([6, 7, 8, 9, 10].map((i) => point(m, {}, { v: i }, BASE_MS + i)));
    await store.flush();
    const [series] = await store.query({ measurement: m, field: 'v', startMs: BASE_MS, endMs: BASE_MS + 100 });
    expect(series?.points.map((p) => p[1])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('flushes on close: a new instance reads what the closed one accepted', async () => {
    const m = freshMeasurement('durable');
    const first = adapter.open({ persistent: true });
    first.write([point(m, { host: 'a' }, { v: 1, s: 'x' }, BASE_MS)]);
    first.writeLines(lines(`${m},host=a v=2,s="y" ${BASE_MS + 1}`));
    await first.close();
    const second = open({ persistent: true });
    expect(await second.query({ measurement: m, field: 'v', startMs: BASE_MS, endMs: BASE_MS + 10 })).toEqual([
      { tags: { host: 'a' }, points: [[BASE_MS, 1], [BASE_MS + 1, 2]] },
    ]);
    expect(await second.query({ measurement: m, field: 's', startMs: BASE_MS, endMs: BASE_MS + 10 })).toEqual([
      { tags: { host: 'a' }, points: [[BASE_MS, 'x'], [BASE_MS + 1, 'y']] },
    ]);
  });

  it('flush waits for every accepted point, across several batches', async () => {
    const store = open();
    const m = freshMeasurement('bulk');
    const total = 12_345;
    for (let i = 0; i < total; i += 1_000) {
      const n = Math.min(1_000, total - i);
      store.write(Array.from({ length: n }, (_, j) => point(m, { shard: String((i + j) % 3) }, { v: i + j }, BASE_MS + i + j)));
    }
    await store.flush();
    const series = await store.query({ measurement: m, field: 'v', startMs: BASE_MS, endMs: BASE_MS + total });
    expect(series.reduce((sum, s) => sum + s.points.length, 0)).toBe(total);
  });

  it('answers ping with 503 when the store cannot be reached', async () => {
    if (adapter.name === 'embedded') return; // always reachable while open
    const store = adapter.openStuck(5);
    try {
      const err = await store.ping().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(503);
    } finally {
      await store.close();
    }
  });
});
