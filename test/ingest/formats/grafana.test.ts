/**
 * Grafana unified alerting webhook: the sample Grafana posts becomes two alerts under
 * Grafana's own fingerprints, grouped by their `service` label into one incident; a
 * resolve acts on the same alert; a redelivery records nothing twice; bad bodies are 400s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestRuntime, startTestRuntime } from '../../support/test-runtime.ts';
import { alertEvents, alertWhen, expectProblem, incidentsWhen, listAlerts, post, sample, sampleText, settle } from './format-test-kit.ts';

const URL = '/api/v1/webhooks/grafana';

describe('grafana webhook', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await startTestRuntime('embedded', { INGEST_AUTH: 'disabled' });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('maps the sample into alerts under Grafana fingerprints and one incident per service', async () => {
    const res = await post(rt, URL, sampleText('grafana-firing.json'));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'accepted', alerts: 2 });

    const latency = await alertWhen(rt, 'grafana:5d7a9b0c1e2f3a4b');
    expect(latency).toMatchObject({
      source: 'grafana',
      sourceFingerprint: '5d7a9b0c1e2f3a4b',
      name: 'CheckoutLatencyHigh',
      status: 'firing',
      severity: 'critical',
      startsAt: '2026-11-21T09:41:10.000Z',
      endsAt: null,
      labels: { alertname: 'CheckoutLatencyHigh', service: 'checkout-api', team: 'payments', grafana_folder: 'Checkout', severity: 'critical' },
    });
    expect(latency.annotations).toMatchObject({
      summary: 'checkout-api p99 latency above 750 ms',
      panelURL: expect.stringContaining('viewPanel=4'),
      dashboardURL: expect.stringContaining('/d/checkout-slo'),
      silenceURL: expect.stringContaining('/alerting/silence/new'),
      orgId: '1',
    });
    expect(JSON.parse(latency.annotations.values!)).toEqual({ A: 812.4, B: 812.4, C: 1 });
    // Grafana's empty links are "none", not a value.
    const errors = await alertWhen(rt, 'grafana:a3c8e1f07b2d9e64');
    expect(errors.annotations).not.toHaveProperty('dashboardURL');

    const [incident] = await incidentsWhen(rt, '5d7a9b0c1e2f3a4b', (l) => l.length === 1 && l[0]!.alertCount === 2);
    expect(incident).toMatchObject({ groupKey: 'service=checkout-api', severity: 'critical', status: 'open' });
    expect(incident!.sourceFingerprints).toEqual(['5d7a9b0c1e2f3a4b', 'a3c8e1f07b2d9e64']);
  });

  it('collapses a redelivery and a repeat into one event per alert and one incident', async () => {
    const again = await post(rt, URL, sampleText('grafana-firing.json'));
    expect(again.statusCode).toBe(202);
    // Grafana re-sends a group when it changes: the unchanged alert comes again in a new body.
    const body = sample('grafana-firing.json');
    body.alerts = [body.alerts[0]];
    body.title = '[FIRING:1] Checkout (checkout-api)';
    expect((await post(rt, URL, body)).statusCode).toBe(202);
    const repeated = await alertWhen(rt, 'grafana:5d7a9b0c1e2f3a4b', (a) => a.repeatCount === 2, 'redelivery and repeat counted');
    expect(repeated.status).toBe('firing');
    expect(await alertEvents(rt, 'grafana:5d7a9b0c1e2f3a4b')).toHaveLength(1);
    await incidentsWhen(rt, '5d7a9b0c1e2f3a4b', (l) => l.length === 1);
  });

  it('resolves the alert Grafana resolves, under the same fingerprint', async () => {
    expect((await post(rt, URL, sampleText('grafana-resolved.json'))).statusCode).toBe(202);
    const resolved = await alertWhen(rt, 'grafana:5d7a9b0c1e2f3a4b', (a) => a.status === 'resolved');
    expect(resolved.endsAt).toBe('2026-11-21T09:58:10.000Z');
    // The other member still fires, so the incident stays open.
    const [incident] = await incidentsWhen(rt, '5d7a9b0c1e2f3a4b', (l) => l.length === 1 && l[0]!.firingCount === 1);
    expect(incident!.status).toBe('open');
  });

  it('tolerates fields it does not know', async () => {
    const body = sample('grafana-firing.json');
    body.someFutureField = { nested: true };
    body.alerts[0].newPerAlertField = 'x';
    body.alerts[0].fingerprint = 'f0f0f0f0f0f0f0f0';
    body.alerts = [body.alerts[0]];
    expect((await post(rt, URL, body)).statusCode).toBe(202);
    await alertWhen(rt, 'grafana:f0f0f0f0f0f0f0f0');
  });

  it('refuses wrong types and missing fields with a 400 naming the field, and stores nothing', async () => {
    const before = (await listAlerts(rt)).length;
    const cases: Array<[string, (b: any) => void, RegExp]> = [
      ['label of the wrong type', (b) => (b.alerts[0].labels.alertname = 5), /alerts\/0\/labels\/alertname/],
      ['missing startsAt', (b) => delete b.alerts[0].startsAt, /alerts\/0\/startsAt/],
      ['startsAt not a time', (b) => (b.alerts[0].startsAt = 'yesterday'), /alerts\/0\/startsAt/],
      ['unknown status', (b) => (b.alerts[1].status = 'pending'), /alerts\/1\/status/],
      ['orgId as text', (b) => (b.orgId = 'one'), /orgId/],
      ['a value that is not a number', (b) => (b.alerts[0].values.A = 'high'), /alerts\/0\/values/],
      ['no alerts', (b) => (b.alerts = []), /alerts/],
    ];
    for (const [what, change, field] of cases) {
      const body = sample('grafana-firing.json');
      change(body);
      expectProblem(await post(rt, URL, body), field, what);
    }
    await settle();
    expect((await listAlerts(rt)).length).toBe(before);
  });

  it('refuses labels over the limits with a 400', async () => {
    const body = sample('grafana-firing.json');
    for (let i = 0; i < 64; i++) body.alerts[0].labels[`extra_${i}`] = 'x';
    expectProblem(await post(rt, URL, body), /alerts\/0\/labels/, 'too many labels');
    const long = sample('grafana-firing.json');
    long.alerts[0].labels.team = 'x'.repeat(4097);
    expectProblem(await post(rt, URL, long), /alerts\/0\/labels\/team/, 'label value too long');
  });
});
