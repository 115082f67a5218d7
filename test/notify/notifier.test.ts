/**
 * The Notifier on a controlled clock, on the embedded and the real adapters: the
 * reconcile notifies openings and resolutions the bus never announced (and leaves old
 * ones alone), queues what was recorded but never queued, and one delivery is bounded by
 * its timeout and classified for retry.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapters, type Adapters } from '../../bin/wiring.ts';
import { loadConfig } from '../../engine/config/config.ts';
import { IncidentRepository } from '../../engine/incident/incident-repository.ts';
import { DeliveryError, deliverNotification } from '../../engine/notify/deliver-notification.ts';
import { NotificationRepository } from '../../engine/notify/notification-repository.ts';
import { targetOf } from '../../engine/notify/notification.ts';
import { Notifier } from '../../engine/notify/notifier.ts';
import { createAppMetrics } from '../../engine/observability/metrics-registry.ts';
import { UnrecoverableJobError } from '../../engine/queue/job-queue.ts';
import { type Flavour, eventually, testEnvironment } from '../support/test-runtime.ts';
import { type WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver.ts';

const MIN = 60_000;

describe.each<Flavour>(['embedded', 'real'])('Notifier (%s)', (flavour) => {
  let adapters: Adapters;
  let cleanup: () => Promise<void>;
  let receiver: WebhookReceiver;
  let notifier: Notifier;
  // The notifier's clock runs a little ahead of the database's (rows are stamped with now()).
  let clock = Date.now();
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    const envir = await testEnvironment(flavour);
    cleanup = envir.cleanup;
    const config = loadConfig({ ...envir.env, NOTIFY_WEBHOOK_URLS: receiver.url('/hook'), NOTIFY_BACKOFF_MS: '50' });
    adapters = await createAdapters(config, logger);
    notifier = new Notifier({ queue: adapters.queue, db: adapters.database.db, metrics: createAppMetrics(), logger, config: config.notify, publicUrl: undefined, now: () => clock });
    await adapters.queue.process('notify.send', (data, ctx) => notifier.send(data, ctx));
  });
  afterAll(async () => {
    await adapters?.queue.close();
    await adapters?.bus.close();
    await adapters?.metricStore.close();
    await adapters?.database.close();
    await cleanup?.();
    await receiver?.close();
  });

  const create = async (id: string, createdAt: number) => {
    const at = new Date(createdAt).toISOString();
    await new IncidentRepository(adapters.database.db).create({ id, title: `incident ${id}`, groupKey: 'service=recon', severity: 'error', eventTime: at, now: at });
  };
  const received = (id: string) => receiver.delivered('/hook').filter((r) => r.body.incident.id === id).map((r) => r.body.event);

  it('notifies openings and resolutions the bus dropped, within the lookback only, once', async () => {
    clock = Date.now();
    await create(`${flavour}-dropped`, clock - MIN);
    await create(`${flavour}-old`, clock - 60 * MIN);
    expect(await notifier.reconcile(15 * MIN)).toBe(1);
    await eventually(async () => (received(`${flavour}-dropped`).includes('opened') ? true : undefined), 10_000, 'opened');

    // Resolved with no message on the bus either.
    const resolvedAt = new Date(clock - 30_000);
    await adapters.database.db.updateTable('incidents').set({ status: 'resolved', resolved_at: resolvedAt, updated_at: new Date(clock) }).where('id', '=', `${flavour}-dropped`).execute();
    expect(await notifier.reconcile(15 * MIN)).toBe(1);
    await eventually(async () => (received(`${flavour}-dropped`).includes('resolved') ? true : undefined), 10_000, 'resolved');
    expect(await notifier.reconcile(15 * MIN)).toBe(0);

    // Reopened and resolved again: a new resolution, notified again.
    await adapters.database.db.updateTable('incidents').set({ status: 'resolved', resolved_at: new Date(clock - 5_000), updated_at: new Date(clock) }).where('id', '=', `${flavour}-dropped`).execute();
    expect(await notifier.reconcile(15 * MIN)).toBe(1);
    await eventually(async () => (received(`${flavour}-dropped`).filter((e) => e === 'resolved').length === 2 ? true : undefined), 10_000, 'the second resolution');
    expect(received(`${flavour}-dropped`)).toEqual(['opened', 'resolved', 'resolved']);
    expect(received(`${flavour}-old`)).toEqual([]);
  });

  it('queues an event that was recorded but never queued (the process died in between)', async () => {
    clock = Date.now();
    await create(`${flavour}-crashed`, clock);
    const message = notifier.opened((await new IncidentRepository(adapters.database.db).getSummary(`${flavour}-crashed`))!);
    expect(await notifier.record(adapters.database.db, message)).toBe(true);
    // Within the grace period it is left to the dispatch in progress…
    expect((await new NotificationRepository(adapters.database.db).unqueued(new Date(clock - 30_000), 10)).length).toBe(0);
    // …after it, the reconcile queues it.
    clock += 31_000;
    expect(await notifier.reconcile(15 * MIN)).toBeGreaterThanOrEqual(1);
    await eventually(async () => (received(`${flavour}-crashed`).includes('opened') ? true : undefined), 10_000, 'the recovered notification');
    expect(await new NotificationRepository(adapters.database.db).unqueued(new Date(clock), 10)).toEqual([]);
  });

  it('bounds a delivery by its timeout and classifies answers for retry', async () => {
    receiver.hang('/hang');
    receiver.always('/bad', 400);
    receiver.always('/busy', 429);
    const message = notifier.opened({ id: 'x', title: 't', status: 'open', severity: 'error', groupKey: 'g', alertCount: 1, startedAt: new Date().toISOString(), createdAt: new Date().toISOString(), resolvedAt: null });
    const opts = { deliveryId: 'd-1', secret: undefined, timeoutMs: 300 };
    const started = Date.now();
    await expect(deliverNotification(targetOf('webhook', receiver.url('/hang')), message, opts)).rejects.toThrow(DeliveryError);
    expect(Date.now() - started).toBeLessThan(3_000);
    await expect(deliverNotification(targetOf('webhook', receiver.url('/bad')), message, opts)).rejects.toThrow(UnrecoverableJobError);
    await expect(deliverNotification(targetOf('slack', receiver.url('/busy')), message, opts)).rejects.toThrow(DeliveryError);
    await expect(deliverNotification(targetOf('webhook', 'http://127.0.0.1:9/refused'), message, opts)).rejects.toThrow(/webhook-[0-9a-f]{12}: request failed/);
    expect(await deliverNotification(targetOf('slack', receiver.url('/ok')), message, opts)).toBe(200);
  });
});
