/**
 * Backpressure: with InfluxDB unreachable, the Influx metric store's buffer fills up and
 * every metric write path answers 503 problem+json with Retry-After, so senders retry
 * instead of losing points.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestRuntime, startTestRuntime } from '../../support/test-runtime.ts';
import { sample, snappy, timeSeries, writeRequest } from './prompb.ts';

const BUFFER = 1000;
let rt: TestRuntime;

beforeAll(async () => {
  rt = await startTestRuntime('embedded', {
    // Port 1 refuses connections: nothing ever drains.
    INFLUX_URL: 'http://127.0.0.1:1',
    INFLUX_VERSION: '1',
    INFLUX_DATABASE: 'x',
    METRIC_BUFFER_POINTS: String(BUFFER),
  });
  await rt.app.ready();
});
afterAll(async () => {
  await rt?.cleanup();
});

function expect503(res: { statusCode: number; headers: Record<string, unknown>; json(): any }): void {
  expect(res.statusCode).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.json()).toMatchObject({ type: expect.stringMatching(/unavailable$/), status: 503 });
}

describe('a full metric buffer', () => {
  it('answers 503 with Retry-After on line protocol, remote_write and JSON points', async () => {
    const t = Date.now();
    const lines = Array.from({ length: BUFFER }, (_, i) => `fill,n=${i} value=${i} ${t}`).join('\n');
    const first = await rt.app.inject({ method: 'POST', url: '/api/v1/write?precision=ms', payload: lines, headers: { 'content-type': 'text/plain' } });
    expect(first.statusCode).toBe(204);

    expect503(await rt.app.inject({ method: 'POST', url: '/api/v1/write', payload: 'more value=1', headers: { 'content-type': 'text/plain' } }));
    // Refused before it is read into lines: not even checked.
    expect503(await rt.app.inject({ method: 'POST', url: '/api/v1/write', payload: 'not line protocol', headers: { 'content-type': 'text/plain' } }));
    expect503(
      await rt.app.inject({
        method: 'POST',
        url: '/api/v1/prom/write',
        payload: snappy(writeRequest(timeSeries({ __name__: 'up' }, [sample(1, BigInt(t))]))),
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      }),
    );
    expect503(await rt.app.inject({ method: 'POST', url: '/api/v1/metrics', payload: [{ measurement: 'm', fields: { value: 1 } }] }));
  });
});
