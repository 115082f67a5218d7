/**
 * SLA timers end to end inside one process, on embedded defaults and on real Postgres and
 * Redis (BullMQ). Targets are fractional minutes (SLA_*_MINUTES accepts decimals): 6 s to
 * acknowledge and 12 s to resolve a critical incident. One incident is left alone and
 * escalates twice; another is acknowledged and resolved in time and never escalates.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { type Flavour, type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';
import { type WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver.ts';

const ACK_MS = 6_000;
const RESOLVE_MS = 12_000;

describe.each<Flavour>(['embedded', 'real'])('SLA timers (%s)', (flavour) => {
  let rt: TestRuntime;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    rt = await startTestRuntime(flavour, {
      SLA_ACK_MINUTES: `critical:${ACK_MS / 60_000}`,
      SLA_RESOLVE_MINUTES: `critical:${RESOLVE_MS / 60_000}`,
      NOTIFY_WEBHOOK_URLS: receiver.url('/hook'),
      NOTIFY_EVENTS: 'escalated',
      NOTIFY_BACKOFF_MS: '50',
    });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
    await receiver?.close();
  });

  const post = (alerts: Parameters<typeof alertmanagerPayload>[0]) =>
    rt.app.inject({ method: 'POST', url: '/api/v1/webhooks/alertmanager', payload: alertmanagerPayload(alerts) });
  const incidentOf = (service: string) =>
    eventually(async () => {
      const list = (await rt.app.inject({ method: 'GET', url: '/api/v1/incidents' })).json();
      return list.items.find((i: any) => i.groupKey === `service=${service}`);
    }, 15_000, `the ${service} incident`);
  const timers = (id: string) =>
    rt.adapters.database.db.selectFrom('sla_timers').select(['kind', 'outcome', 'severity', 'due_at', 'settled_at']).where('incident_id', '=', id).orderBy('kind').execute();
  const escalations = (id: string) => receiver.delivered('/hook').filter((r) => r.body.incident.id === id);

  it(
    'escalates an incident left alone, once per breached target, and not one acknowledged and resolved in time',
    async () => {
      const startsAt = new Date().toISOString();
      const late = { alertname: 'PaymentsDown', service: 'sla-late', severity: 'critical' };
      const kept = { alertname: 'SearchDown', service: 'sla-kept', severity: 'critical' };
      expect((await post([{ fingerprint: 'sla-late-1', labels: late, startsAt }, { fingerprint: 'sla-kept-1', labels: kept, startsAt }])).statusCode).toBe(202);
      const [lateIncident, keptIncident] = await Promise.all([incidentOf('sla-late'), incidentOf('sla-kept')]);

      // An operator acknowledges at once (the lifecycle API sets these columns), then the alert resolves.
      await rt.adapters.database.db
        .updateTable('incidents')
        .set({ status: 'acknowledged', acknowledged_at: sql<Date>`now()` })
        .where('id', '=', keptIncident.id)
        .execute();
      await post([{ fingerprint: 'sla-kept-1', labels: kept, startsAt, status: 'resolved', endsAt: new Date().toISOString() }]);

      const ack = await eventually(async () => escalations(lateIncident.id).find((r) => r.body.breach?.kind === 'ack'), ACK_MS + 10_000, 'the ack escalation');
      const created = Date.parse(lateIncident.createdAt);
      expect(ack.body).toMatchObject({
        event: 'escalated',
        incident: { id: lateIncident.id, status: 'open', severity: 'critical', service: 'service=sla-late' },
        breach: { kind: 'ack', severity: 'critical', targetMinutes: ACK_MS / 60_000 },
      });
      expect(Date.parse(ack.body.breach.dueAt)).toBe(created + ACK_MS);
      expect(Date.parse(ack.body.breach.breachedAt)).toBeGreaterThanOrEqual(created + ACK_MS);
      expect(ack.at).toBeGreaterThanOrEqual(created + ACK_MS);

      const resolve = await eventually(async () => escalations(lateIncident.id).find((r) => r.body.breach?.kind === 'resolve'), RESOLVE_MS + 10_000, 'the resolve escalation');
      expect(Date.parse(resolve.body.breach.dueAt)).toBe(created + RESOLVE_MS);
      expect(resolve.at).toBeGreaterThanOrEqual(created + RESOLVE_MS);

      expect((await timers(lateIncident.id)).map((t) => [t.kind, t.outcome])).toEqual([
        ['ack', 'breached'],
        ['resolve', 'breached'],
      ]);
      // The kept incident's timers settle as met when they fall due.
      await eventually(async () => {
        const rows = await timers(keptIncident.id);
        return rows.length === 2 && rows.every((t) => t.outcome === 'met') ? rows : undefined;
      }, 10_000, 'the kept incident timers met');
      expect(escalations(keptIncident.id)).toEqual([]);
      expect(escalations(lateIncident.id)).toHaveLength(2);

      const text = (await rt.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).toMatch(/^aiops_sla_breaches_total\{kind="ack"\} 1$/m);
      expect(text).toMatch(/^aiops_sla_breaches_total\{kind="resolve"\} 1$/m);
    },
    60_000,
  );
});
