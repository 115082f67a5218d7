/**
 * Ingest's explicit limits and its figures: an oversized body is a 413, a queue that
 * cannot be reached a 503 with Retry-After (senders retry; nothing is silently dropped),
 * and /metrics counts accepted, rejected and deduplicated alerts per source.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';

const json = { 'content-type': 'application/json' };

describe('ingest limits and figures', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await startTestRuntime('embedded', { BODY_LIMIT_BYTES: '65536', LIMIT_LABELS_PER_ALERT: '4' });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('answers 413 problem+json for a body over BODY_LIMIT_BYTES', async () => {
    const big = alertmanagerPayload([{ fingerprint: 'big', labels: { alertname: 'Big' }, summary: 'x'.repeat(70_000) }]);
    const res = await rt.app.inject({ method: 'POST', url: '/api/v1/webhooks/alertmanager', headers: json, payload: JSON.stringify(big) });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers 400 naming the alert whose labels are over the limit', async () => {
    const res = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/alertmanager',
      headers: json,
      payload: JSON.stringify(alertmanagerPayload([{ fingerprint: 'many', labels: { alertname: 'A', a: '1', b: '2', c: '3', d: '4' } }])),
    });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().errors)).toContain('alerts/0/labels');
  });

  it('answers 400 naming the alert and field for a NUL character or a lone surrogate, which the store cannot hold, and queues nothing', async () => {
    const before = (await rt.app.inject({ method: 'GET', url: '/metrics' })).body.match(/aiops_alerts_accepted_total\{source="alertmanager"\} (\d+)/)?.[1] ?? '0';
    const alerts: Array<{ fingerprint: string; labels: Record<string, string>; summary?: string }> = [
      { fingerprint: 'nul-1', labels: { alertname: 'Nul', service: 'a\u0000b' } },
      { fingerprint: 'nul-2', labels: { alertname: 'Nul' }, summary: 'x\u0000' },
      // A lone surrogate: JSON carries it as \ud800, which Postgres's json and jsonb refuse.
      { fingerprint: 'nul-3', labels: { alertname: 'Nul', service: 'half \ud800 a pair' } },
    ];
    for (const alert of alerts) {
      const res = await rt.app.inject({ method: 'POST', url: '/api/v1/webhooks/alertmanager', headers: json, payload: JSON.stringify(alertmanagerPayload([{ fingerprint: 'ok', labels: { alertname: 'Ok' } }, alert])) });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().detail).toMatch(/alert 2 .*(label "service"|annotation "summary")/);
      expect(JSON.stringify(res.json().errors)).toContain('alerts/1');
    }
    const after = (await rt.app.inject({ method: 'GET', url: '/metrics' })).body.match(/aiops_alerts_accepted_total\{source="alertmanager"\} (\d+)/)?.[1] ?? '0';
    expect(after).toBe(before);
  });

  it('counts accepted, rejected by reason and deduplicated alerts per source', async () => {
    const body = JSON.stringify(alertmanagerPayload([{ fingerprint: 'fig-1', labels: { alertname: 'Fig', service: 'fig' }, startsAt: '2026-11-21T10:00:00Z' }]));
    for (let i = 0; i < 2; i++) {
      expect((await rt.app.inject({ method: 'POST', url: '/api/v1/webhooks/alertmanager', headers: json, payload: body })).statusCode).toBe(202);
    }
    expect((await rt.app.inject({ method: 'POST', url: '/api/v1/alerts', headers: json, payload: '{"name": 5}' })).statusCode).toBe(400);
    const text = await eventually(async () => {
      const t = (await rt.app.inject({ method: 'GET', url: '/metrics' })).body;
      return /aiops_alerts_deduplicated_total\{source="alertmanager"\} 1/.test(t) ? t : undefined;
    }, 10_000, 'the repeat to be counted');
    expect(text).toMatch(/aiops_alerts_accepted_total\{source="alertmanager"\} 2/);
    expect(text).toMatch(/aiops_alerts_rejected_total\{source="alertmanager",reason="too-large"\} 1/);
    expect(text).toMatch(/aiops_alerts_rejected_total\{source="generic",reason="invalid"\} 1/);
    expect(text).toMatch(/aiops_ingest_ack_seconds_count\{source="alertmanager"\} 2/);
  });
});

describe('ingest when the queue cannot be reached', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    // An ingest-only process whose Redis is gone: it starts, and refuses honestly.
    rt = await startTestRuntime('real', { REDIS_URL: 'redis://127.0.0.1:1', ROLES: 'ingest' });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('answers 503 problem+json with Retry-After, and /readyz says the queue is down', async () => {
    const res = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/alertmanager',
      headers: json,
      payload: JSON.stringify(alertmanagerPayload([{ fingerprint: 'down-1', labels: { alertname: 'Down' } }])),
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    const ready = await rt.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.queue).toBe('unavailable');
  });
});

describe('ingest when the correlator has fallen behind', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    // Ingest only: nothing drains the queue, so the backlog only grows.
    rt = await startTestRuntime('real', { ROLES: 'ingest', QUEUE_MAX_DEPTH: '2' });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('answers 503 with Retry-After once the backlog is over QUEUE_MAX_DEPTH', async () => {
    const post = (i: number) =>
      rt.app.inject({
        method: 'POST',
        url: '/api/v1/webhooks/alertmanager',
        headers: json,
        payload: JSON.stringify(alertmanagerPayload([{ fingerprint: `backlog-${i}`, labels: { alertname: 'Backlog' } }])),
      });
    for (let i = 0; i < 3; i++) expect((await post(i)).statusCode).toBe(202);
    // The depth is read at most once a second.
    await new Promise((r) => setTimeout(r, 1100));
    const refused = await post(99);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json().detail).toMatch(/3 alert batches are waiting/);
    expect(await rt.adapters.queue.depth('alerts.ingest')).toBe(3);
  });
});
