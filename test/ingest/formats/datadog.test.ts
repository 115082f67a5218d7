/**
 * Datadog webhook: a Triggered notification fires the alert of its alert cycle, the
 * Recovered of the same cycle resolves it and its incident; tags give labels and the
 * service; dates in ms or s; bad bodies are 400s naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestRuntime, eventually, startTestRuntime } from '../../support/test-runtime.ts';
import { alertEvents, alertWhen, expectProblem, incidentsWhen, listAlerts, post, sample, sampleText, settle } from './format-test-kit.ts';

const URL = '/api/v1/webhooks/datadog';
const CYCLE = '8306082202796025694';

describe('datadog webhook', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await startTestRuntime('embedded', { INGEST_AUTH: 'disabled', CORRELATOR_CONCURRENCY: '1' });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('maps a Triggered notification into a critical alert of its cycle, labelled from its tags', async () => {
    const res = await post(rt, URL, sampleText('datadog-triggered.json'));
    expect(res.statusCode).toBe(202);
    const alert = await alertWhen(rt, `datadog:${CYCLE}`);
    expect(alert).toMatchObject({
      source: 'datadog',
      sourceFingerprint: CYCLE,
      name: 'Checkout error rate above 5%',
      status: 'firing',
      severity: 'critical',
      startsAt: '2026-11-21T09:14:03.000Z',
      labels: { service: 'checkout', env: 'prod', team: 'payments', monitor: 'true', monitor_id: '148203991', priority: 'P2' },
    });
    expect(alert.labels).not.toHaveProperty('host');
    expect(alert.annotations).toMatchObject({ transition: 'Triggered', org_name: 'Acme', link: expect.stringContaining('app.datadoghq.com') });
    const [incident] = await incidentsWhen(rt, CYCLE, (l) => l.length === 1);
    expect(incident).toMatchObject({ groupKey: 'service=checkout', status: 'open', severity: 'critical' });
  });

  it('records a redelivery once, as a repeat of the same event', async () => {
    expect((await post(rt, URL, sampleText('datadog-triggered.json'))).statusCode).toBe(202);
    await alertWhen(rt, `datadog:${CYCLE}`, (a) => a.repeatCount === 1, 'repeat counted');
    expect(await alertEvents(rt, `datadog:${CYCLE}`)).toHaveLength(1);
    await incidentsWhen(rt, CYCLE, (l) => l.length === 1);
  });

  it('resolves the alert and its incident on Recovered of the same cycle', async () => {
    expect((await post(rt, URL, sampleText('datadog-recovered.json'))).statusCode).toBe(202);
    const alert = await alertWhen(rt, `datadog:${CYCLE}`, (a) => a.status === 'resolved', 'recovered');
    expect(alert.endsAt).toBe('2026-11-21T09:31:40.000Z');
    await incidentsWhen(rt, CYCLE, (l) => l.length === 1 && l[0]!.status === 'resolved');
  });

  it('maps Warn to warning and No Data to warning, and reads a date in seconds', async () => {
    const warn = sample('datadog-triggered.json');
    Object.assign(warn, { alert_cycle_key: 'cycle-warn', alert_transition: 'Warn', alert_type: 'warning', date: '1795252443' });
    expect((await post(rt, URL, warn)).statusCode).toBe(202);
    const w = await alertWhen(rt, 'datadog:cycle-warn');
    expect(w).toMatchObject({ severity: 'warning', startsAt: '2026-11-21T09:14:03.000Z' });
    const noData = sample('datadog-triggered.json');
    Object.assign(noData, { alert_cycle_key: 'cycle-nodata', alert_transition: 'No Data', date: 1795252443000 });
    expect((await post(rt, URL, noData)).statusCode).toBe(202);
    expect((await alertWhen(rt, 'datadog:cycle-nodata')).severity).toBe('warning');
  });

  it('falls back to the monitor id and scope when the cycle key is missing, so a recovery still resolves', async () => {
    const trig = sample('datadog-triggered.json');
    delete trig.alert_cycle_key;
    trig.scope = 'env:prod,service:search';
    trig.tags = 'env:prod,service:search';
    expect((await post(rt, URL, trig)).statusCode).toBe(202);
    const rec = sample('datadog-recovered.json');
    rec.alert_cycle_key = '';
    rec.scope = 'service:search, env:prod';
    rec.tags = 'env:prod,service:search';
    expect((await post(rt, URL, rec)).statusCode).toBe(202);
    const resolved = await eventuallyResolvedByMonitor(rt);
    expect(resolved.sourceFingerprint).toMatch(/^m:[0-9a-f]{16}$/);
    expect(resolved.labels.service).toBe('search');
  });

  it('tolerates fields it does not know', async () => {
    const body = sample('datadog-triggered.json');
    Object.assign(body, { alert_cycle_key: 'cycle-extra', aggreg_key: '9bd4ac313a4d1e8fae2482df7b77628', snapshot: 'https://p.datadoghq.com/x.png', custom: { a: 1 } });
    expect((await post(rt, URL, body)).statusCode).toBe(202);
    await alertWhen(rt, 'datadog:cycle-extra');
  });

  it('refuses wrong types and missing fields with a 400 naming the field, and stores nothing', async () => {
    const before = (await listAlerts(rt)).length;
    const cases: Array<[string, (b: any) => void, RegExp]> = [
      ['date not an epoch', (b) => (b.date = 'yesterday'), /date/],
      ['missing date', (b) => delete b.date, /date/],
      ['missing transition', (b) => delete b.alert_transition, /alert_transition/],
      ['title a number', (b) => (b.title = 42), /title/],
      ['org id not numeric', (b) => (b.org.id = 'acme'), /org\/id/],
      ['no identity at all', (b) => (delete b.alert_cycle_key, delete b.alert_id), /alert_cycle_key/],
    ];
    for (const [what, change, field] of cases) {
      const body = sample('datadog-triggered.json');
      body.alert_cycle_key = 'cycle-bad';
      change(body);
      expectProblem(await post(rt, URL, body), field, what);
    }
    await settle();
    expect((await listAlerts(rt)).length).toBe(before);
  });

  it('refuses tags over the label limits', async () => {
    const many = sample('datadog-triggered.json');
    many.tags = Array.from({ length: 70 }, (_, i) => `t${i}:v`).join(',');
    expectProblem(await post(rt, URL, many), /tags/, 'too many tags');
    const long = sample('datadog-triggered.json');
    long.tags = `team:${'x'.repeat(5000)}`;
    expectProblem(await post(rt, URL, long), /tags/, 'tag value too long');
  });
});

function eventuallyResolvedByMonitor(rt: TestRuntime) {
  return eventually(async () => (await listAlerts(rt)).find((a) => a.source === 'datadog' && a.sourceFingerprint.startsWith('m:') && a.status === 'resolved'), 10_000, 'monitor-scoped alert resolved');
}
