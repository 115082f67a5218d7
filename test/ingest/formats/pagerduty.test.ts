/**
 * PagerDuty Events API v2 with PagerDuty's semantics: the reply carries the dedup_key
 * (a new one for every trigger without one); acknowledge and resolve act on the open
 * alert only; a trigger after a resolve opens a new incident; the routing key is never
 * stored. Change events are validated and stored durably.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeRepository } from '../../../engine/change/change-repository.ts';
import { problemHandler } from '../../../engine/http/problem-handler.ts';
import { createValidatorCompiler } from '../../../engine/http/validator-compiler.ts';
import { pagerdutyChangeRoutes } from '../../../ingest/pagerduty/pagerduty-change-routes.ts';
import { routingKeyHash } from '../../../ingest/pagerduty/pagerduty-normalizer.ts';
import { type TestRuntime, startTestRuntime } from '../../support/test-runtime.ts';
import { alertEvents, alertWhen, expectProblem, incidentsWhen, listAlerts, post, sample, sampleText, settle } from './format-test-kit.ts';

const URL = '/api/v1/webhooks/pagerduty';
const ROUTING_KEY = 'R0UT1NGK3Y0F32CHARACTERSEXAMPLE1';
const SCOPE = routingKeyHash(ROUTING_KEY);

describe('pagerduty events v2', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    // One correlator worker: the trigger/ack/resolve sequence is processed in the order sent.
    rt = await startTestRuntime('embedded', { INGEST_AUTH: 'disabled', CORRELATOR_CONCURRENCY: '1' });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  const trigger = (over: Record<string, unknown> = {}) => ({
    routing_key: ROUTING_KEY,
    event_action: 'trigger',
    payload: { summary: 'Search p95 above 2 s', source: 'search-1.prod.example.com', severity: 'warning', component: 'search-api' },
    ...over,
  });

  it('maps the sample trigger and answers like PagerDuty, without storing the routing key', async () => {
    const res = await post(rt, URL, sampleText('pagerduty-trigger.json'));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'payments-db/replication-lag' });
    const alert = await alertWhen(rt, `pagerduty:${SCOPE}:payments-db/replication-lag`);
    expect(alert).toMatchObject({
      source: 'pagerduty',
      name: 'Replication lag on payments-db-2 is 184 s',
      status: 'firing',
      severity: 'error',
      startsAt: '2026-11-21T09:20:15.482Z',
      labels: { service: 'payments-db', source: 'payments-db-2.prod.example.com', component: 'payments-db', group: 'prod-payments', class: 'replication lag' },
    });
    expect(JSON.parse(alert.annotations.custom_details!)).toMatchObject({ lag_seconds: 184 });
    expect(JSON.parse(alert.annotations.links!)[0].text).toBe('Runbook');
    expect(JSON.stringify(alert)).not.toContain(ROUTING_KEY);
    const [incident] = await incidentsWhen(rt, `${SCOPE}:payments-db/replication-lag`, (l) => l.length === 1);
    expect(incident).toMatchObject({ groupKey: 'service=payments-db', status: 'open' });
  });

  it('records the same delivery once: one event, one incident', async () => {
    expect((await post(rt, URL, sampleText('pagerduty-trigger.json'))).statusCode).toBe(202);
    await settle();
    expect(await alertEvents(rt, `pagerduty:${SCOPE}:payments-db/replication-lag`)).toHaveLength(1);
    await incidentsWhen(rt, `${SCOPE}:payments-db/replication-lag`, (l) => l.length === 1);
  });

  it('gives every trigger without dedup_key a new key and a new alert', async () => {
    const a = (await post(rt, URL, trigger())).json().dedup_key as string;
    const b = (await post(rt, URL, trigger())).json().dedup_key as string;
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(b).not.toBe(a);
    await alertWhen(rt, `pagerduty:${SCOPE}:${a}`);
    await alertWhen(rt, `pagerduty:${SCOPE}:${b}`);
  });

  it('acknowledges, resolves, ignores an ack after the resolve, and a quick re-trigger starts a new episode that reopens its incident as flapping', async () => {
    const first = await post(rt, URL, trigger({ payload: { summary: 'Queue stuck', source: 'mq-1', severity: 'critical', component: 'mq-seq' } }));
    const key = first.json().dedup_key as string;
    const fp = `pagerduty:${SCOPE}:${key}`;
    await alertWhen(rt, fp);
    await incidentsWhen(rt, `${SCOPE}:${key}`, (l) => l.length === 1 && l[0]!.status === 'open');

    const ack = await post(rt, URL, { routing_key: ROUTING_KEY, dedup_key: key, event_action: 'acknowledge' });
    expect(ack.statusCode).toBe(202);
    expect(ack.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: key });
    const acked = await alertWhen(rt, fp, (a) => a.acknowledgedAt !== null, 'acknowledged');
    expect(acked.status).toBe('firing');

    expect((await post(rt, URL, { routing_key: ROUTING_KEY, dedup_key: key, event_action: 'resolve' })).statusCode).toBe(202);
    await alertWhen(rt, fp, (a) => a.status === 'resolved', 'resolved');
    await incidentsWhen(rt, `${SCOPE}:${key}`, (l) => l.length === 1 && l[0]!.status === 'resolved');

    // Acknowledging a resolved alert does nothing; then the same key triggers again.
    expect((await post(rt, URL, { routing_key: ROUTING_KEY, dedup_key: key, event_action: 'acknowledge' })).statusCode).toBe(202);
    const again = await post(rt, URL, trigger({ dedup_key: key, payload: { summary: 'Queue stuck', source: 'mq-1', severity: 'critical', component: 'mq-seq' } }));
    expect(again.json().dedup_key).toBe(key);
    // Fired, resolved and fired again within minutes: the correlator marks the alert flapping and
    // reopens its incident rather than paging with a new one.
    await incidentsWhen(rt, `${SCOPE}:${key}`, (l) => l.length === 1 && l[0]!.status === 'open', 'the incident reopened');
    const refired = await alertWhen(rt, fp, (a) => a.status === 'firing', 'firing again');
    expect(refired.flapping).toBe(true);
    // The new episode starts unacknowledged, and the late ack was never recorded.
    expect(refired.acknowledgedAt).toBeNull();
    expect((await alertEvents(rt, fp)).map((e) => e.status)).toEqual(['firing', 'acknowledged', 'resolved', 'firing']);
  });

  it('scopes dedup keys by routing key', async () => {
    const other = await post(rt, URL, trigger({ routing_key: 'another-integration-key', dedup_key: 'payments-db/replication-lag' }));
    expect(other.statusCode).toBe(202);
    await alertWhen(rt, `pagerduty:${routingKeyHash('another-integration-key')}:payments-db/replication-lag`);
    expect((await alertWhen(rt, `pagerduty:${SCOPE}:payments-db/replication-lag`)).status).toBe('firing');
  });

  it('tolerates fields it does not know', async () => {
    const body = sample('pagerduty-trigger.json');
    body.dedup_key = 'extra-fields';
    body.payload.some_new_field = 'x';
    body.vendor_extension = { a: 1 };
    expect((await post(rt, URL, body)).statusCode).toBe(202);
    await alertWhen(rt, `pagerduty:${SCOPE}:extra-fields`);
  });

  it('refuses what PagerDuty refuses with a 400 naming the field, and stores nothing', async () => {
    const before = (await listAlerts(rt)).length;
    const cases: Array<[string, unknown, RegExp]> = [
      ['ack without dedup_key', { routing_key: ROUTING_KEY, event_action: 'acknowledge' }, /dedup_key/],
      ['resolve without dedup_key', { routing_key: ROUTING_KEY, event_action: 'resolve' }, /dedup_key/],
      ['trigger without payload', { routing_key: ROUTING_KEY, event_action: 'trigger' }, /payload/],
      ['trigger without severity', trigger({ payload: { summary: 's', source: 'h' } }), /payload\/severity/],
      ['unknown severity', trigger({ payload: { summary: 's', source: 'h', severity: 'fatal' } }), /payload\/severity/],
      ['unknown action', trigger({ event_action: 'escalate' }), /event_action/],
      ['missing routing key', { event_action: 'trigger', payload: { summary: 's', source: 'h', severity: 'info' } }, /routing_key/],
      ['timestamp not a time', trigger({ payload: { summary: 's', source: 'h', severity: 'info', timestamp: 'now' } }), /payload\/timestamp/],
      ['more than one event', [trigger(), trigger()], /body/],
    ];
    for (const [what, body, field] of cases) expectProblem(await post(rt, URL, body), field, what);
    // Over the label value limit: never truncated.
    expectProblem(await post(rt, URL, trigger({ payload: { summary: 's', source: 'h'.repeat(5000), severity: 'info' } })), /payload\/source/, 'long source');
    await settle();
    expect((await listAlerts(rt)).length).toBe(before);
  });

  describe('change events', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      // The route plugin on the runtime's own database, as the ingest plugin mounts it.
      app = Fastify();
      app.setValidatorCompiler(createValidatorCompiler());
      await app.register(problemHandler);
      await app.register(pagerdutyChangeRoutes, { database: rt.adapters.database });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
    });
    const postChange = (body: unknown) =>
      app.inject({ method: 'POST', url: '/api/v1/webhooks/pagerduty/change', payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });

    it('stores the sample change once, however often it is delivered', async () => {
      const res = await postChange(sampleText('pagerduty-change.json'));
      expect(res.statusCode).toBe(202);
      const { id, status, duplicate } = res.json();
      expect({ status, duplicate }).toEqual({ status: 'success', duplicate: false });
      const change = await new ChangeRepository(rt.adapters.database.db).get(id);
      expect(change).toMatchObject({
        source: 'pagerduty',
        summary: 'Deploy payments-api v2.14.0 to prod',
        service: 'payments-api',
        timestamp: '2026-11-21T09:05:00.000Z',
        links: [{ href: 'https://ci.example.com/payments-api/builds/1873', text: 'Build 1873' }],
        details: { build_number: '1873', commit: '9f2c1e4' },
      });
      expect(JSON.stringify(change)).not.toContain(ROUTING_KEY);
      const again = await postChange(sampleText('pagerduty-change.json'));
      expect(again.json()).toMatchObject({ id, duplicate: true });
      const rows = await rt.adapters.database.db.withTables<{ changes: { id: string } }>().selectFrom('changes').select('id').execute();
      expect(rows.filter((r) => r.id === id)).toHaveLength(1);
    });

    it('tolerates unknown fields and refuses a change without summary or routing key', async () => {
      const body = sample('pagerduty-change.json');
      body.payload.summary = 'Rotate TLS certificate';
      body.extra = true;
      expect((await postChange(body)).statusCode).toBe(202);
      const noSummary = sample('pagerduty-change.json');
      delete noSummary.payload.summary;
      expectProblem(await postChange(noSummary), /payload\/summary/, 'no summary');
      const noKey = sample('pagerduty-change.json');
      delete noKey.routing_key;
      expectProblem(await postChange(noKey), /routing_key/, 'no routing key');
      const badLinks = sample('pagerduty-change.json');
      badLinks.links = [{ text: 'no href' }];
      expectProblem(await postChange(badLinks), /links\/0\/href/, 'link without href');
    });
  });
});
