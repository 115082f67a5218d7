/**
 * Zabbix webhook media type: a problem, its acknowledgement and its recovery act on one
 * alert (the problem's event id), the recovery resolves the incident; Zabbix's strings
 * and time zones are read as documented; bad bodies are 400s naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestRuntime, startTestRuntime } from '../../support/test-runtime.ts';
import { alertEvents, alertWhen, expectProblem, incidentsWhen, listAlerts, post, sample, sampleText, settle } from './format-test-kit.ts';

const URL = '/api/v1/webhooks/zabbix';

describe('zabbix webhook', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await startTestRuntime('embedded', { INGEST_AUTH: 'disabled', CORRELATOR_CONCURRENCY: '1' });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('maps a problem into a firing alert under its event id, grouped by its service tag', async () => {
    const res = await post(rt, URL, sampleText('zabbix-problem.json'));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'accepted', alerts: 1 });
    const alert = await alertWhen(rt, 'zabbix:48213');
    expect(alert).toMatchObject({
      source: 'zabbix',
      sourceFingerprint: '48213',
      name: 'High CPU utilization (over 90% for 5m)',
      status: 'firing',
      severity: 'error',
      // 10:14:03 at +01:00.
      startsAt: '2026-11-21T09:14:03.000Z',
      labels: { service: 'orders-db', host: 'db-01', host_ip: '10.0.4.21', trigger_id: '23817', zabbix_severity: 'high', class: 'os', component: 'cpu', scope: 'performance' },
      acknowledgedAt: null,
    });
    expect(alert.annotations).toMatchObject({ event_id: '48213', event_opdata: 'Current utilization: 96.3 %' });
    const [incident] = await incidentsWhen(rt, '48213', (l) => l.length === 1);
    expect(incident).toMatchObject({ groupKey: 'service=orders-db', status: 'open', severity: 'error' });
  });

  it('records a redelivery once', async () => {
    const again = await post(rt, URL, sampleText('zabbix-problem.json'));
    expect(again.statusCode).toBe(202);
    await settle();
    expect((await alertEvents(rt, 'zabbix:48213')).map((e) => e.status)).toEqual(['firing']);
    await incidentsWhen(rt, '48213', (l) => l.length === 1);
  });

  it('turns an update with acknowledge status Yes into an acknowledgement at the update time', async () => {
    expect((await post(rt, URL, sampleText('zabbix-acknowledge.json'))).statusCode).toBe(202);
    const alert = await alertWhen(rt, 'zabbix:48213', (a) => a.acknowledgedAt !== null, 'acknowledged');
    expect(alert.acknowledgedAt).toBe('2026-11-21T09:19:47.000Z');
    expect(alert.status).toBe('firing');
  });

  it('resolves the problem alert from the recovery (which carries the problem id) and its incident', async () => {
    expect((await post(rt, URL, sampleText('zabbix-recovery.json'))).statusCode).toBe(202);
    const alert = await alertWhen(rt, 'zabbix:48213', (a) => a.status === 'resolved', 'resolved');
    expect(alert.endsAt).toBe('2026-11-21T09:31:40.000Z');
    expect(alert.annotations.event_recovery_id).toBe('48377');
    const [incident] = await incidentsWhen(rt, '48213', (l) => l.length === 1 && l[0]!.status === 'resolved');
    expect(incident!.resolvedAt).toBe('2026-11-21T09:31:40.000Z');
    // The recovery's own id never became an alert.
    expect((await listAlerts(rt)).some((a) => a.sourceFingerprint === '48377')).toBe(false);
  });

  it('accepts numbers as numbers, tags as an array, a named time zone, and falls back to the host as service', async () => {
    const body = sample('zabbix-problem.json');
    Object.assign(body, { event_id: 50001, event_value: 1, event_update_status: 0, event_severity: 5, trigger_id: 777 });
    body.event_tags = [{ tag: 'class', value: 'network' }, { tag: 'scope', value: 'availability' }, { tag: 'scope', value: 'notice' }];
    body.event_date = '2026.07.01';
    body.event_time = '12:00:00';
    body.event_timezone = 'Europe/Berlin';
    body.host_name = 'edge-router-3';
    expect((await post(rt, URL, body)).statusCode).toBe(202);
    const alert = await alertWhen(rt, 'zabbix:50001');
    expect(alert).toMatchObject({
      severity: 'critical',
      // Berlin is at +02:00 in July.
      startsAt: '2026-07-01T10:00:00.000Z',
      labels: { service: 'edge-router-3', host: 'edge-router-3', scope: 'availability,notice', zabbix_severity: 'disaster', trigger_id: '777' },
    });
  });

  it('reads dates as UTC when no time zone is given, and keeps servers apart by ?instance=', async () => {
    const body = sample('zabbix-problem.json');
    delete body.event_timezone;
    expect((await post(rt, URL, body, '?instance=zbx-eu')).statusCode).toBe(202);
    const alert = await alertWhen(rt, 'zabbix:zbx-eu:48213');
    expect(alert.startsAt).toBe('2026-11-21T10:14:03.000Z');
    expectProblem(await post(rt, URL, body, '?instance=bad%20name'), /instance/, 'bad instance');
  });

  it('tolerates parameters it does not know', async () => {
    const body = sample('zabbix-problem.json');
    Object.assign(body, { event_id: '50002', alert_subject: 'Problem: High CPU', my_custom_param: 'x', HTTPProxy: '' });
    expect((await post(rt, URL, body)).statusCode).toBe(202);
    await alertWhen(rt, 'zabbix:50002');
  });

  it('refuses wrong types and missing fields with a 400 naming the field, and stores nothing', async () => {
    const before = (await listAlerts(rt)).length;
    const cases: Array<[string, (b: any) => void, RegExp]> = [
      ['event id not numeric', (b) => (b.event_id = 'abc'), /event_id/],
      ['missing event id', (b) => delete b.event_id, /event_id/],
      ['missing event name', (b) => delete b.event_name, /event_name/],
      ['event value 2', (b) => (b.event_value = '2'), /event_value/],
      ['severity 7', (b) => (b.event_severity = '7'), /event_severity/],
      ['ack status maybe', (b) => (b.event_ack_status = 'Maybe'), /event_ack_status/],
      ['date in another format', (b) => (b.event_date = '21.11.2026'), /event_date/],
      ['a date that does not exist', (b) => (b.event_date = '2026.02.31'), /event_date/],
      ['tags that are not JSON', (b) => (b.event_tags = '[{"tag":'), /event_tags/],
      ['tags of the wrong shape', (b) => (b.event_tags = '[{"name":"x"}]'), /event_tags\/0/],
      ['an unknown time zone', (b) => (b.event_timezone = 'Mars/Olympus'), /event_timezone/],
    ];
    for (const [what, change, field] of cases) {
      const body = sample('zabbix-problem.json');
      body.event_id = '60001';
      change(body);
      expectProblem(await post(rt, URL, body), field, what);
    }
    expectProblem(await post(rt, URL, [sample('zabbix-problem.json')]), /body/, 'a list');
    await settle();
    expect((await listAlerts(rt)).length).toBe(before);
  });

  it('refuses tags over the label limit, as a string or as an array', async () => {
    const tags = Array.from({ length: 70 }, (_, i) => ({ tag: `t${i}`, value: 'v' }));
    const asString = sample('zabbix-problem.json');
    asString.event_tags = JSON.stringify(tags);
    expectProblem(await post(rt, URL, asString), /event_tags/, 'string');
    const asArray = sample('zabbix-problem.json');
    asArray.event_tags = tags;
    expectProblem(await post(rt, URL, asArray), /event_tags/, 'array');
    const longValue = sample('zabbix-problem.json');
    longValue.event_tags = JSON.stringify([{ tag: 'service', value: 'x'.repeat(5000) }]);
    expectProblem(await post(rt, URL, longValue), /event_tags/, 'long value');
  });
});
