/**
 * Prometheus remote_write through the whole app on embedded adapters: snappy + protobuf
 * in, points out, with the answers Prometheus acts on (204, 400 dropped, 413, 415).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestRuntime, startTestRuntime } from '../../support/test-runtime.ts';
import { STALE_NAN_BITS, lengthDelimited, metadata, sample, snappy, timeSeries, writeRequest } from './prompb.ts';

const BODY_LIMIT = 64 * 1024;
const HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
let rt: TestRuntime;

beforeAll(async () => {
  rt = await startTestRuntime('embedded', { BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  await rt.app.ready();
});
afterAll(async () => {
  await rt?.cleanup();
});

const send = (payload: Buffer | string, headers: Record<string, string> = HEADERS) =>
  rt.app.inject({ method: 'POST', url: '/api/v1/prom/write', payload, headers });

async function metricsText(): Promise<string> {
  return (await rt.app.inject({ method: 'GET', url: '/metrics' })).body;
}

function counter(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

describe('POST /api/v1/prom/write', () => {
  it('stores each sample as a point: measurement __name__, tags the other labels, field value', async () => {
    const t = BigInt(Date.now() - 60_000);
    const body = snappy(
      writeRequest(
        timeSeries({ __name__: 'rw_up', job: 'node', instance: 'a:9100' }, [sample(1, t), sample(0, t + 15_000n)]),
        timeSeries({ __name__: 'rw_up', job: 'node', instance: 'b:9100' }, [sample(1, t)]),
        metadata('rw_up', 'target is up'),
      ),
    );
    const before = counter(await metricsText(), 'aiops_metric_points_accepted_total');
    const res = await send(body);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');

    await rt.adapters.metricStore.flush();
    const series = await rt.adapters.metricStore.query({ measurement: 'rw_up', field: 'value', startMs: 0, endMs: Date.now() });
    expect(series).toEqual([
      { tags: { instance: 'a:9100', job: 'node' }, points: [[Number(t), 1], [Number(t) + 15_000, 0]] },
      { tags: { instance: 'b:9100', job: 'node' }, points: [[Number(t), 1]] },
    ]);
    expect(counter(await metricsText(), 'aiops_metric_points_accepted_total') - before).toBe(3);
  });

  it('skips staleness markers and NaN, counting them as dropped, and stores the rest', async () => {
    const t = BigInt(Date.now() - 30_000);
    const text0 = await metricsText();
    const res = await send(
      snappy(
        writeRequest(
          timeSeries({ __name__: 'rw_stale', job: 'x' }, [sample(5, t), sample({ bits: STALE_NAN_BITS }, t + 1000n)]),
          timeSeries({ __name__: 'rw_nan' }, [sample(Number.NaN, t)]),
        ),
      ),
    );
    expect(res.statusCode).toBe(204);
    await rt.adapters.metricStore.flush();
    const series = await rt.adapters.metricStore.query({ measurement: 'rw_stale', field: 'value', startMs: 0, endMs: Date.now() });
    expect(series).toEqual([{ tags: { job: 'x' }, points: [[Number(t), 5]] }]);
    const text1 = await metricsText();
    const dropped = (reason: string, text: string) => counter(text, 'aiops_metric_points_dropped_total', `{reason="${reason}"}`);
    expect(dropped('stale-marker', text1) - dropped('stale-marker', text0)).toBe(1);
    expect(dropped('non-finite', text1) - dropped('non-finite', text0)).toBe(1);
  });

  it('answers 204 to a metadata-only request and to an empty one', async () => {
    expect((await send(snappy(writeRequest(metadata('a', 'help a'), metadata('b', 'help b'))))).statusCode).toBe(204);
    expect((await send(snappy(new Uint8Array(0)))).statusCode).toBe(204);
  });

  it('answers 400 problem+json for a body that is not snappy', async () => {
    const res = await send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().detail).toMatch(/not valid snappy/);
    // A valid preamble followed by a broken stream.
    expect((await send(Buffer.from([0x10, 0xfe, 0x01, 0x02]))).statusCode).toBe(400);
  });

  it('answers 400 problem+json for snappy that is not a WriteRequest', async () => {
    const res = await send(snappy(Uint8Array.from(Buffer.from('{"timeseries": []}'))));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ type: expect.stringMatching(/bad-request$/), detail: expect.stringMatching(/not a valid protobuf WriteRequest: .* at byte \d+/) });
    const truncated = writeRequest(timeSeries({ __name__: 'x' }, [sample(1, 1)])).subarray(0, 10);
    expect((await send(snappy(truncated))).statusCode).toBe(400);
  });

  it('answers 413 when the body decompresses past the limit, before decompressing it', async () => {
    const big = new Uint8Array(BODY_LIMIT * 4);
    const compressed = snappy(big);
    expect(compressed.length).toBeLessThan(BODY_LIMIT);
    const res = await send(compressed);
    expect(res.statusCode).toBe(413);
    expect(res.json().detail).toMatch(new RegExp(`decompresses to ${BODY_LIMIT * 4} bytes`));
  });

  it('answers 415 without Content-Encoding: snappy, with another content type, or for remote_write 2.0', async () => {
    const body = snappy(writeRequest(timeSeries({ __name__: 'x' }, [sample(1, 1)])));
    const noEncoding = await send(body, { 'content-type': 'application/x-protobuf' });
    expect(noEncoding.statusCode).toBe(415);
    expect(noEncoding.json().detail).toMatch(/Content-Encoding must be snappy/);
    expect((await send(body, { ...HEADERS, 'content-encoding': 'gzip' })).statusCode).toBe(415);
    expect((await send(body, { ...HEADERS, 'content-type': 'application/octet-stream' })).statusCode).toBe(415);
    expect((await send('{}', { ...HEADERS, 'content-type': 'application/json' })).statusCode).toBe(415);
    const v2 = await send(body, { ...HEADERS, 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' });
    expect(v2.statusCode).toBe(415);
    expect(v2.json().detail).toMatch(/remote_write 1\.0/);
    expect((await send(body, { ...HEADERS, 'content-type': 'application/x-protobuf; proto=prometheus.WriteRequest' })).statusCode).toBe(204);
  });

  it('skips a series whose labels cannot be stored instead of refusing the batch', async () => {
    const t = BigInt(Date.now() - 10_000);
    const res = await send(
      snappy(writeRequest(timeSeries({ __name__: 'rw_ok' }, [sample(1, t)]), timeSeries({ __name__: 'rw_ok', v: 'a\u0001b' }, [sample(2, t)]), lengthDelimited(1, []))),
    );
    expect(res.statusCode).toBe(204);
    await rt.adapters.metricStore.flush();
    const series = await rt.adapters.metricStore.query({ measurement: 'rw_ok', field: 'value', startMs: 0, endMs: Date.now() });
    expect(series).toEqual([{ tags: {}, points: [[Number(t), 1]] }]);
  });
});
