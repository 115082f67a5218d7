/**
 * Outbound notifications end to end inside one process, on embedded defaults and on real
 * Postgres and Redis (BullMQ): an Alertmanager webhook opens an incident, a local server
 * standing in for a generic webhook and a Slack incoming webhook receives `opened` and then
 * `resolved`, retried through failures, signed, and never twice for a repeated bus message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_TOPIC } from '../../engine/bus/events.ts';
import { signatureOf } from '../../engine/notify/deliver-notification.ts';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { type Flavour, type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';
import { type WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver.ts';

const SECRET = 'a-webhook-secret-of-some-length';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each<Flavour>(['embedded', 'real'])('notifications (%s)', (flavour) => {
  let rt: TestRuntime;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    rt = await startTestRuntime(flavour, {
      NOTIFY_WEBHOOK_URLS: `${receiver.url('/hook')},${receiver.url('/gone')}`,
      NOTIFY_SLACK_WEBHOOK_URLS: receiver.url('/slack'),
      NOTIFY_WEBHOOK_SECRET: SECRET,
      NOTIFY_BACKOFF_MS: '50',
      NOTIFY_TIMEOUT_MS: '2000',
      PUBLIC_URL: 'https://aiops.example.test/',
      // Long targets: no escalation gets in the way here (test/sla covers them).
      SLA_ACK_MINUTES: 'critical:60',
      SLA_RESOLVE_MINUTES: 'critical:600',
    });
    // A receiver that is gone for good: never retried.
    receiver.always('/gone', 410);
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
    await receiver?.close();
  });

  const post = (alerts: Parameters<typeof alertmanagerPayload>[0]) =>
    rt.app.inject({ method: 'POST', url: '/api/v1/webhooks/alertmanager', payload: alertmanagerPayload(alerts) });
  const forIncident = (path: string, id: string, event: string) =>
    receiver.delivered(path).filter((r) => (path === '/slack' ? JSON.stringify(r.body).includes(id) : r.body.incident?.id === id && r.body.event === event));

  it('sends opened to both kinds of target, retrying a failing receiver with one delivery id, then resolved once', async () => {
    receiver.failNext('/hook', 2, 503);
    receiver.failNext('/slack', 1, 500);
    const startsAt = new Date().toISOString();
    const labels = { alertname: 'CheckoutErrors', service: 'notify-checkout', severity: 'critical' };
    expect((await post([{ fingerprint: 'n-1', labels, startsAt }])).statusCode).toBe(202);

    const opened = await eventually(async () => receiver.delivered('/hook').find((r) => r.body.event === 'opened' && r.body.incident.service === 'service=notify-checkout'), 15_000, 'opened on the webhook');
    const id: string = opened.body.incident.id;
    expect(opened.body).toMatchObject({
      event: 'opened',
      incident: { id, status: 'open', severity: 'critical', service: 'service=notify-checkout', alertCount: 1, url: `https://aiops.example.test/api/v1/incidents/${id}` },
    });
    expect(opened.body.incident.title).toEqual(expect.any(String));
    expect(Date.parse(opened.body.incident.startedAt)).toBe(Date.parse(startsAt));
    expect(opened.body.breach).toBeUndefined();
    // Signed: HMAC-SHA256 of the exact body.
    expect(opened.headers['x-aiops-signature-256']).toBe(signatureOf(opened.raw, SECRET));
    expect(opened.headers['x-aiops-event']).toBe('opened');
    // Two 503s, then the delivery: three calls with the same delivery id.
    const delivery = opened.headers['x-aiops-delivery'];
    const tries = receiver.requests.filter((r) => r.path === '/hook' && r.headers['x-aiops-delivery'] === delivery);
    expect(tries.map((r) => r.status)).toEqual([503, 503, 200]);

    const slack = await eventually(async () => forIncident('/slack', id, 'opened')[0], 10_000, 'opened on slack');
    expect(slack.body.text).toContain('Incident opened');
    expect(slack.body.text).toContain('CRITICAL');
    expect(slack.body.blocks.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(slack.body.blocks)).toContain(`<https://aiops.example.test/api/v1/incidents/${id}|`);
    // Slack bodies are not signed (Slack URLs carry their own secret).
    expect(slack.headers['x-aiops-signature-256']).toBeUndefined();

    // The alert resolves; without a hold time, so does the incident.
    expect((await post([{ fingerprint: 'n-1', labels, startsAt, status: 'resolved', endsAt: new Date().toISOString() }])).statusCode).toBe(202);
    const resolved = await eventually(async () => forIncident('/hook', id, 'resolved')[0], 15_000, 'resolved on the webhook');
    expect(resolved.body.incident).toMatchObject({ id, status: 'resolved' });
    expect(resolved.body.incident.resolvedAt).toEqual(expect.any(String));
    await eventually(async () => forIncident('/slack', id, 'resolved').find((r) => r.body.text.includes('resolved')), 10_000, 'resolved on slack');

    // The gone receiver was called once per event, never retried.
    await sleep(500);
    const gone = receiver.requests.filter((r) => r.path === '/gone' && r.body.incident?.id === id);
    expect(gone.map((r) => [r.body.event, r.status])).toEqual([
      ['opened', 410],
      ['resolved', 410],
    ]);
    expect(forIncident('/hook', id, 'opened')).toHaveLength(1);
    expect(forIncident('/hook', id, 'resolved')).toHaveLength(1);
  });

  it('does not notify twice when the same stream message comes again', async () => {
    const labels = { alertname: 'DiskFull', service: 'notify-dup', severity: 'warning' };
    const startsAt = new Date().toISOString();
    await post([{ fingerprint: 'n-dup', labels, startsAt }]);
    const opened = await eventually(async () => receiver.delivered('/hook').find((r) => r.body.event === 'opened' && r.body.incident.service === 'service=notify-dup'), 15_000, 'opened');
    const id: string = opened.body.incident.id;
    const incident = (await rt.app.inject({ method: 'GET', url: `/api/v1/incidents/${id}` })).json();

    // Redelivered bus messages (as a second engine process, or a replay, would see them).
    const { members: _members, rootCauses: _rootCauses, ...summary } = incident;
    for (let i = 0; i < 3; i++) await rt.adapters.bus.publish(STREAM_TOPIC, { type: 'incident.created', seq: 1, at: new Date().toISOString(), incident: summary });

    await post([{ fingerprint: 'n-dup', labels, startsAt, status: 'resolved', endsAt: new Date().toISOString() }]);
    await eventually(async () => forIncident('/hook', id, 'resolved')[0], 15_000, 'resolved');
    const after = (await rt.app.inject({ method: 'GET', url: `/api/v1/incidents/${id}` })).json();
    const { members: _m, rootCauses: _r, ...resolvedSummary } = after;
    for (let i = 0; i < 3; i++) await rt.adapters.bus.publish(STREAM_TOPIC, { type: 'incident.updated', seq: 2, at: new Date().toISOString(), incident: resolvedSummary });

    await sleep(1500);
    expect(forIncident('/hook', id, 'opened')).toHaveLength(1);
    expect(forIncident('/hook', id, 'resolved')).toHaveLength(1);
    expect(forIncident('/slack', id, 'opened').filter((r) => r.body.text.includes('opened'))).toHaveLength(1);
    const rows = await rt.adapters.database.db.selectFrom('incident_notifications').select(['event', 'enqueued_at']).where('incident_id', '=', id).orderBy('event').execute();
    expect(rows.map((r) => r.event)).toEqual(['opened', 'resolved']);
    expect(rows.every((r) => r.enqueued_at !== null)).toBe(true);
  });

  it('counts deliveries and failures by target kind on /metrics', async () => {
    const text = (await rt.app.inject({ method: 'GET', url: '/metrics' })).body;
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
    expect(value(/^aiops_notifications_sent_total\{target="webhook"\} (\d+)/m)).toBeGreaterThanOrEqual(4);
    expect(value(/^aiops_notifications_sent_total\{target="slack"\} (\d+)/m)).toBeGreaterThanOrEqual(4);
    expect(value(/^aiops_notifications_failed_total\{target="webhook",outcome="retry"\} (\d+)/m)).toBeGreaterThanOrEqual(2);
    expect(value(/^aiops_notifications_failed_total\{target="webhook",outcome="gave_up"\} (\d+)/m)).toBeGreaterThanOrEqual(4);
    expect(value(/^aiops_notifications_failed_total\{target="slack",outcome="retry"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
  });
});
