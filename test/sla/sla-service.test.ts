/**
 * SlaService's decisions on a controlled clock, on the embedded and the real adapters
 * (PGlite or Postgres; the journaled queue or BullMQ): scheduling and its job ids, a due
 * time that follows the severity, met and breached outcomes, late acknowledgement, one
 * escalation however often a timer is checked, and the reconcile for incidents the bus
 * never announced. Jobs are not consumed here: checks are called directly, as the
 * `sla.check` worker calls them.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapters, type Adapters } from '../../bin/wiring.ts';
import { loadConfig } from '../../engine/config/config.ts';
import { IncidentRepository } from '../../engine/incident/incident-repository.ts';
import { Notifier } from '../../engine/notify/notifier.ts';
import { createAppMetrics } from '../../engine/observability/metrics-registry.ts';
import { SlaPolicy } from '../../engine/sla/sla-policy.ts';
import { SlaService } from '../../engine/sla/sla-service.ts';
import { StreamRepository } from '../../engine/stream/stream-repository.ts';
import { type Flavour, testEnvironment } from '../support/test-runtime.ts';

const MIN = 60_000;
const T0 = Date.parse('2026-11-21T10:00:00.000Z');

describe.each<Flavour>(['embedded', 'real'])('SlaService (%s)', (flavour) => {
  let adapters: Adapters;
  let cleanup: () => Promise<void>;
  let clock = T0;
  let service: SlaService;
  const metrics = createAppMetrics();
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    const envir = await testEnvironment(flavour);
    cleanup = envir.cleanup;
    const config = loadConfig({ ...envir.env, SLA_ACK_MINUTES: 'critical:5,warning:60', SLA_RESOLVE_MINUTES: 'critical:60,warning:240', NOTIFY_WEBHOOK_URLS: 'http://127.0.0.1:9/a,http://127.0.0.1:9/b', NOTIFY_EVENTS: 'escalated' });
    adapters = await createAdapters(config, logger);
    const notifier = new Notifier({ queue: adapters.queue, db: adapters.database.db, metrics, logger, config: config.notify, publicUrl: undefined, now: () => clock });
    service = new SlaService({ queue: adapters.queue, db: adapters.database.db, notifier, metrics, logger, policy: new SlaPolicy(config.sla), now: () => clock });
  });
  afterAll(async () => {
    await adapters?.queue.close();
    await adapters?.bus.close();
    await adapters?.metricStore.close();
    await adapters?.database.close();
    await cleanup?.();
  });

  const db = () => adapters.database.db;
  let n = 0;
  async function incident(severity: string, createdAt = clock) {
    const id = `inc-${flavour}-${++n}`;
    const at = new Date(createdAt).toISOString();
    await new IncidentRepository(db()).create({ id, title: `incident ${n}`, groupKey: 'service=svc', severity, eventTime: at, now: at });
    return { id, status: 'open' as const, severity, createdAt: at };
  }
  const timers = async (id: string) =>
    Object.fromEntries(
      (await db().selectFrom('sla_timers').select(['kind', 'outcome', 'due_at', 'severity']).where('incident_id', '=', id).execute()).map((t) => [t.kind, { outcome: t.outcome, due: t.due_at?.getTime() ?? null, severity: t.severity }]),
    );
  const notifications = (id: string) => db().selectFrom('incident_notifications').select(['event', 'occurrence', 'message']).where('incident_id', '=', id).orderBy('occurrence').execute();

  it('schedules both timers once, with the documented job ids, due from creation by severity', async () => {
    clock = T0;
    const inc = await incident('critical');
    expect(await service.ensureTimers(inc)).toBe(2);
    expect(await timers(inc.id)).toEqual({ ack: { outcome: null, due: T0 + 5 * MIN, severity: 'critical' }, resolve: { outcome: null, due: T0 + 60 * MIN, severity: 'critical' } });
    // A second announcement (a repeated message, another engine process) changes nothing.
    expect(await service.ensureTimers(inc)).toBe(0);
    expect((await adapters.queue.add('sla.check', { incidentId: inc.id, kind: 'ack' }, { jobId: `sla-ack-${inc.id}` })).added).toBe(false);
    expect((await adapters.queue.add('sla.check', { incidentId: inc.id, kind: 'resolve' }, { jobId: `sla-resolve-${inc.id}` })).added).toBe(false);
  });

  it('moves the due time with the severity: early checks wait, a raised severity breaches sooner', async () => {
    clock = T0;
    const inc = await incident('warning');
    await service.ensureTimers(inc);
    expect((await timers(inc.id)).ack!.due).toBe(T0 + 60 * MIN);
    clock = T0 + 3 * MIN;
    expect(await service.check(inc.id, 'ack')).toBe('pending');
    // The incident's worst alert becomes critical: 5 minutes from creation, already past at T0+6.
    await db().updateTable('incidents').set({ severity: 'critical' }).where('id', '=', inc.id).execute();
    expect(await service.ensureTimers({ ...inc, severity: 'critical' })).toBe(2);
    expect((await timers(inc.id)).ack).toEqual({ outcome: null, due: T0 + 5 * MIN, severity: 'critical' });
    expect((await adapters.queue.add('sla.check', { incidentId: inc.id, kind: 'ack' }, { jobId: `sla-ack-${inc.id}-${T0 + 5 * MIN}` })).added).toBe(false);
    clock = T0 + 6 * MIN;
    expect(await service.check(inc.id, 'ack')).toBe('breached');
    expect((await timers(inc.id)).ack!.outcome).toBe('breached');
  });

  it('records one breach and one escalation however often the timer is checked', async () => {
    clock = T0;
    const inc = await incident('critical');
    await service.ensureTimers(inc);
    const before = await adapters.queue.depth('notify.send');
    clock = T0 + 5 * MIN + 1000;
    const outcomes = await Promise.all([service.check(inc.id, 'ack'), service.check(inc.id, 'ack'), service.check(inc.id, 'ack')]);
    expect(outcomes).toEqual(['breached', 'breached', 'breached']);
    const rows = await notifications(inc.id);
    expect(rows.map((r) => [r.event, r.occurrence])).toEqual([['escalated', 'ack']]);
    expect(rows[0]!.message).toMatchObject({
      event: 'escalated',
      incident: { id: inc.id, status: 'open', severity: 'critical', service: 'service=svc', url: null },
      breach: { kind: 'ack', severity: 'critical', targetMinutes: 5, dueAt: new Date(T0 + 5 * MIN).toISOString(), breachedAt: new Date(T0 + 5 * MIN + 1000).toISOString() },
    });
    // One job per target.
    expect((await adapters.queue.depth('notify.send')) - before).toBe(2);
    const breaches = (await metrics.slaBreaches.get()).values.find((v) => v.labels.kind === 'ack')?.value ?? 0;
    expect(breaches).toBeGreaterThanOrEqual(1);
  });

  it('meets a timer acknowledged in time, and records a late acknowledgement as a breach without escalating', async () => {
    clock = T0;
    const inTime = await incident('critical');
    const late = await incident('critical');
    await service.ensureTimers(inTime);
    await service.ensureTimers(late);
    await db().updateTable('incidents').set({ status: 'acknowledged', acknowledged_at: new Date(T0 + 2 * MIN) }).where('id', '=', inTime.id).execute();
    // Acknowledged after the due time, before the check ran (the engine was down, say).
    await db().updateTable('incidents').set({ status: 'acknowledged', acknowledged_at: new Date(T0 + 7 * MIN) }).where('id', '=', late.id).execute();
    clock = T0 + 8 * MIN;
    expect(await service.check(inTime.id, 'ack')).toBe('met');
    expect(await service.check(late.id, 'ack')).toBe('breached');
    expect((await timers(inTime.id)).ack!.outcome).toBe('met');
    expect((await timers(late.id)).ack!.outcome).toBe('breached');
    expect(await notifications(late.id)).toEqual([]);
    // Acknowledged is not resolved: the resolve timer still runs.
    expect(await service.check(inTime.id, 'resolve')).toBe('pending');
    await db().updateTable('incidents').set({ status: 'resolved', resolved_at: new Date(T0 + 30 * MIN) }).where('id', '=', inTime.id).execute();
    clock = T0 + 61 * MIN;
    expect(await service.check(inTime.id, 'resolve')).toBe('met');
    // Once settled, nothing changes it.
    await db().updateTable('incidents').set({ status: 'open' }).where('id', '=', inTime.id).execute();
    expect(await service.check(inTime.id, 'resolve')).toBe('met');
  });

  it('gives a severity without a target no timer, and a vanished incident nothing to do', async () => {
    clock = T0;
    const inc = await incident('info');
    await service.ensureTimers(inc);
    expect(await timers(inc.id)).toEqual({ ack: { outcome: null, due: null, severity: 'info' }, resolve: { outcome: null, due: null, severity: 'info' } });
    clock = T0 + 1000 * MIN;
    expect(await service.check(inc.id, 'ack')).toBe('none');
    expect(await service.check('no-such-incident', 'ack')).toBe('gone');
  });

  it('schedules a batch of incidents as scheduling them one by one does: rows, job ids, counts and stream messages', async () => {
    clock = T0 + 3000 * MIN;
    // Each case twice: one copy scheduled alone, the other in one batch. The same incident twice
    // in a batch (its severity raised in between) is handled once per mention, in order.
    const cases: Array<{ severity: string; status?: 'acknowledged' | 'resolved'; then?: string; known?: boolean }> = [
      { severity: 'critical' },
      { severity: 'warning', then: 'critical' },
      { severity: 'info' },
      { severity: 'critical', status: 'acknowledged' },
      { severity: 'warning', status: 'resolved' },
      { severity: 'warning', known: true },
    ];
    const make = async () =>
      Promise.all(
        cases.map(async (c) => {
          const inc = await incident(c.severity, clock - MIN);
          if (c.status) await db().updateTable('incidents').set({ status: c.status }).where('id', '=', inc.id).execute();
          return { ...inc, status: c.status ?? inc.status };
        }),
      );
    const alone = await make();
    const batched = await make();
    // Scheduled already: a repeated announcement changes nothing, in a batch or not.
    for (const i of cases.flatMap((c, k) => (c.known ? [k] : []))) {
      await service.ensureTimers(alone[i]!);
      await service.ensureTimers(batched[i]!);
    }
    const seqBefore = await new StreamRepository(db()).lastSeq();
    let aloneCount = 0;
    for (const [k, inc] of alone.entries()) {
      aloneCount += await service.ensureTimers(inc);
      if (cases[k]!.then) aloneCount += await service.ensureTimers({ ...inc, severity: cases[k]!.then! });
    }
    const seqMid = await new StreamRepository(db()).lastSeq();
    const batch = batched.flatMap((inc, k) => (cases[k]!.then ? [inc, { ...inc, severity: cases[k]!.then! }] : [inc]));
    expect(await service.ensureTimersMany(batch)).toBe(aloneCount);
    expect(aloneCount).toBe(2 + 4 + 2 + 1);

    const twin = (id: string) => id.replace(/-(\d+)$/, (_, n: string) => `-${Number(n) - cases.length}`);
    for (const [k, inc] of batched.entries()) {
      expect(await timers(inc.id), `case ${k}`).toEqual(await timers(alone[k]!.id));
      for (const kind of ['ack', 'resolve'] as const) {
        for (const suffix of ['', `-${clock - MIN + (kind === 'ack' ? 5 : 60) * MIN}`]) {
          const probe = async (id: string) => (await adapters.queue.add('sla.check', { incidentId: id, kind }, { jobId: `sla-${kind}-${id}${suffix}`, delayMs: 3_600_000 })).added;
          expect(await probe(inc.id), `case ${k} ${kind}${suffix}`).toBe(await probe(alone[k]!.id));
        }
      }
    }
    const sla = (from: number, to: number) =>
      new StreamRepository(db())
        .since(from, 1000, to)
        .then((ms) => ms.map((m) => m as { type: string; incidentId: string; sla: unknown }).map((m) => ({ type: m.type, incidentId: m.incidentId, sla: m.sla })));
    const aloneMessages = await sla(seqBefore, seqMid);
    const batchMessages = await sla(seqMid, Number.MAX_SAFE_INTEGER);
    // Per incident, the same messages in the same order (a batch interleaves incidents differently).
    const byIncident = (ms: typeof aloneMessages) => {
      const out = new Map<string, typeof aloneMessages>();
      for (const m of ms) out.set(m.incidentId, [...(out.get(m.incidentId) ?? []), m]);
      return out;
    };
    expect(byIncident(batchMessages.map((m) => ({ ...m, incidentId: twin(m.incidentId) })))).toEqual(byIncident(aloneMessages));
    expect(batchMessages.length).toBeGreaterThan(0);
  });

  it('reconciles incidents the bus never announced: schedules their timers and checks the overdue ones', async () => {
    clock = T0 + 2000 * MIN;
    const fresh = await incident('critical', clock - MIN);
    const overdue = await incident('critical', clock - 10 * MIN);
    const ancient = await incident('critical', clock - 2 * 24 * 60 * MIN);
    const { scheduled, checked } = await service.reconcile(24 * 60 * MIN);
    expect(scheduled).toBeGreaterThanOrEqual(4);
    expect(checked).toBeGreaterThanOrEqual(1);
    expect(await timers(fresh.id)).toMatchObject({ ack: { outcome: null }, resolve: { outcome: null } });
    expect(await timers(overdue.id)).toMatchObject({ ack: { outcome: 'breached' }, resolve: { outcome: null } });
    expect((await notifications(overdue.id)).map((r) => r.occurrence)).toEqual(['ack']);
    // Beyond the lookback: left alone rather than escalated out of the blue.
    expect(await timers(ancient.id)).toEqual({});
    // A second run finds nothing left to do for them.
    const again = await service.reconcile(24 * 60 * MIN);
    expect(again.checked).toBe(0);
  });
});
