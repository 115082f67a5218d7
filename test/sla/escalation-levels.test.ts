/**
 * Escalation levels on real Postgres and Redis (BullMQ): an admin replaces the paging
 * policy (bad policies are a 400 problem+json, a non-admin a 401/403); an incident left
 * unacknowledged escalates level by level to each level's channels, one acknowledged after
 * level 1 has level 2 cancelled; the list and detail carry the SLA state, the timeline and
 * the audit log record every level, and a level scheduled before a restart fires after it.
 * Targets are fractional minutes: 3 s to acknowledge a critical incident, 3 s between levels.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../bin/runtime.ts';
import { newTokenSecret } from '../../engine/auth/api-token.ts';
import { TokenRepository } from '../../engine/auth/token-repository.ts';
import { loadConfig } from '../../engine/config/config.ts';
import { targetOf } from '../../engine/notify/notification.ts';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';
import { type WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver.ts';

const STEP_MINUTES = 0.05;

describe('escalation levels (real services)', () => {
  let rt: TestRuntime;
  let second: Runtime | undefined;
  let receiver: WebhookReceiver;
  let admin: string;
  let keyA: string;
  let keyB: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    keyA = targetOf('webhook', receiver.url('/a')).key;
    keyB = targetOf('webhook', receiver.url('/b')).key;
    rt = await startTestRuntime('real', {
      SLA_ACK_MINUTES: `critical:${STEP_MINUTES}`,
      SLA_RESOLVE_MINUTES: 'none',
      NOTIFY_WEBHOOK_URLS: `${receiver.url('/a')},${receiver.url('/b')}`,
      NOTIFY_EVENTS: 'escalated',
      NOTIFY_BACKOFF_MS: '50',
    });
    await rt.app.ready();
    const token = newTokenSecret();
    await new TokenRepository(rt.adapters.database.db).insert({ name: 'esc-admin', scopes: ['admin'], sources: null, hash: token.hash });
    admin = token.secret;
  });
  afterAll(async () => {
    await second?.stop();
    await rt?.cleanup();
    await receiver?.close();
  });

  const app = () => (second ?? rt).app;
  const call = (method: 'GET' | 'PUT' | 'POST', url: string, payload?: object, auth = true) =>
    app().inject({ method, url, ...(payload ? { payload } : {}), headers: auth ? { authorization: `Bearer ${admin}` } : {} });
  const incidentOf = (service: string) =>
    eventually(async () => (await call('GET', '/api/v1/incidents')).json().items.find((i: any) => i.groupKey === `service=${service}`), 15_000, `the ${service} incident`);
  const sent = (path: string, id: string) => receiver.delivered(path).filter((r) => r.body.incident.id === id).map((r) => r.body.escalation?.level);

  it('validates the policy and lets only an admin replace it', async () => {
    const before = (await call('GET', '/api/v1/escalation-policy', undefined, false)).json();
    expect(before).toMatchObject({ source: 'default', rules: [], defaultRule: { levels: [{ afterMinutes: 0, channels: ['all'] }] } });
    expect(before.channels.map((c: any) => c.name)).toEqual(['all', 'webhook', 'slack', keyA, keyB]);

    const bad = async (body: object, field: RegExp) => {
      const res = await call('PUT', '/api/v1/escalation-policy', body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(JSON.stringify(res.json())).toMatch(field);
    };
    await bad({ rules: [{ severity: 'critical', levels: [{ afterMinutes: 5, channels: ['all'] }] }] }, /levels\/0\/afterMinutes/);
    await bad({ rules: [{ levels: [{ afterMinutes: 0, channels: ['all'] }, { afterMinutes: 0, channels: ['all'] }] }] }, /levels\/1\/afterMinutes/);
    await bad({ rules: [{ levels: [{ afterMinutes: 0, channels: ['pager-of-nobody'] }] }] }, /pager-of-nobody/);
    await bad({ rules: [{ severity: 'error', levels: [{ afterMinutes: 0, channels: [] }] }, { severity: 'error', levels: [{ afterMinutes: 0, channels: [] }] }] }, /second rule/);
    await bad({ rules: [{ severity: 'urgent', levels: [{ afterMinutes: 0, channels: [] }] }] }, /severity/);
    await bad({ rules: [{ levels: [] }] }, /levels/);
    await bad({ rules: [], extra: true }, /extra|additional/i);

    // WEB_AUTH=disabled: an anonymous request reads but may not administer.
    expect((await call('PUT', '/api/v1/escalation-policy', { rules: [] }, false)).statusCode).toBe(401);

    const policy = {
      rules: [
        { severity: 'critical', levels: [{ afterMinutes: 0, channels: [keyA] }, { afterMinutes: STEP_MINUTES, channels: [keyB] }, { afterMinutes: STEP_MINUTES, channels: ['all'] }] },
        { severity: 'critical', service: 'esc-quiet', levels: [{ afterMinutes: 0, channels: [] }] },
      ],
    };
    const res = await call('PUT', '/api/v1/escalation-policy', policy);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ source: 'stored', rules: policy.rules, updatedBy: expect.stringMatching(/^token:/) });
    const audited = await rt.adapters.database.db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'escalation-policy.replaced').execute();
    expect(audited).toHaveLength(1);
  });

  it('escalates level by level while unacknowledged, cancels the rest on acknowledgement, and shows it all', { timeout: 60_000 }, async () => {
    // A console's websocket, live from here on.
    const live: any[] = [];
    const ws = await app().injectWS('/api/v1/stream', {}, { onInit: (s) => s.on('message', (d) => live.push(JSON.parse(String(d)))) });
    const labels = (service: string) => ({ alertname: 'Down', service, severity: 'critical' });
    const fire = await app().inject({
      method: 'POST',
      url: '/api/v1/webhooks/alertmanager',
      payload: alertmanagerPayload([
        { fingerprint: 'esc-left-1', labels: labels('esc-left') },
        { fingerprint: 'esc-acked-1', labels: labels('esc-acked') },
      ]),
    });
    expect(fire.statusCode).toBe(202);
    const [left, acked] = await Promise.all([incidentOf('esc-left'), incidentOf('esc-acked')]);
    // The list carries the SLA state: the ack target's due time, not breached yet.
    const listed = await eventually(async () => {
      const item = (await call('GET', '/api/v1/incidents')).json().items.find((i: any) => i.id === left.id);
      return item.sla.ack ? item : undefined;
    }, 10_000, 'the ack timer in the list');
    expect(listed.sla).toMatchObject({ breached: false, escalationLevel: 0, resolve: null, ack: { outcome: null, targetMinutes: STEP_MINUTES } });
    expect(Date.parse(listed.sla.ack.dueAt)).toBe(Date.parse(left.createdAt) + STEP_MINUTES * 60_000);

    // Level 1 at the breach, to channel A only.
    await eventually(async () => (sent('/a', acked.id).includes(1) && sent('/a', left.id).includes(1) ? true : undefined), 15_000, 'level 1 of both');
    expect(sent('/b', left.id)).toEqual([]);
    const ack = await call('POST', `/api/v1/incidents/${acked.id}/ack`, {});
    expect(ack.statusCode, ack.body).toBe(200);

    // Level 2 to B after the delay; the acknowledged incident's level 2 is cancelled instead.
    await eventually(async () => (sent('/b', left.id).includes(2) ? true : undefined), 15_000, 'level 2');
    const cancelled = await eventually(async () => {
      const rows = await rt.adapters.database.db.selectFrom('incident_escalations').select(['level', 'status', 'reason']).where('incident_id', '=', acked.id).orderBy('level').execute();
      return rows.length === 2 && rows[1]!.status === 'cancelled' ? rows : undefined;
    }, 10_000, 'level 2 cancelled');
    expect(cancelled).toEqual([
      { level: 1, status: 'fired', reason: null },
      { level: 2, status: 'cancelled', reason: 'acknowledged' },
    ]);

    // Level 3 to every channel, and then nothing more.
    await eventually(async () => (sent('/a', left.id).includes(3) && sent('/b', left.id).includes(3) ? true : undefined), 15_000, 'level 3');
    await new Promise((r) => setTimeout(r, STEP_MINUTES * 60_000 + 1000));
    expect(sent('/a', left.id)).toEqual([1, 3]);
    expect(sent('/b', left.id)).toEqual([2, 3]);
    expect(sent('/a', acked.id)).toEqual([1]);
    expect(sent('/b', acked.id)).toEqual([]);

    const detail = (await call('GET', `/api/v1/incidents/${left.id}`)).json();
    expect(detail.sla).toMatchObject({ breached: true, escalationLevel: 3, ack: { outcome: 'breached', overdue: true } });
    expect(detail.sla.escalations.map((e: any) => [e.level, e.status, e.channels])).toEqual([
      [1, 'fired', [keyA]],
      [2, 'fired', [keyB]],
      [3, 'fired', ['all']],
    ]);
    expect(detail.timeline.filter((t: any) => t.actor === 'sla').map((t: any) => [t.kind, t.detail.level ?? t.detail.kind])).toEqual([
      ['sla.breached', 'ack'],
      ['escalated', 1],
      ['escalated', 2],
      ['escalated', 3],
    ]);
    const ackedDetail = (await call('GET', `/api/v1/incidents/${acked.id}`)).json();
    expect(ackedDetail.timeline.map((t: any) => t.kind)).toContain('escalation.cancelled');
    expect(ackedDetail.sla).toMatchObject({ breached: true, escalationLevel: 1 });

    const audit = await rt.adapters.database.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', 'like', 'incident.escalat%').orderBy('id').execute();
    expect(audit.filter((a) => a.target_id === left.id).map((a) => a.action)).toEqual(['incident.escalated', 'incident.escalated', 'incident.escalated']);
    expect(audit.filter((a) => a.target_id === acked.id).map((a) => a.action)).toEqual(['incident.escalated', 'incident.escalation.cancelled']);

    // The websocket carried the SLA changes live: scheduled, breached at level 1, up to level 3.
    const sla = live.filter((m) => m.type === 'incident.sla' && m.incidentId === left.id).map((m) => m.sla);
    expect(sla[0]).toMatchObject({ breached: false, escalationLevel: 0 });
    expect(sla.map((s) => s.escalationLevel).filter((l, i, a) => l > 0 && a.indexOf(l) === i)).toEqual([1, 2, 3]);
    expect(sla.at(-1)).toMatchObject({ breached: true, escalationLevel: 3 });
    ws.terminate();
    // The stream log carried them too, for consoles resuming.
    const slaMessages = await rt.adapters.database.db.selectFrom('stream_events').select('payload').where('type', '=', 'incident.sla').execute();
    expect(slaMessages.some((m: any) => m.payload.incidentId === left.id && m.payload.sla.escalationLevel === 3)).toBe(true);
  });

  it('fires a level scheduled before a restart after it', { timeout: 60_000 }, async () => {
    const current = (await call('GET', '/api/v1/escalation-policy')).json();
    const put = await call('PUT', '/api/v1/escalation-policy', {
      rules: [...current.rules, { severity: 'critical', service: 'esc-restart', levels: [{ afterMinutes: 0, channels: [keyA] }, { afterMinutes: 0.2, channels: [keyB] }] }],
    });
    expect(put.statusCode, put.body).toBe(200);
    const res = await app().inject({
      method: 'POST',
      url: '/api/v1/webhooks/alertmanager',
      payload: alertmanagerPayload([{ fingerprint: 'esc-restart-1', labels: { alertname: 'Down', service: 'esc-restart', severity: 'critical' } }]),
    });
    expect(res.statusCode).toBe(202);
    const incident = await incidentOf('esc-restart');
    await eventually(async () => (sent('/a', incident.id).includes(1) ? true : undefined), 15_000, 'level 1');
    const scheduled = await rt.adapters.database.db.selectFrom('incident_escalations').selectAll().where('incident_id', '=', incident.id).where('level', '=', 2).executeTakeFirstOrThrow();
    expect(scheduled.status).toBe('scheduled');
    await rt.stop();
    const restartedAt = Date.now();
    second = await startRuntime(loadConfig(rt.env), pino({ level: 'silent' }));
    await second.app.ready();
    const at = await eventually(async () => receiver.delivered('/b').find((r) => r.body.incident.id === incident.id && r.body.escalation?.level === 2), 20_000, 'level 2 after the restart');
    expect(scheduled.due_at.getTime()).toBeGreaterThan(restartedAt);
    expect(at.at).toBeGreaterThanOrEqual(scheduled.due_at.getTime());
    // Its own delayed job, not the per-minute reconcile (which waits 30 s past due).
    expect(at.at - scheduled.due_at.getTime()).toBeLessThan(15_000);
  });
});
