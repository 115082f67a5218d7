/**
 * An SLA timer outlives its process: the runtime that scheduled it stops before it falls
 * due, a new runtime starts on the same database and queue (the same Redis prefix, or the
 * same data folder with its queue journal), and the escalation still fires on time.
 */
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../bin/runtime.ts';
import { loadConfig } from '../../engine/config/config.ts';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { type Flavour, type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';
import { type WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver.ts';

const ACK_MS = 8_000;

describe.each<Flavour>(['embedded', 'real'])('SLA timers across a restart (%s)', (flavour) => {
  let first: TestRuntime | undefined;
  let second: Runtime | undefined;
  let receiver: WebhookReceiver | undefined;

  afterAll(async () => {
    await second?.stop();
    await first?.cleanup();
    await receiver?.close();
  });

  it(
    'fires a timer scheduled by a runtime that stopped, in the next one',
    async () => {
      receiver = await startWebhookReceiver();
      first = await startTestRuntime(flavour, {
        SLA_ACK_MINUTES: `critical:${ACK_MS / 60_000}`,
        SLA_RESOLVE_MINUTES: 'none',
        NOTIFY_WEBHOOK_URLS: receiver.url('/hook'),
        NOTIFY_EVENTS: 'escalated',
        NOTIFY_BACKOFF_MS: '50',
      });
      await first.app.ready();
      const labels = { alertname: 'QueueStuck', service: 'sla-restart', severity: 'critical' };
      const res = await first.app.inject({ method: 'POST', url: '/api/v1/webhooks/alertmanager', payload: alertmanagerPayload([{ fingerprint: 'sla-restart-1', labels }]) });
      expect(res.statusCode).toBe(202);
      const db = first.adapters.database.db;
      const timer = await eventually(() => db.selectFrom('sla_timers').selectAll().where('kind', '=', 'ack').executeTakeFirst(), 15_000, 'the ack timer');
      expect(timer.outcome).toBeNull();
      expect(await first.adapters.queue.depth('sla.check')).toBe(1);
      const dueAt = timer.due_at!.getTime();
      expect(dueAt - Date.now()).toBeGreaterThan(2_000);

      await first.stop();
      const restartedAt = Date.now();
      second = await startRuntime(loadConfig(first.env), pino({ level: 'silent' }));
      await second.app.ready();

      const escalation = await eventually(async () => receiver!.delivered('/hook').find((r) => r.body.event === 'escalated'), ACK_MS + 15_000, 'the escalation');
      expect(escalation.at).toBeGreaterThan(restartedAt);
      expect(escalation.at).toBeGreaterThanOrEqual(dueAt);
      expect(escalation.body).toMatchObject({ incident: { id: timer.incident_id }, breach: { kind: 'ack', dueAt: new Date(dueAt).toISOString() } });
      // The timer's own job did it, not the per-minute reconcile (which leaves timers due under 30 s to their job).
      expect(escalation.at - dueAt).toBeLessThan(20_000);
      const settled = await second.adapters.database.db.selectFrom('sla_timers').select('outcome').where('kind', '=', 'ack').executeTakeFirstOrThrow();
      expect(settled.outcome).toBe('breached');
      expect(await second.adapters.queue.depth('sla.check')).toBe(0);
    },
    60_000,
  );
});
