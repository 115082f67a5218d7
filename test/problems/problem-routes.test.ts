/**
 * The problem API in one embedded process: filing a problem from incidents, the workflow's
 * transitions with their 409s and the known-error 400, link and unlink, the timeline with who
 * and when, reads with filters and 404s, the admin check on writes, and a known error attached
 * at once to a matching incident that is still under way.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BusMessage, STREAM_TOPIC } from '../../engine/bus/events.ts';
import { ProblemRepository } from '../../engine/problem/problem-repository.ts';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';

type Res = { statusCode: number; headers: Record<string, unknown>; body: string; json(): any };

function expectProblem(res: Res, status: number, type: string): any {
  expect(res.statusCode, res.body).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const problem = res.json();
  expect(problem.type).toMatch(new RegExp(`/${type}$`));
  return problem;
}

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('problem API', () => {
  let rt: TestRuntime;
  let admin: string;
  let ingestOnly: string;
  const received: BusMessage[] = [];
  let unsubscribe: () => Promise<void>;
  const T0 = Date.now() - 6 * HOUR;

  const post = (url: string, payload?: unknown, token: string | null = admin) =>
    rt.app.inject({ method: 'POST', url, headers: token === null ? {} : { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
  const get = (url: string, token: string | null = admin) => rt.app.inject({ method: 'GET', url, headers: token === null ? {} : { authorization: `Bearer ${token}` } });

  /** Fires an alert, waits for its incident, and (unless `open`) resolves it and waits for that too. */
  async function incidentOf(fp: string, name: string, service: string, startMs: number, open = false): Promise<string> {
    const labels = { alertname: name, service, pod: `${service}-${fp}` };
    expect((await post('/api/v1/webhooks/alertmanager', alertmanagerPayload([{ fingerprint: fp, labels, startsAt: iso(startMs) }]))).statusCode).toBe(202);
    const id = await eventually(async () => {
      const list = (await get('/api/v1/incidents?limit=500')).json();
      return list.items.find((i: any) => i.sourceFingerprints.includes(fp))?.id as string | undefined;
    }, 10_000, `the incident of ${fp}`);
    if (open) return id;
    const resolved = alertmanagerPayload([{ fingerprint: fp, labels, status: 'resolved', startsAt: iso(startMs), endsAt: iso(startMs + 300_000) }]);
    expect((await post('/api/v1/webhooks/alertmanager', resolved)).statusCode).toBe(202);
    await eventually(async () => ((await get(`/api/v1/incidents/${id}`)).json().status === 'resolved' ? true : undefined), 10_000, `${id} resolved`);
    return id;
  }

  let a = '';
  let b = '';
  let c = '';
  let problemId = '';

  beforeAll(async () => {
    rt = await startTestRuntime('embedded', { INGEST_AUTH: 'required', WEB_AUTH: 'required' });
    await rt.app.ready();
    admin = (await readFile(path.join(rt.env.DATA_DIR!, 'initial-token'), 'utf8')).trim();
    const created = await rt.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${admin}` }, payload: { name: 'sender', scopes: ['ingest'] } });
    ingestOnly = created.json().token;
    unsubscribe = await rt.adapters.bus.subscribe(STREAM_TOPIC, (m) => void received.push(m));
    a = await incidentOf('a1', 'HighErrorRate', 'orders-api', T0);
    b = await incidentOf('b1', 'HighErrorRate', 'orders-api', T0 + HOUR);
    c = await incidentOf('c1', 'DiskFull', 'search', T0 + 2 * HOUR);
  });
  afterAll(async () => {
    await unsubscribe?.();
    await rt?.cleanup();
  });

  it('needs problem:write (problem-manager and up) to write and problem:read to read', async () => {
    expectProblem(await post('/api/v1/problems', { incidentIds: [a] }, null), 401, 'unauthenticated');
    expectProblem(await post('/api/v1/problems', { incidentIds: [a] }, 'aiops_' + 'x'.repeat(43)), 401, 'invalid-token');
    expectProblem(await post('/api/v1/problems', { incidentIds: [a] }, ingestOnly), 403, 'forbidden');
    const op = await rt.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${admin}` }, payload: { name: 'noc', scopes: ['operator'] } });
    expectProblem(await post('/api/v1/problems', { incidentIds: [a] }, op.json().token), 403, 'forbidden');
    expectProblem(await get('/api/v1/problems', null), 401, 'unauthenticated');
    expect((await get('/api/v1/problems', op.json().token)).json()).toEqual({ items: [], limit: 100, offset: 0 });
  });

  it('files a problem from incidents: their shared signature, the links and a timeline entry', async () => {
    expectProblem(await post('/api/v1/problems', { incidentIds: [a, 'no-such-incident'] }), 404, 'not-found');
    expectProblem(await post('/api/v1/problems', { incidentIds: [] }), 400, 'validation');
    expectProblem(await post('/api/v1/problems', { incidentIds: [a], colour: 'red' }), 400, 'validation');

    const res = await post('/api/v1/problems', { incidentIds: [a, b], title: 'orders-api errors every hour' });
    expect(res.statusCode, res.body).toBe(201);
    const p = res.json();
    problemId = p.id;
    expect(res.headers.location).toBe(`/api/v1/problems/${p.id}`);
    expect(p).toMatchObject({
      title: 'orders-api errors every hour',
      status: 'new',
      suggested: false,
      origin: 'manual',
      signatureParts: [{ type: 'HighErrorRate', where: 'service=orders-api' }],
      description: 'HighErrorRate on service=orders-api',
      occurrences: 2,
      workaround: null,
      allowedActions: ['reject', 'investigate', 'known-error', 'resolve', 'notes', 'link', 'unlink'],
    });
    expect(p.incidents.map((i: any) => [i.incidentId, i.how]).sort()).toEqual([[a, 'manual'], [b, 'manual']].sort());
    expect(p.timeline).toEqual([{ id: expect.any(Number), at: expect.any(String), who: 'initial', action: 'created', from: null, to: 'new', detail: { incidentIds: [a, b] } }]);
    expect(p.frequency.reduce((s: number, d: any) => s + d.count, 0)).toBe(2);
  });

  it('walks the workflow, refusing illegal transitions with 409 and a known error without workaround with 400', async () => {
    const act = (action: string, body?: unknown) => post(`/api/v1/problems/${problemId}/${action}`, body);

    const accept = expectProblem(await act('accept'), 409, 'illegal-transition');
    expect(accept).toMatchObject({ status: 409, action: 'accept', problemStatus: 'new', allowedFrom: ['new (a pending suggestion)'] });
    expect(accept.detail).toMatch(/cannot accept a problem that is new and not a pending suggestion/);

    expect((await act('investigate', { note: 'looking at the pool' })).json()).toMatchObject({ status: 'investigating' });
    const noWorkaround = expectProblem(await act('known-error', {}), 400, 'workaround-required');
    expect(noWorkaround.errors).toEqual([{ field: 'body/workaround', message: 'is required and must not be blank' }]);
    expectProblem(await act('known-error', { workaround: '   ' }), 400, 'workaround-required');
    expectProblem(await act('known-error', { workaround: 42 }), 400, 'validation');

    const known = (await act('known-error', { workaround: 'recycle the orders-api pods', rootCauseNotes: 'pool leak in v2.3' })).json();
    expect(known).toMatchObject({ status: 'known_error', workaround: 'recycle the orders-api pods', rootCauseNotes: 'pool leak in v2.3' });
    expect((await act('notes', { rootCauseNotes: 'pool leak in v2.3, fixed in v2.4' })).json().rootCauseNotes).toBe('pool leak in v2.3, fixed in v2.4');
    expect((await act('resolve', { note: 'v2.4 deployed' })).json()).toMatchObject({ status: 'resolved', resolvedAt: expect.any(String) });
    const again = expectProblem(await act('resolve'), 409, 'illegal-transition');
    expect(again.allowedFrom).toEqual(['new (not a pending suggestion)', 'investigating', 'known_error']);
    expectProblem(await act('link', { incidentIds: [c] }), 409, 'illegal-transition');
    expect((await act('investigate', { note: 'it came back' })).json()).toMatchObject({ status: 'investigating', resolvedAt: null });
    expect((await act('reject', { reason: 'a duplicate of the pool problem' })).json()).toMatchObject({ status: 'rejected', rejectedAt: expect.any(String) });
    expectProblem(await act('investigate'), 409, 'illegal-transition');
    expect((await act('notes', { rootCauseNotes: 'see the pool problem' })).statusCode).toBe(200);
    expectProblem(await post('/api/v1/problems/no-such-problem/investigate'), 404, 'not-found');
    expectProblem(await post(`/api/v1/problems/${problemId}/explode`), 404, 'not-found');

    const detail = (await get(`/api/v1/problems/${problemId}`)).json();
    expect(detail.allowedActions).toEqual(['notes']);
    expect(detail.timeline.map((t: any) => [t.action, t.from, t.to])).toEqual([
      ['created', null, 'new'],
      ['investigate', 'new', 'investigating'],
      ['known-error', 'investigating', 'known_error'],
      ['notes', 'known_error', 'known_error'],
      ['resolve', 'known_error', 'resolved'],
      ['investigate', 'resolved', 'investigating'],
      ['reject', 'investigating', 'rejected'],
      ['notes', 'rejected', 'rejected'],
    ]);
    expect(detail.timeline.every((t: any) => t.who === 'initial' && !Number.isNaN(Date.parse(t.at)))).toBe(true);
    expect(detail.timeline[1].detail).toEqual({ note: 'looking at the pool' });
    expect(detail.timeline[2].detail).toEqual({ workaround: 'recycle the orders-api pods', rootCauseNotes: 'pool leak in v2.3' });
    expect(detail.timeline[6].detail).toEqual({ reason: 'a duplicate of the pool problem' });
  });

  it('links and unlinks incidents, and lists with a status filter', async () => {
    const p = (await post('/api/v1/problems', { incidentIds: [a] })).json();
    const linked = (await post(`/api/v1/problems/${p.id}/link`, { incidentIds: [b, c] })).json();
    expect(linked.changed.sort()).toEqual([b, c].sort());
    expect(linked.occurrences).toBe(3);
    expect((await post(`/api/v1/problems/${p.id}/link`, { incidentIds: [b] })).json().changed).toEqual([]);
    expectProblem(await post(`/api/v1/problems/${p.id}/link`, { incidentIds: ['nope'] }), 404, 'not-found');
    const unlinked = (await post(`/api/v1/problems/${p.id}/unlink`, { incidentIds: [c, 'nope'] })).json();
    expect(unlinked).toMatchObject({ changed: [c], occurrences: 2 });
    expect(unlinked.timeline.map((t: any) => [t.action, t.detail])).toEqual([
      ['created', { incidentIds: [a] }],
      ['link', { incidentIds: expect.arrayContaining([b, c]) }],
      ['link', { incidentIds: [] }],
      ['unlink', { incidentIds: [c] }],
    ]);

    expect((await get('/api/v1/problems?status=new')).json().items.map((x: any) => x.id)).toEqual([p.id]);
    expect((await get('/api/v1/problems?status=rejected,new&limit=1')).json().items).toHaveLength(1);
    expect((await get('/api/v1/problems?limit=10&offset=0')).json().items).toHaveLength(2);
    expectProblem(await get('/api/v1/problems?status=open'), 400, 'bad-request');
    expectProblem(await get('/api/v1/problems?limit=0'), 400, 'validation');
    expectProblem(await get('/api/v1/problems/nope'), 404, 'not-found');
  });

  it('lets a suggestion only be accepted or rejected first', async () => {
    const id = 'suggested-1';
    await new ProblemRepository(rt.adapters.database.db).create({
      id,
      signature: 'sig1:000000000000000000000000',
      signatureParts: [{ type: 'DiskFull', where: 'service=search' }],
      description: 'DiskFull on service=search',
      title: 'Recurring: DiskFull on service=search',
      status: 'new',
      suggested: true,
      origin: 'mined',
      now: new Date().toISOString(),
    });
    expect((await get(`/api/v1/problems/${id}`)).json().allowedActions).toEqual(['accept', 'reject', 'notes', 'link', 'unlink']);
    const early = expectProblem(await post(`/api/v1/problems/${id}/investigate`), 409, 'illegal-transition');
    expect(early.detail).toMatch(/suggestion of the miner: accept or reject it/);
    const accepted = (await post(`/api/v1/problems/${id}/accept`, { note: 'real' })).json();
    expect(accepted).toMatchObject({ status: 'investigating', suggested: false });
    expect(accepted.timeline.at(-1)).toMatchObject({ who: 'initial', action: 'accept', from: 'new', to: 'investigating', detail: { note: 'real' } });
  });

  it('attaches a new known error at once to a matching incident under way, and says so on the bus', async () => {
    const open = await incidentOf('d1', 'HighErrorRate', 'orders-api', Date.now() - 60_000, true);
    const p = (await post('/api/v1/problems', { incidentIds: [a, b] })).json();
    received.splice(0);
    const known = await post(`/api/v1/problems/${p.id}/known-error`, { workaround: 'recycle the orders-api pods' });
    expect(known.statusCode, known.body).toBe(200);
    expect(known.json().incidents.find((i: any) => i.incidentId === open)).toMatchObject({ how: 'known-error', status: 'open' });
    const message = await eventually(async () => received.find((m) => m.type === 'problem.attached'), 5_000, 'problem.attached');
    expect(message).toMatchObject({ type: 'problem.attached', problemId: p.id, incidentId: open, workaround: 'recycle the orders-api pods', incident: { id: open } });
    expect(known.json().timeline.at(-1)).toMatchObject({ who: 'known-error-matcher', action: 'attached', detail: { incidentId: open } });
  });
});
