/**
 * Operators act on incidents through the running app (web → command → leading correlator):
 * acknowledge, assign, comment, change severity, split, merge, resolve and close, each on the
 * timeline with who; illegal transitions are 409s, bad bodies 400s, unknown incidents 404s; a
 * viewer is refused an operator's action; a resolved incident takes no new alerts; merges and
 * splits are remembered as feedback for future grouping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTokenSecret } from '../../engine/auth/api-token.ts';
import { TokenRepository } from '../../engine/auth/token-repository.ts';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { expectNoOrphans } from '../support/store-integrity.ts';
import { type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';

describe.each(['real', 'embedded'] as const)('incident actions (%s)', (flavour) => {
  let rt: TestRuntime;
  let operator: string;
  let viewer: string;
  beforeAll(async () => {
    rt = await startTestRuntime(flavour, { WEB_AUTH: 'required' });
    await rt.app.ready();
    const tokens = new TokenRepository(rt.adapters.database.db);
    const op = newTokenSecret();
    await tokens.insert({ name: 'noc-desk', scopes: ['operator'], sources: null, hash: op.hash });
    operator = op.secret;
    const v = newTokenSecret();
    await tokens.insert({ name: 'wall-screen', scopes: ['viewer'], sources: null, hash: v.hash });
    viewer = v.secret;
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  const act = (id: string, action: string, payload: object = {}, token = operator) =>
    rt.app.inject({ method: 'POST', url: `/api/v1/incidents/${id}/${action}`, headers: { authorization: `Bearer ${token}` }, payload });
  const detail = async (id: string) => (await rt.app.inject({ method: 'GET', url: `/api/v1/incidents/${id}`, headers: { authorization: `Bearer ${viewer}` } })).json();
  const fire = (alerts: Array<{ fingerprint: string; name: string; service: string }>, startsAt = new Date().toISOString()) =>
    rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/alertmanager',
      payload: alertmanagerPayload(alerts.map((a) => ({ fingerprint: a.fingerprint, labels: { alertname: a.name, service: a.service, severity: 'warning' }, startsAt }))),
    });
  const incidentOf = (fp: string, n = 1) =>
    eventually(async () => {
      const list = (await rt.app.inject({ method: 'GET', url: '/api/v1/incidents?limit=200', headers: { authorization: `Bearer ${viewer}` } })).json() as {
        items: Array<{ id: string; sourceFingerprints: string[]; alertCount: number; status: string }>;
      };
      return list.items.find((i) => i.sourceFingerprints.includes(fp) && i.alertCount === n && i.status !== 'closed');
    }, 15_000, `the incident of ${fp}`);

  it('acknowledges, assigns, comments and changes severity, each on the timeline; a second ack is a 409', async () => {
    expect((await fire([{ fingerprint: 'wf-a1', name: 'QueueBacklog', service: 'billing' }])).statusCode).toBe(202);
    const inc = await incidentOf('wf-a1');

    const acked = await act(inc.id, 'ack');
    expect(acked.statusCode, acked.body).toBe(200);
    expect(acked.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: expect.stringMatching(/^token:/) });
    const again = await act(inc.id, 'ack');
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.json()).toMatchObject({ type: expect.stringMatching(/illegal-transition$/), detail: expect.stringMatching(/acknowledged/) });

    expect((await act(inc.id, 'assign', { assignee: 'team-payments' })).json().assignee).toBe('team-payments');
    expect((await act(inc.id, 'comment', { text: 'looking at the consumer lag' })).statusCode).toBe(200);
    expect((await act(inc.id, 'severity', { severity: 'critical' })).json().severity).toBe('critical');
    const d = await detail(inc.id);
    expect(d.timeline.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'acknowledged', 'assigned', 'commented', 'severity.changed']);
    expect(d.timeline.find((e: { kind: string }) => e.kind === 'commented')).toMatchObject({ actor: expect.stringMatching(/^token:/), detail: { text: 'looking at the consumer lag' } });
    // The override holds when a member changes.
    expect((await fire([{ fingerprint: 'wf-a2', name: 'ConsumerLag', service: 'billing' }])).statusCode).toBe(202);
    const two = await incidentOf('wf-a1', 2);
    expect(two.id).toBe(inc.id);
    expect((await detail(inc.id)).severity).toBe('critical');
  });

  it('refuses a viewer (403), a bad body (400) and an unknown incident (404)', async () => {
    const inc = await incidentOf('wf-a1', 2);
    const denied = await act(inc.id, 'resolve', {}, viewer);
    expect(denied.statusCode).toBe(403);
    expect((await act(inc.id, 'comment', {})).statusCode).toBe(400);
    expect((await act(inc.id, 'severity', { severity: 'apocalyptic' })).statusCode).toBe(400);
    expect((await act('00000000-0000-0000-0000-000000000000', 'ack')).statusCode).toBe(404);
    expect((await detail(inc.id)).status).toBe('acknowledged');
  });

  it('splits members out and merges them back; both are remembered as feedback', async () => {
    const inc = await incidentOf('wf-a1', 2);
    const split = await act(inc.id, 'split', { fingerprints: ['alertmanager:wf-a2'] });
    expect(split.statusCode, split.body).toBe(200);
    const after = await detail(inc.id);
    expect(after.members.map((m: { fingerprint: string }) => m.fingerprint)).toEqual(['alertmanager:wf-a1']);
    const part = await incidentOf('wf-a2', 1);
    expect(part.id).not.toBe(inc.id);
    expect((await detail(part.id)).timeline.map((e: { kind: string }) => e.kind)).toEqual(['split']);
    expect((await act(inc.id, 'split', { fingerprints: ['alertmanager:wf-a1'] })).statusCode).toBe(400);

    const merged = await act(inc.id, 'merge', { from: [part.id] });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json()).toMatchObject({ alertCount: 2 });
    expect(await detail(part.id)).toMatchObject({ status: 'closed', mergedInto: inc.id, alertCount: 0 });
    const feedback = await rt.adapters.database.db.selectFrom('correlation_feedback').select(['type_a', 'type_b', 'weight']).execute();
    expect(feedback.map((f) => Math.sign(f.weight)).sort()).toEqual([-1, 1]);
    expect(feedback.every((f) => [f.type_a, f.type_b].sort().join() === 'ConsumerLag,QueueBacklog')).toBe(true);
    await expectNoOrphans(rt.adapters.database.db);
  });

  it('resolves and closes; a resolved incident takes no new alerts; closing twice is a 409', async () => {
    const inc = await incidentOf('wf-a1', 2);
    const resolved = await act(inc.id, 'resolve', { note: 'consumer restarted' });
    expect(resolved.json()).toMatchObject({ status: 'resolved' });
    expect((await fire([{ fingerprint: 'wf-a3', name: 'QueueBacklog2', service: 'billing' }])).statusCode).toBe(202);
    const fresh = await incidentOf('wf-a3');
    expect(fresh.id).not.toBe(inc.id);
    expect((await act(inc.id, 'close')).json()).toMatchObject({ status: 'closed' });
    expect((await act(inc.id, 'close')).statusCode).toBe(409);
    expect((await act(inc.id, 'ack')).statusCode).toBe(409);
    const audit = await rt.adapters.database.db.selectFrom('audit_log').select('action').where('action', 'like', 'incident.%').execute();
    expect(audit.map((a) => a.action)).toContain('incident.resolve.requested');
  });
});
