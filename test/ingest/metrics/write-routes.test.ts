/**
 * Line protocol (with gzip and the content types Telegraf sends) and JSON points, through
 * the whole app on embedded adapters, with a 1 MiB body limit.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_POINTS } from '../../../ingest/metrics/write-routes.ts';
import { type TestRuntime, startTestRuntime } from '../../support/test-runtime.ts';

const BODY_LIMIT = 1024 * 1024;
let rt: TestRuntime;
let seq = 0;

beforeAll(async () => {
  rt = await startTestRuntime('embedded', { BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  await rt.app.ready();
});
afterAll(async () => {
  await rt?.cleanup();
});

/** A measurement name no other test uses. */
const fresh = (base: string) => `${base}_${++seq}`;

async function values(measurement: string, field = 'value'): Promise<Array<[number, unknown]>> {
  await rt.adapters.metricStore.flush();
  const series = await rt.adapters.metricStore.query({ measurement, field, startMs: 0, endMs: Date.now() + 3_600_000 });
  return series.flatMap((s) => s.points);
}

async function metricsText(): Promise<string> {
  return (await rt.app.inject({ method: 'GET', url: '/metrics' })).body;
}

/** `n` bytes of zeros, gzipped as a stream (never held uncompressed). */
async function gzipBomb(n: number): Promise<Buffer> {
  const chunk = Buffer.alloc(1024 * 1024);
  const chunks: Buffer[] = [];
  const gzip = createGzip({ level: 9 });
  gzip.on('data', (c: Buffer) => chunks.push(c));
  await pipeline(
    Readable.from((function* () {
      for (let i = 0; i < n / chunk.length; i++) yield chunk;
    })()),
    gzip,
  );
  return Buffer.concat(chunks);
}

describe('line protocol', () => {
  const write = (payload: string | Buffer, headers: Record<string, string> = {}, url = '/api/v1/write?precision=ms') =>
    rt.app.inject({ method: 'POST', url, payload, headers });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['text/plain; charset=utf-8 (Telegraf, InfluxDB clients)', { 'content-type': 'text/plain; charset=utf-8' }],
    ['no content type (Telegraf)', {}],
    ['application/octet-stream', { 'content-type': 'application/octet-stream' }],
  ])('accepts %s', async (_name, headers) => {
    const m = fresh('lp');
    const res = await write(`${m},host=a value=1 1000\n${m},host=a value=2 2000`, headers);
    expect(res.statusCode).toBe(204);
    expect(await values(m)).toEqual([[1000, 1], [2000, 2]]);
  });

  it('refuses other content types with 415 problem+json', async () => {
    const res = await write('x value=1', { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().type).toMatch(/unsupported-media-type$/);
    expect((await write('x value=1', { 'content-type': 'text/plain; charset=latin1' })).statusCode).toBe(415);
  });

  it('takes Content-Encoding: gzip, also at /write and /api/v2/write', async () => {
    for (const url of ['/api/v1/write', '/write?db=telegraf&precision=s', '/api/v2/write?org=o&bucket=b&precision=ns']) {
      const m = fresh('gz');
      const unit = url.includes('precision=s') ? 1 : 1_000_000_000;
      const body = gzipSync(`${m},host=a value=7 ${5 * unit}\n`);
      const res = await write(body, { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'gzip' }, url);
      expect(res.statusCode, url).toBe(204);
      expect(await values(m)).toEqual([[5000, 7]]);
    }
  });

  it('answers 413 for a gzip bomb, stopping at the limit', async () => {
    const bomb = await gzipBomb(256 * BODY_LIMIT);
    expect(bomb.length).toBeLessThan(BODY_LIMIT);
    const before = process.memoryUsage().arrayBuffers;
    const res = await write(bomb, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ type: expect.stringMatching(/payload-too-large$/), detail: expect.stringContaining(`${BODY_LIMIT} bytes once decompressed`) });
    // Far less than the 256 MiB the bomb expands to was ever held.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * BODY_LIMIT);
  });

  it('answers 413 for a body over the limit as sent', async () => {
    const res = await write(Buffer.alloc(BODY_LIMIT + 1, 0x20), { 'content-type': 'text/plain' });
    expect(res.statusCode).toBe(413);
  });

  it('answers 400 for a body that is not gzip, and 415 for another coding', async () => {
    const bad = await write('not gzip at all', { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/gzip body cannot be decompressed/);
    const br = await write('x value=1', { 'content-type': 'text/plain', 'content-encoding': 'br' });
    expect(br.statusCode).toBe(415);
    expect(br.json().detail).toMatch(/Content-Encoding "br"/);
  });

  it('keeps refusing a request with a bad line with 400 naming the line, writing nothing', async () => {
    const m = fresh('bad');
    const res = await write(gzipSync(`${m} value=1 1\n${m} value=oops 2\n${m} value=3 3`), { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: 'line 2', message: expect.stringContaining('invalid value "oops"') }]);
    expect(await values(m)).toEqual([]);
  });
});

