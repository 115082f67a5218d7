/**
 * A large request is queued as several jobs of at most MAX_EVENTS_PER_JOB alerts (what bounds a
 * correlator's memory, CORRELATOR_CONCURRENCY jobs at once), under the request's one batch id,
 * in the request's order; and all of it still becomes one incident.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedJobQueue } from '../../engine/queue/embedded-job-queue.ts';
import { MAX_EVENTS_PER_JOB, enqueueAlerts } from '../../ingest/shared/enqueue-alerts.ts';
import { alertEvent } from '../support/alert-fixtures.ts';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';

describe('enqueueAlerts', () => {
  it('splits a request over MAX_EVENTS_PER_JOB into jobs of at most that many, one batch id, order kept', async () => {
    const queue = new EmbeddedJobQueue({ logger: pino({ level: 'silent' }) });
    const n = 2 * MAX_EVENTS_PER_JOB + 50;
    const events = Array.from({ length: n }, (_, i) => alertEvent({ sourceFingerprint: `s${i}`, eventTime: '2026-11-22T10:00:00.000Z' }));
    const { batchId } = await enqueueAlerts(queue, events, '2026-11-22T10:00:01.000Z');
    const seen: Array<{ batchId: string; fingerprints: string[] }> = [];
    await queue.process('alerts.ingest', async (data) => {
      seen.push({ batchId: data.batchId, fingerprints: data.events.map((e) => e.fingerprint) });
      return { incidents: [] };
    });
    await eventually(async () => (seen.length === 3 ? true : undefined), 5_000, 'three jobs');
    await queue.close();
    expect(seen.map((s) => s.fingerprints.length)).toEqual([MAX_EVENTS_PER_JOB, MAX_EVENTS_PER_JOB, 50]);
    expect(new Set(seen.map((s) => s.batchId))).toEqual(new Set([batchId]));
    expect(seen.flatMap((s) => s.fingerprints)).toEqual(events.map((e) => e.fingerprint));
  });

  it('keeps a request of MAX_EVENTS_PER_JOB or fewer in one job', async () => {
    const queue = new EmbeddedJobQueue({ logger: pino({ level: 'silent' }) });
    await enqueueAlerts(queue, Array.from({ length: MAX_EVENTS_PER_JOB }, (_, i) => alertEvent({ sourceFingerprint: `s${i}` })), new Date().toISOString());
    expect(await queue.depth('alerts.ingest')).toBe(1);
    await queue.close();
  });
});

describe('a large Alertmanager request end to end', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await startTestRuntime('embedded', { INGEST_AUTH: 'disabled' });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('becomes one incident with every alert, recorded under the request’s batch id', async () => {
    const n = 3 * MAX_EVENTS_PER_JOB + 7;
    const startsAt = new Date().toISOString();
    const body = alertmanagerPayload(Array.from({ length: n }, (_, i) => ({ fingerprint: `big-${i}`, labels: { alertname: 'DiskFull', service: 'storage', instance: `node-${i}` }, startsAt })));
    const res = await rt.app.inject({ method: 'POST', url: '/api/v1/webhooks/alertmanager', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    expect(res.statusCode).toBe(202);
    const { batchId } = res.json() as { batchId: string };
    const incidents = await eventually(async () => {
      const list = (await rt.app.inject({ method: 'GET', url: '/api/v1/incidents' })).json() as { items: Array<{ alertCount: number }> };
      return list.items.length > 0 && list.items.reduce((s, i) => s + i.alertCount, 0) === n ? list.items : undefined;
    }, 20_000, 'every alert in an incident');
    expect(incidents).toHaveLength(1);
    const batches = await rt.adapters.database.db.selectFrom('alert_events').select('batch_id').distinct().execute();
    expect(batches.map((b) => b.batch_id)).toEqual([batchId]);
  });
});
