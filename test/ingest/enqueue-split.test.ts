/**
 * Ingest's queueing (AlertEnqueuer): requests that arrive while an add is on its way share the
 * next job, each batch keeping its batch id; a job holds at most MAX_EVENTS_PER_JOB alerts, so
 * a large request is split into several under its one batch id, in order; a failed add refuses
 * every request it carried with a 503; and all of a large request still becomes one incident.
 * The correlator also takes a job queued by an earlier version (one batch at the top level).
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../engine/errors/app-error.ts';
import { EmbeddedJobQueue } from '../../engine/queue/embedded-job-queue.ts';
import type { IngestBatch } from '../../engine/queue/jobs.ts';
import { AlertEnqueuer, MAX_EVENTS_PER_JOB } from '../../ingest/shared/enqueue-alerts.ts';
import { alertEvent } from '../support/alert-fixtures.ts';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';

const events = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => alertEvent({ sourceFingerprint: `${prefix}${i}`, eventTime: '2026-11-22T10:00:00.000Z' }));

/** Enqueues on a fresh embedded queue, then returns the jobs' batches as the correlator would see them. */
async function jobsOf(enqueue: (e: AlertEnqueuer) => Array<Promise<{ batchId: string }>>, expectedJobs: number) {
  const queue = new EmbeddedJobQueue({ logger: pino({ level: 'silent' }) });
  const acks = await Promise.all(enqueue(new AlertEnqueuer(queue)));
  const jobs: IngestBatch[][] = [];
  await queue.process('alerts.ingest', async (data) => {
    jobs.push(data.batches);
    return { incidents: [] };
  });
  await eventually(async () => (jobs.length === expectedJobs ? true : undefined), 5_000, `${expectedJobs} jobs`);
  await queue.close();
  return { acks, jobs };
}

describe('AlertEnqueuer', () => {
  it('splits a request over MAX_EVENTS_PER_JOB into jobs of at most that many, one batch id, order kept', async () => {
    const sent = events('s', 2 * MAX_EVENTS_PER_JOB + 50);
    const { acks, jobs } = await jobsOf((e) => [e.enqueue(sent, '2026-11-22T10:00:01.000Z')], 3);
    expect(jobs.map((j) => j.reduce((n, b) => n + b.events.length, 0))).toEqual([MAX_EVENTS_PER_JOB, MAX_EVENTS_PER_JOB, 50]);
    expect(new Set(jobs.flat().map((b) => b.batchId))).toEqual(new Set([acks[0]!.batchId]));
    expect(jobs.flat().flatMap((b) => b.events.map((e) => e.fingerprint))).toEqual(sent.map((e) => e.fingerprint));
  });

  it('keeps a request of MAX_EVENTS_PER_JOB or fewer in one job', async () => {
    const { jobs } = await jobsOf((e) => [e.enqueue(events('s', MAX_EVENTS_PER_JOB), new Date().toISOString())], 1);
    expect(jobs[0]!.map((b) => b.events.length)).toEqual([MAX_EVENTS_PER_JOB]);
  });

  it('puts the requests that arrive while an add is on its way into the next job, each under its own batch id', async () => {
    const { acks, jobs } = await jobsOf((e) => ['a', 'b', 'c', 'd'].map((p, i) => e.enqueue(events(p, 10), `2026-11-22T10:00:0${i}.000Z`)), 2);
    // The first went at once; the other three waited for it and went as one job.
    expect(jobs.map((j) => j.map((b) => b.batchId))).toEqual([[acks[0]!.batchId], acks.slice(1).map((a) => a.batchId)]);
    expect(new Set(acks.map((a) => a.batchId)).size).toBe(4);
    expect(jobs[1]!.map((b) => [b.receivedAt, b.events[0]!.sourceFingerprint])).toEqual([
      ['2026-11-22T10:00:01.000Z', 'b0'],
      ['2026-11-22T10:00:02.000Z', 'c0'],
      ['2026-11-22T10:00:03.000Z', 'd0'],
    ]);
  });

  it('starts another job where the next request would take it over MAX_EVENTS_PER_JOB', async () => {
    const n = MAX_EVENTS_PER_JOB / 2 + 20;
    const { jobs } = await jobsOf((e) => ['first', 'a', 'b', 'c'].map((p) => e.enqueue(events(p, p === 'first' ? 1 : n), new Date().toISOString())), 4);
    expect(jobs.map((j) => j.map((b) => b.events.length))).toEqual([[1], [n], [n], [n]]);
  });

  it('refuses every request an add carried with a 503 when the queue cannot store it', async () => {
    const queue = new EmbeddedJobQueue({ logger: pino({ level: 'silent' }) });
    await queue.close();
    const enqueuer = new AlertEnqueuer(queue);
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((p) => enqueuer.enqueue(events(p, 5), new Date().toISOString())));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const o of outcomes) expect(((o as PromiseRejectedResult).reason as AppError).status).toBe(503);
  });
});

describe('through the running app', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await startTestRuntime('embedded', { INGEST_AUTH: 'disabled' });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('a large Alertmanager request becomes one incident with every alert, recorded under the request’s batch id', async () => {
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

  it('a job queued by an earlier version (one batch at the top level) is still correlated', async () => {
    const now = new Date().toISOString();
    const event = alertEvent({ sourceFingerprint: 'old-1', name: 'DiskFull', labels: { alertname: 'DiskFull', service: 'legacy' }, startsAt: now, eventTime: now });
    await rt.adapters.queue.add('alerts.ingest', { batchId: 'legacy-1', receivedAt: now, events: [event] } as never);
    const rows = await eventually(async () => {
      const r = await rt.adapters.database.db.selectFrom('alert_events').select(['batch_id', 'decision']).where('batch_id', '=', 'legacy-1').execute();
      return r.length > 0 ? r : undefined;
    }, 15_000, 'the legacy job correlated');
    expect(rows).toEqual([{ batch_id: 'legacy-1', decision: 'opened' }]);
  });
});