describe('JSON points at /api/v1/metrics', () => {
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    rt.app.inject({ method: 'POST', url: '/api/v1/metrics', payload: JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } });

  it('stores points with ISO times (nanoseconds kept), epoch ms, or no time (now)', async () => {
    const m = fresh('json');
    const before = Date.now();
    const res = await post([
      { measurement: m, tags: { host: 'a' }, fields: { value: 1.5, ok: true, note: 'hi' }, time: '2024-05-01T10:00:00.123456789+02:00' },
      { measurement: m, tags: { host: 'a' }, fields: { value: 2 }, time: 1_714_550_400_500 },
      { measurement: m, tags: { host: 'b' }, fields: { value: 3 } },
    ]);
    expect(res.statusCode).toBe(204);
    await rt.adapters.metricStore.flush();
    const series = await rt.adapters.metricStore.query({ measurement: m, field: 'value', startMs: 0, endMs: Date.now() + 1000 });
    expect(series[0]).toEqual({ tags: { host: 'a' }, points: [[Date.parse('2024-05-01T08:00:00.123Z'), 1.5], [1_714_550_400_500, 2]] });
    expect(series[1]?.tags).toEqual({ host: 'b' });
    expect(series[1]?.points[0]?.[0]).toBeGreaterThanOrEqual(before);
    expect(await values(m, 'note')).toEqual([[Date.parse('2024-05-01T08:00:00.123Z'), 'hi']]);
  });

  it('takes a gzipped JSON body', async () => {
    const m = fresh('jsongz');
    const res = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/metrics',
      payload: gzipSync(JSON.stringify([{ measurement: m, fields: { value: 9 }, time: 9 }])),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(res.statusCode).toBe(204);
    expect(await values(m)).toEqual([[9, 9]]);
  });

  it.each([
    ['an unknown field', [{ measurement: 'm', fields: { value: 1 }, extra: 1 }], /unknown field "extra"/],
    ['no fields', [{ measurement: 'm', fields: {} }], /fields/],
    ['a time without zone', [{ measurement: 'm', fields: { value: 1 }, time: '2024-05-01T10:00:00' }], /time/],
    ['a non-integer epoch', [{ measurement: 'm', fields: { value: 1 }, time: 1.5 }], /time/],
    ['an object as field value', [{ measurement: 'm', fields: { value: { a: 1 } } }], /fields/],
    ['an empty array', [], /must NOT have fewer than 1 items/],
    ['not an array', { measurement: 'm', fields: { value: 1 } }, /must be array/],
  ])('refuses %s with 400', async (_name, body, detail) => {
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().detail).toMatch(detail);
  });

  it(`refuses more than ${MAX_JSON_POINTS} points`, async () => {
    const points = Array.from({ length: MAX_JSON_POINTS + 1 }, (_, i) => ({ measurement: 'many', fields: { value: i }, time: i }));
    const res = await post(points);
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(new RegExp(`must NOT have more than ${MAX_JSON_POINTS} items`));
  });

  it('refuses the whole request when one point cannot be stored, naming it', async () => {
    const m = fresh('jsonbad');
    const res = await post([
      { measurement: m, fields: { value: 1 }, time: 1 },
      { measurement: m, tags: { host: 'a\nb' }, fields: { value: 2 }, time: 2 },
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: '/1', message: expect.stringContaining('control character') }]);
    expect(await values(m)).toEqual([]);
    expect(await metricsText()).toMatch(/aiops_metric_points_rejected_total [1-9]/);
  });
});
