/**
 * The walking skeleton end to end inside one process, on embedded defaults and on real
 * Postgres, Redis and InfluxDB: an Alertmanager webhook becomes an incident, listed by
 * the API and pushed on the websocket; bad input is refused with problem+json.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { sampleByKind as figure } from '../support/prometheus-text.ts';
import { type Flavour, type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../../shared/samples/alertmanager-0.25-webhook.json');

/** Opens the stream, collecting every message from the first one on. */
async function openStream(rt: TestRuntime, url: string): Promise<{ ws: WebSocket; seen: Array<Record<string, any>> }> {
  const seen: Array<Record<string, any>> = [];
  // onInit attaches the listener before the upgrade completes, so `hello` cannot slip past.
  const ws = await rt.app.injectWS(url, {}, { onInit: (socket) => socket.on('message', (data) => seen.push(JSON.parse(String(data)))) });
  return { ws, seen };
}

describe.each<Flavour>(['embedded', 'real'])('webhook to live incident (%s)', (flavour) => {
  let rt: TestRuntime;

  beforeAll(async () => {
    rt = await startTestRuntime(flavour);
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  const post = (body: unknown, url = '/api/v1/webhooks/alertmanager') =>
    rt.app.inject({ method: 'POST', url, payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it('turns an Alertmanager webhook into an incident listed with its source fingerprints', async () => {
    const t = new Date().toISOString();
    const res = await post(
      alertmanagerPayload([
        { fingerprint: 'aaa111', labels: { alertname: 'HighErrorRate', service: 'orders-api', severity: 'critical' }, startsAt: t },
        { fingerprint: 'bbb222', labels: { alertname: 'HighLatency', service: 'orders-api', severity: 'warning' }, startsAt: t },
      ]),
    );
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'accepted', alerts: 2 });

    const incident = await eventually(async () => {
      const list = (await rt.app.inject({ method: 'GET', url: '/api/v1/incidents?status=open' })).json();
      const found = list.items.find((i: any) => i.groupKey === 'service=orders-api');
      return found && found.alertCount === 2 ? found : undefined;
    }, 10_000, 'the orders-api incident');
    expect(incident.sourceFingerprints).toEqual(['aaa111', 'bbb222']);
    expect(incident.severity).toBe('critical');

    const detail = (await rt.app.inject({ method: 'GET', url: `/api/v1/incidents/${incident.id}` })).json();
    expect(detail.members).toHaveLength(2);
    expect(detail.members.map((m: any) => m.linkReason).join(' | ')).toMatch(/same service "orders-api"/);
    // The joining member carries the figures behind its link; without topology there is no root ranking.
    const linked = detail.members.find((m: any) => m.linkScore !== null);
    expect(linked.linkScore).toMatchObject({ topology: 1, relation: 'self' });
    expect(linked.linkScore.total).toBeGreaterThanOrEqual(0.5);
    expect(detail.rootCauses).toEqual([]);
    expect(detail.members.every((m: any) => m.suppressedBy === null && m.flapping === false)).toBe(true);
  });

  it('accepts the body captured from a real Alertmanager 0.25', async (ctx) => {
    let body: string;
    try {
      body = await readFile(SAMPLE, 'utf8');
    } catch {
      ctx.skip(`sample not found at ${SAMPLE}`);
      return;
    }
    const res = await post(body);
    expect(res.statusCode).toBe(202);
    await eventually(async () => {
      const list = (await rt.app.inject({ method: 'GET', url: '/api/v1/incidents' })).json();
      return list.items.find((i: any) => i.sourceFingerprints.includes('8e9b249c8f3b53af'));
    }, 10_000, 'the sample incident');
  });

  it('pushes incident.created and incident.updated on the websocket, and resumes from a sequence number', async () => {
    const { ws, seen } = await openStream(rt, '/api/v1/stream');
    const hello = await eventually(async () => seen.find((m) => m.type === 'hello'), 5000, 'hello');
    const t0 = Date.now();
    await post(alertmanagerPayload([{ fingerprint: 'ws-1', labels: { alertname: 'DiskFull', service: 'ws-svc' }, startsAt: new Date(t0).toISOString() }]));
    const created = await eventually(async () => seen.find((m) => m.type === 'incident.created' && m.incident.sourceFingerprints.includes('ws-1')), 10_000, 'incident.created');
    expect(created.seq).toBeGreaterThan(hello.seq);
    await post(alertmanagerPayload([{ fingerprint: 'ws-2', labels: { alertname: 'DiskSlow', service: 'ws-svc' }, startsAt: new Date(t0 + 1000).toISOString() }]));
    const updated = await eventually(
      async () => seen.find((m) => m.type === 'incident.updated' && m.incident.id === created.incident.id && m.incident.alertCount === 2),
      10_000,
      'incident.updated',
    );
    ws.terminate();

    // A console that saw only `created` reconnects with its sequence number and gets the rest, once.
    const { ws: again, seen: replay } = await openStream(rt, `/api/v1/stream?since=${created.seq}`);
    await eventually(async () => replay.find((m) => m.type !== 'hello' && m.seq === updated.seq), 5000, 'replayed update');
    const streamed = replay.filter((m) => m.type !== 'hello');
    expect(streamed.filter((m) => m.seq === created.seq)).toHaveLength(0);
    expect(streamed.filter((m) => m.seq === updated.seq)).toHaveLength(1);
    again.terminate();
  });

  it('refuses bad input with 400 problem+json naming the field, and stores nothing', async () => {
    const before = (await rt.app.inject({ method: 'GET', url: '/api/v1/alerts?limit=500' })).json().items.length;
    const cases: Array<[unknown, RegExp]> = [
      ['{"alerts": [', /json/i],
      [{ version: '4' }, /alerts/],
      [{ alerts: [] }, /alerts/],
      [{ alerts: [{ status: 'firing', labels: { alertname: 5 }, startsAt: new Date().toISOString() }] }, /alerts\/0\/labels\/alertname/],
      [{ alerts: [{ status: 'burning', labels: { alertname: 'x' }, startsAt: new Date().toISOString() }] }, /alerts\/0\/status/],
      [{ alerts: [{ status: 'firing', labels: { alertname: 'x' }, startsAt: 'yesterday' }] }, /alerts\/0\/startsAt/],
      [{ alerts: [{ status: 'firing', labels: { alertname: 'x' }, startsAt: '2026-19-39T10:00:00.000Z' }] }, /alerts\/0\/startsAt/],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = res.json();
      expect(problem.type).toMatch(/^https:\/\//);
      expect(problem.status).toBe(400);
      expect(`${problem.detail} ${JSON.stringify(problem.errors ?? [])}`).toMatch(field);
    }
    // Every one of 300 alerts is wrong: the problem names the first 100 and counts them all.
    const allBad = { alerts: Array.from({ length: 300 }, () => ({ status: 'burning', labels: { alertname: 'x' }, startsAt: new Date().toISOString() })) };
    const capped = (await post(allBad)).json();
    expect(capped.errors).toHaveLength(100);
    expect(capped.errorCount).toBe(300);
    expect(capped.detail).toMatch(/300 errors in all/);
    const tooMany = alertmanagerPayload(Array.from({ length: 1001 }, (_, i) => ({ fingerprint: `many-${i}`, labels: { alertname: 'x' } })));
    expect((await post(tooMany)).statusCode).toBe(400);
    const unknownRoute = await rt.app.inject({ method: 'GET', url: '/api/v1/nothing' });
    expect(unknownRoute.statusCode).toBe(404);
    expect(unknownRoute.headers['content-type']).toMatch(/problem\+json/);
    expect((await rt.app.inject({ method: 'GET', url: '/api/v1/incidents?status=burning' })).statusCode).toBe(400);
    expect((await rt.app.inject({ method: 'GET', url: '/api/v1/incidents?limit=abc' })).statusCode).toBe(400);
    // Give a wrongly accepted job time to land before counting.
    await new Promise((r) => setTimeout(r, 300));
    expect((await rt.app.inject({ method: 'GET', url: '/api/v1/alerts?limit=500' })).json().items.length).toBe(before);
  });

  it('writes line protocol into the metric store and reports a bad line by number', async () => {
    const now = Date.now();
    const body = `cpu,host=web-1 usage=0.5 ${now - 2000}\ncpu,host=web-1 usage=0.75 ${now - 1000}\n`;
    const ok = await rt.app.inject({ method: 'POST', url: '/api/v1/write?precision=ms', payload: body, headers: { 'content-type': 'text/plain' } });
    expect(ok.statusCode).toBe(204);
    await rt.adapters.metricStore.flush();
    const series = await rt.adapters.metricStore.query({ measurement: 'cpu', field: 'usage', tags: { host: 'web-1' }, startMs: now - 10_000, endMs: now + 1 });
    expect(series).toHaveLength(1);
    expect(series[0]!.points.map((p) => p[1])).toEqual([0.5, 0.75]);

    const bad = await rt.app.inject({ method: 'POST', url: '/write?precision=ms', payload: `cpu,host=web-2 usage=1 ${now}\ncpu,host=web-2 usage= ${now}\n`, headers: { 'content-type': 'text/plain' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    expect(JSON.stringify(bad.json().errors)).toContain('line 2');
    await rt.adapters.metricStore.flush();
    const none = await rt.adapters.metricStore.query({ measurement: 'cpu', field: 'usage', tags: { host: 'web-2' }, startMs: now - 10_000, endMs: now + 1 });
    expect(none).toEqual([]);
  });

  it('serves /metrics with process figures, /healthz and /readyz over every store', async () => {
    const metrics = await rt.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('process_resident_memory_bytes');
    expect(metrics.body).toContain('aiops_queue_depth');
    expect((await rt.app.inject({ method: 'GET', url: '/healthz' })).json().status).toBe('ok');
    const ready = await rt.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toEqual({ database: 'ok', queue: 'ok', bus: 'ok', metrics: 'ok' });
  });

  it('shows on /metrics what the correlation engine holds against its memory caps', async () => {
    await post(alertmanagerPayload([{ fingerprint: 'cap-1', labels: { alertname: 'QueueBacklog', service: 'cap-svc' }, startsAt: new Date().toISOString() }]));
    const body = await eventually(async () => {
      const text = (await rt.app.inject({ method: 'GET', url: '/metrics' })).body;
      return figure(text, 'aiops_correlator_engine_held', 'alerts') > 0 ? text : undefined;
    }, 10_000, 'engine figures');
    expect(figure(body, 'aiops_correlator_engine_held', 'incidents')).toBeGreaterThan(0);
    // CORRELATOR_MAX_ALERTS and CORRELATOR_MAX_INCIDENTS unset: the engine's defaults.
    expect(figure(body, 'aiops_correlator_engine_cap', 'alerts')).toBe(500_000);
    expect(figure(body, 'aiops_correlator_engine_cap', 'incidents')).toBe(100_000);
    expect(figure(body, 'aiops_correlator_engine_capped_total', 'alerts')).toBe(0);
    expect(figure(body, 'aiops_correlator_engine_capped_total', 'incidents')).toBe(0);
  });

  it('serves the console page', async () => {
    const page = await rt.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('/console/console.js');
    expect((await rt.app.inject({ method: 'GET', url: '/console/console.js' })).statusCode).toBe(200);
  });
});
