/**
 * Our own alert JSON at /api/v1/alerts and /api/v1/webhooks/generic: one alert or a list,
 * identity from `fingerprint` or a hash of name and labels, strict about unknown fields.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelFingerprint } from '../../../ingest/shared/fingerprint.ts';
import { type TestRuntime, startTestRuntime } from '../../support/test-runtime.ts';
import { alertEvents, alertWhen, expectProblem, incidentsWhen, listAlerts, post, sample, sampleText, settle } from './format-test-kit.ts';

describe('generic alert format', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await startTestRuntime('embedded', { INGEST_AUTH: 'disabled', CORRELATOR_CONCURRENCY: '1' });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  const backupFp = labelFingerprint({ service: 'backup', host: 'nas-01', job: 'nightly-postgres', alertname: 'BackupFailed' });

  it('accepts one alert at /api/v1/alerts, keeping the sender as label `source`', async () => {
    const res = await post(rt, '/api/v1/alerts', sampleText('generic-alert.json'));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'accepted', alerts: 1 });
    const alert = await alertWhen(rt, `generic:${backupFp}`);
    expect(alert).toMatchObject({
      source: 'generic',
      name: 'BackupFailed',
      status: 'firing',
      severity: 'error',
      startsAt: '2026-11-21T02:15:00.000Z',
      labels: { service: 'backup', host: 'nas-01', job: 'nightly-postgres', source: 'backup-cron' },
      annotations: { summary: 'Nightly Postgres backup failed on nas-01' },
    });
    const [incident] = await incidentsWhen(rt, backupFp, (l) => l.length === 1);
    expect(incident!.groupKey).toBe('service=backup');
  });

  it('accepts a list at /api/v1/webhooks/generic, with the sender fingerprint where given', async () => {
    const res = await post(rt, '/api/v1/webhooks/generic', sampleText('generic-batch.json'));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ alerts: 2 });
    const backlog = await alertWhen(rt, 'generic:billing-invoices-backlog');
    expect(backlog.severity).toBe('warning');
    await incidentsWhen(rt, 'billing-invoices-backlog', (l) => l.length === 1 && l[0]!.alertCount === 2 && l[0]!.groupKey === 'service=billing-worker');
  });

  it('identifies by name and labels: another name or another label is another alert', async () => {
    const base = { name: 'DiskFull', labels: { service: 'files', host: 'fs-1' }, startsAt: '2026-11-21T05:00:00Z' };
    await post(rt, '/api/v1/alerts', base);
    await post(rt, '/api/v1/alerts', { ...base, name: 'DiskSlow' });
    await post(rt, '/api/v1/alerts', { ...base, labels: { service: 'files', host: 'fs-2' } });
    await alertWhen(rt, `generic:${labelFingerprint({ service: 'files', host: 'fs-1', alertname: 'DiskFull' })}`);
    await alertWhen(rt, `generic:${labelFingerprint({ service: 'files', host: 'fs-1', alertname: 'DiskSlow' })}`);
    await alertWhen(rt, `generic:${labelFingerprint({ service: 'files', host: 'fs-2', alertname: 'DiskFull' })}`);
  });

  it('defaults status to firing and severity to unknown, and resolves with status resolved', async () => {
    const fp = labelFingerprint({ service: 'cron', alertname: 'JobLate' });
    await post(rt, '/api/v1/alerts', { name: 'JobLate', labels: { service: 'cron' }, startsAt: '2026-11-21T06:00:00Z' });
    expect(await alertWhen(rt, `generic:${fp}`)).toMatchObject({ status: 'firing', severity: 'unknown' });
    await post(rt, '/api/v1/alerts', { name: 'JobLate', labels: { service: 'cron' }, status: 'resolved', startsAt: '2026-11-21T06:00:00Z', endsAt: '2026-11-21T06:20:00Z' });
    expect((await alertWhen(rt, `generic:${fp}`, (a) => a.status === 'resolved')).endsAt).toBe('2026-11-21T06:20:00.000Z');
    await incidentsWhen(rt, fp, (l) => l.length === 1 && l[0]!.status === 'resolved');
  });

  it('records the same delivery once, and counts a repeat in another request', async () => {
    expect((await post(rt, '/api/v1/alerts', sampleText('generic-alert.json'))).statusCode).toBe(202);
    await alertWhen(rt, `generic:${backupFp}`, (a) => a.repeatCount === 1, 'redelivery counted as a repeat');
    // The same alert again, now alongside another one: a new request, the same event.
    const body = [sample('generic-alert.json'), { name: 'BackupSlow', labels: { service: 'backup' }, startsAt: '2026-11-21T02:20:00Z' }];
    expect((await post(rt, '/api/v1/alerts', body)).statusCode).toBe(202);
    await alertWhen(rt, `generic:${backupFp}`, (a) => a.repeatCount === 2, 'repeat counted');
    expect(await alertEvents(rt, `generic:${backupFp}`)).toHaveLength(1);
    await incidentsWhen(rt, backupFp, (l) => l.length === 1);
  });

  it('refuses unknown fields, naming them, on one alert and in a list', async () => {
    const one = { ...sample('generic-alert.json'), sevrity: 'high' };
    const res = await post(rt, '/api/v1/alerts', one);
    expectProblem(res, /sevrity/, 'unknown top-level field');
    expect(res.json().errors).toContainEqual({ field: 'body/sevrity', message: 'unknown field "sevrity"' });
    expectProblem(await post(rt, '/api/v1/webhooks/generic', [sample('generic-alert.json'), { name: 'x', extra: 1 }]), /body\/1\/extra/, 'unknown field in a list');
  });

  it('refuses wrong types and missing fields with a 400 naming the field, and stores nothing', async () => {
    const before = (await listAlerts(rt)).length;
    const cases: Array<[string, unknown, RegExp]> = [
      ['missing name', { labels: { service: 'x' } }, /body\/name/],
      ['empty list', [], /body/],
      ['unknown status', { name: 'x', status: 'burning' }, /body\/status/],
      ['startsAt not a time', { name: 'x', startsAt: 'today' }, /body\/startsAt/],
      ['label of the wrong type', { name: 'x', labels: { service: 1 } }, /body\/labels\/service/],
      ['name in a list missing', [{ name: 'ok' }, { severity: 'info' }], /body\/1\/name/],
      ['not an object', '"alert"', /body/],
    ];
    for (const [what, body, field] of cases) expectProblem(await post(rt, '/api/v1/alerts', body), field, what);
    await settle();
    expect((await listAlerts(rt)).length).toBe(before);
  });

  it('refuses labels over the limits, counting the `source` label too', async () => {
    const labels = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v']));
    expectProblem(await post(rt, '/api/v1/alerts', { name: 'x', labels }), /body\/labels/, 'too many labels');
    const full = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`l${i}`, 'v']));
    expectProblem(await post(rt, '/api/v1/alerts', { name: 'x', labels: full, source: 'me' }), /body\/labels/, 'source label over the limit');
    expectProblem(await post(rt, '/api/v1/alerts', { name: 'x', labels: { service: 'y'.repeat(4097) } }), /body\/labels\/service/, 'long value');
  });
});
