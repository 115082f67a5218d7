/**
 * Nothing accepted is lost on a deploy: points accepted (204) just before the process
 * stops are in InfluxDB after `stop()`, because the runtime closes the metric store, which
 * flushes, after the HTTP server. Checked with InfluxQL against the server itself, not
 * through our own store.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { type TestRuntime, startTestRuntime } from '../../support/test-runtime.ts';
import { sample, snappy, timeSeries, writeRequest } from './prompb.ts';

let rt: TestRuntime | undefined;
afterAll(async () => {
  await rt?.cleanup();
});

async function influxQl(url: string, db: string, q: string): Promise<Array<{ name: string; values: unknown[][] }>> {
  const res = await fetch(`${url}/query?${new URLSearchParams({ db, q, epoch: 'ms' })}`);
  const body = (await res.json()) as { results: Array<{ series?: Array<{ name: string; values: unknown[][] }>; error?: string }> };
  if (body.results[0]?.error) throw new Error(body.results[0].error);
  return body.results[0]?.series ?? [];
}

describe('shutdown', () => {
  it('flushes every accepted point to InfluxDB before the process ends', async () => {
    rt = await startTestRuntime('real');
    const t = Date.now() - 5_000;
    const lines = Array.from({ length: 2_500 }, (_, i) => `flush_lp,n=${i % 10} value=${i} ${t + i}`).join('\n');

    const lp = await rt.app.inject({ method: 'POST', url: '/api/v1/write?precision=ms', payload: gzipSync(lines), headers: { 'content-encoding': 'gzip' } });
    expect(lp.statusCode).toBe(204);
    const rw = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/prom/write',
      payload: snappy(writeRequest(timeSeries({ __name__: 'flush_rw', job: 'j' }, [sample(42, BigInt(t))]))),
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    });
    expect(rw.statusCode).toBe(204);
    const json = await rt.app.inject({ method: 'POST', url: '/api/v1/metrics', payload: [{ measurement: 'flush_json', fields: { value: 7 }, time: t }] });
    expect(json.statusCode).toBe(204);

    // Straight away: well inside the store's 1 s flush interval.
    await rt.stop();

    const { INFLUX_URL: url, INFLUX_DATABASE: db } = rt.env as { INFLUX_URL: string; INFLUX_DATABASE: string };
    const [lpCount] = await influxQl(url, db, 'SELECT count("value") FROM "flush_lp"');
    expect(lpCount?.values[0]?.[1]).toBe(2_500);
    const [rwSeries] = await influxQl(url, db, `SELECT "value" FROM "flush_rw" WHERE "job" = 'j'`);
    expect(rwSeries?.values).toEqual([[t, 42]]);
    const [jsonSeries] = await influxQl(url, db, 'SELECT "value" FROM "flush_json"');
    expect(jsonSeries?.values).toEqual([[t, 7]]);
  });
});
