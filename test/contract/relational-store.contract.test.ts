/**
 * The relational store's contract, run against real Postgres and embedded PGlite:
 * migrations, dedup of alert events, grouping into incidents, resolve, the stream log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertRepository } from '../../engine/alert/alert-repository.ts';
import type { Database } from '../../engine/db/database.ts';
import type { StreamMessage } from '../../engine/bus/events.ts';
import { IncidentRepository } from '../../engine/incident/incident-repository.ts';
import { StreamRepository } from '../../engine/stream/stream-repository.ts';
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { LiveCorrelator } from '../../correlator/live/live-correlator.ts';
import { alertEvent } from '../support/alert-fixtures.ts';
import { freshRecord } from '../../engine/alert/alert-state.ts';
import { type DatabaseHarness, relationalAdapters } from '../support/database-harness.ts';


const WINDOW = 5 * 60_000;

describe.each(relationalAdapters)('relational store: %s', (_name, makeHarness) => {
  let harness: DatabaseHarness;
  let database: Database;
  let live: LiveCorrelator | undefined;
  let wall = 0;

  /**
   * Correlates a batch with the live engine (no hold time), then lets engine time run to the
   * batch's latest event, as a quiet stream would: resolves due by then are written.
   */
  const correlateBatch = async (_db: unknown, batch: { batchId: string; receivedAt: string; events: AlertEvent[] }, opts: { windowMs: number }) => {
    live ??= new LiveCorrelator({ db: database.db, engine: { maxGapMs: opts.windowMs, holdMs: 0 }, quietMs: 0, now: () => wall });
    const out = await live.processBatch(batch);
    wall = Math.max(...batch.events.map((e) => Date.parse(e.eventTime)));
    const ticked = await live.tick();
    return { ...out, messages: [...out.messages, ...ticked.messages] };
  };

  beforeAll(async () => {
    harness = await makeHarness();
    database = await harness.open();
  });
  afterAll(async () => {
    await database?.close();
    await harness?.cleanup();
  });

  it('answers ping and reopens an already migrated store', async () => {
    await database.ping();
    // Migrations are idempotent across restarts: close and reopen the same store.
    await database.close();
    database = await harness.open();
    await database.ping();
  });

  it('records an event once and counts a redelivery as a repeat', async () => {
    const alerts = new AlertRepository(database.db);
    const ev = alertEvent({ sourceFingerprint: 'dedup-1' });
    const first = await alerts.record(ev, 'b1', '2026-11-21T10:00:01.000Z');
    const again = await alerts.record(ev, 'b2', '2026-11-21T10:00:05.000Z');
    expect(first.isNewEvent).toBe(true);
    expect(again.isNewEvent).toBe(false);
    expect(again.alert!.repeatCount).toBe(1);
    expect(again.alert!.lastSeenAt).toBe('2026-11-21T10:00:05.000Z');
    const events = await database.db.selectFrom('alert_events').selectAll().where('fingerprint', '=', ev.fingerprint).execute();
    expect(events).toHaveLength(1);
  });

  it('does not rewind an alert on a late, older event', async () => {
    const alerts = new AlertRepository(database.db);
    const resolved = alertEvent({ sourceFingerprint: 'late-1', status: 'resolved', endsAt: '2026-11-21T10:10:00.000Z' });
    await alerts.record(resolved, 'b1', '2026-11-21T10:10:01.000Z');
    const olderFiring = alertEvent({ sourceFingerprint: 'late-1', startsAt: '2026-11-21T10:00:00.000Z' });
    const out = await alerts.record(olderFiring, 'b2', '2026-11-21T10:10:02.000Z');
    expect(out.isNewEvent).toBe(true);
    expect(out.alert!.status).toBe('resolved');
  });

  it('acknowledges only a firing alert, and a new firing episode clears the acknowledgement', async () => {
    const alerts = new AlertRepository(database.db);
    const unknown = await alerts.record(alertEvent({ sourceFingerprint: 'ack-none', status: 'acknowledged', eventTime: '2026-11-21T10:01:00.000Z' }), 'a0', '2026-11-21T10:01:00.000Z');
    expect(unknown).toEqual({ isNewEvent: false, alert: undefined });

    await alerts.record(alertEvent({ sourceFingerprint: 'ack-1' }), 'a1', '2026-11-21T10:00:00.000Z');
    const ack = alertEvent({ sourceFingerprint: 'ack-1', status: 'acknowledged', eventTime: '2026-11-21T10:02:00.000Z' });
    const acked = await alerts.record(ack, 'a2', '2026-11-21T10:02:00.000Z');
    expect(acked.isNewEvent).toBe(true);
    expect(acked.alert!.status).toBe('firing');
    expect(acked.alert!.acknowledgedAt).toBe('2026-11-21T10:02:00.000Z');
    expect((await alerts.record(ack, 'a3', '2026-11-21T10:02:05.000Z')).isNewEvent).toBe(false);

    await alerts.record(alertEvent({ sourceFingerprint: 'ack-1', status: 'resolved', endsAt: '2026-11-21T10:05:00.000Z' }), 'a4', '2026-11-21T10:05:00.000Z');
    const late = await alerts.record(alertEvent({ sourceFingerprint: 'ack-1', status: 'acknowledged', eventTime: '2026-11-21T10:06:00.000Z' }), 'a5', '2026-11-21T10:06:00.000Z');
    expect(late.isNewEvent).toBe(false);
    const reopened = await alerts.record(alertEvent({ sourceFingerprint: 'ack-1', startsAt: '2026-11-21T10:10:00.000Z' }), 'a6', '2026-11-21T10:10:00.000Z');
    expect(reopened.alert!.status).toBe('firing');
    expect(reopened.alert!.acknowledgedAt).toBeNull();
  });

  it('groups a service within the window, splits outside it and across services', async () => {
    const t0 = Date.parse('2026-11-21T12:00:00.000Z');
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const events = [
      alertEvent({ sourceFingerprint: 'g-a', labels: { alertname: 'A', service: 'pay' }, name: 'A', startsAt: at(0) }),
      alertEvent({ sourceFingerprint: 'g-b', labels: { alertname: 'B', service: 'pay' }, name: 'B', startsAt: at(30), severity: 'critical' }),
      alertEvent({ sourceFingerprint: 'g-c', labels: { alertname: 'C', service: 'pay' }, name: 'C', startsAt: at(3600) }),
      alertEvent({ sourceFingerprint: 'g-d', labels: { alertname: 'A', service: 'cart' }, name: 'A', startsAt: at(10) }),
    ];
    const out = await correlateBatch(database.db, { batchId: 'g1', receivedAt: at(3601), events }, { windowMs: WINDOW });
    expect(out.duplicates).toBe(0);
    const repo = new IncidentRepository(database.db);
    const list = (await repo.list({ limit: 100, offset: 0 })).filter((i) => i.groupKey === 'service=pay' || i.groupKey === 'service=cart');
    const byFps = list.map((i) => i.sourceFingerprints.join(',')).sort();
    expect(byFps).toEqual(['g-a,g-b', 'g-c', 'g-d']);
    const ab = list.find((i) => i.sourceFingerprints.includes('g-a'))!;
    expect(ab.alertCount).toBe(2);
    expect(ab.severity).toBe('critical');
    const full = await repo.get(ab.id);
    const b = full!.members.find((m) => m.sourceFingerprint === 'g-b')!;
    expect(b.linkReason).toContain('same service "pay"');
    expect(b.linkReason).toContain('30 s after');
  });

  it('is idempotent: the same batch twice changes nothing', async () => {
    const events = [alertEvent({ sourceFingerprint: 'idem-1', labels: { alertname: 'X', service: 'idem' }, name: 'X' })];
    const first = await correlateBatch(database.db, { batchId: 'i1', receivedAt: '2026-11-21T10:00:01.000Z', events }, { windowMs: WINDOW });
    const second = await correlateBatch(database.db, { batchId: 'i1', receivedAt: '2026-11-21T10:00:01.000Z', events }, { windowMs: WINDOW });
    expect(first.messages.map((m) => m.type)).toEqual(['incident.created']);
    expect(second.messages).toEqual([]);
    expect(second.duplicates).toBe(1);
    const repo = new IncidentRepository(database.db);
    const mine = (await repo.list({ limit: 100, offset: 0 })).filter((i) => i.groupKey === 'service=idem');
    expect(mine).toHaveLength(1);
  });

  it('resolves an incident when all members resolve, and a new firing opens a new incident', async () => {
    const labels = { alertname: 'R', service: 'res' };
    const fire = (fp: string, s: string) => alertEvent({ sourceFingerprint: fp, labels, name: 'R', startsAt: s });
    const res = (fp: string, s: string, e: string) => alertEvent({ sourceFingerprint: fp, labels, name: 'R', status: 'resolved', startsAt: s, endsAt: e });
    const opts = { windowMs: WINDOW };
    await correlateBatch(database.db, { batchId: 'r1', receivedAt: '2026-11-21T15:00:00.000Z', events: [fire('r-1', '2026-11-21T14:00:00Z'), fire('r-2', '2026-11-21T14:00:10Z')] }, opts);
    await correlateBatch(database.db, { batchId: 'r2', receivedAt: '2026-11-21T15:00:00.000Z', events: [res('r-1', '2026-11-21T14:00:00Z', '2026-11-21T14:05:00Z')] }, opts);
    const repo = new IncidentRepository(database.db);
    let inc = (await repo.list({ limit: 100, offset: 0 })).filter((i) => i.groupKey === 'service=res');
    expect(inc).toHaveLength(1);
    expect(inc[0]!.status).toBe('open');
    expect(inc[0]!.firingCount).toBe(1);
    await correlateBatch(database.db, { batchId: 'r3', receivedAt: '2026-11-21T15:00:00.000Z', events: [res('r-2', '2026-11-21T14:00:10Z', '2026-11-21T14:06:00Z')] }, opts);
    inc = (await repo.list({ limit: 100, offset: 0 })).filter((i) => i.groupKey === 'service=res');
    expect(inc[0]!.status).toBe('resolved');
    expect(inc[0]!.resolvedAt).toBe('2026-11-21T14:06:00.000Z');
    // A resolved incident does not absorb a new firing, even within the window.
    await correlateBatch(database.db, { batchId: 'r4', receivedAt: '2026-11-21T15:00:00.000Z', events: [fire('r-3', '2026-11-21T14:07:00Z')] }, opts);
    inc = (await repo.list({ limit: 100, offset: 0 })).filter((i) => i.groupKey === 'service=res');
    expect(inc).toHaveLength(2);
    expect(inc.filter((i) => i.status === 'open').map((i) => i.sourceFingerprints)).toEqual([['r-3']]);
  });

  it('writes new alerts and events by COPY: awkward text comes back as sent, a stored one fails the whole write', async () => {
    const alerts = new AlertRepository(database.db);
    const awkward = 'tab\there, line\nbreak, cr\rhere, back\\slash, \\N, quote " and ünïcödé ✓';
    const evs = [
      alertEvent({ sourceFingerprint: 'copy-1', labels: { alertname: 'Copy', service: 'copy', note: awkward }, annotations: { summary: awkward, empty: '' } }),
      alertEvent({ sourceFingerprint: 'copy-2', labels: { alertname: 'Copy', service: 'copy' }, status: 'resolved' }),
    ];
    const created = evs.map((e) => freshRecord(e, '2026-11-21T10:00:01.000Z'));
    const events = evs.map((e, i) => ({ fingerprint: e.fingerprint, status: e.status, eventTime: e.eventTime, receivedAt: '2026-11-21T10:00:01.000Z', batchId: 'copy\tbatch', decision: i === 0 ? 'opened' : null, incidentKey: null }));
    await alerts.writeDecided({ created, updated: [], events });
    const back = await alerts.get(evs[0]!.fingerprint);
    expect(back).toEqual(created[0]);
    expect(back!.labels.note).toBe(awkward);
    expect((await alerts.get(evs[1]!.fingerprint))!.endsAt).toBe(created[1]!.endsAt);
    const rows = await database.db.selectFrom('alert_events').select(['fingerprint', 'batch_id', 'decision', 'incident_key']).where('batch_id', '=', 'copy\tbatch').orderBy('id').execute();
    expect(rows).toEqual([
      { fingerprint: evs[0]!.fingerprint, batch_id: 'copy\tbatch', decision: 'opened', incident_key: null },
      { fingerprint: evs[1]!.fingerprint, batch_id: 'copy\tbatch', decision: null, incident_key: null },
    ]);
    // One alert already stored: the statement fails and writes none of the others.
    const third = freshRecord(alertEvent({ sourceFingerprint: 'copy-3' }), '2026-11-21T10:00:02.000Z');
    await expect(alerts.writeDecided({ created: [third, created[0]!], updated: [], events: [] })).rejects.toThrow();
    expect(await alerts.get(third.fingerprint)).toBeUndefined();
  });

  it('links new member rows by COPY and keeps the first link of a member already stored', async () => {
    const alerts = new AlertRepository(database.db);
    const incidents = new IncidentRepository(database.db);
    const evs = ['m-1', 'm-2', 'm-3'].map((f) => alertEvent({ sourceFingerprint: f, labels: { alertname: 'M', service: 'members' } }));
    await alerts.writeDecided({ created: evs.map((e) => freshRecord(e, '2026-11-21T10:00:01.000Z')), updated: [], events: [] });
    const id = await incidents.create({ title: 'M on members', groupKey: 'service=members', severity: 'warning', eventTime: '2026-11-21T10:00:00.000Z', now: '2026-11-21T10:00:01.000Z' });
    const member = (e: AlertEvent) => ({ fingerprint: e.fingerprint, status: 'firing' as const, severity: 'warning', startsAt: e.startsAt, endsAt: null, lastEventAt: e.eventTime });
    // A link after the alert's first event carries its state before (firing): counted once.
    const firing = { status: 'firing', severity: 'warning' };
    const link = (e: AlertEvent, reason: string, newRow: boolean, before?: typeof firing) => ({ incidentId: id, member: member(e), before, link: { reason, score: { topology: 0.5, note: 'a\tb' }, newRow } });
    // m-2 twice in one write: the second link is not copied again (that would break the key).
    await incidents.applyChanges([link(evs[0]!, 'first', true), link(evs[1]!, 'first', true), link(evs[1]!, 'twice', true, firing)], '2026-11-21T10:00:01.000Z');
    // m-1 again (stored: kept as it was), m-3 new but not known to be new.
    await incidents.applyChanges([link(evs[0]!, 'again', false, firing), link(evs[2]!, 'late', false)], '2026-11-21T10:00:02.000Z');
    const got = await incidents.get(id);
    expect(got!.alertCount).toBe(3);
    expect(got!.firingCount).toBe(3);
    const reasons = Object.fromEntries(got!.members.map((m) => [m.sourceFingerprint, m.linkReason]));
    expect(reasons).toEqual({ 'm-1': 'first', 'm-2': 'first', 'm-3': 'late' });
    const score = await database.db.selectFrom('incident_alerts').select('score').where('incident_id', '=', id).where('fingerprint', '=', evs[0]!.fingerprint).executeTakeFirstOrThrow();
    expect(score.score).toEqual({ topology: 0.5, note: 'a\tb' });
  });

  it('puts the members a write linked together in the order the store gives, without reading them back', async () => {
    const alerts = new AlertRepository(database.db);
    const incidents = new IncidentRepository(database.db);
    // Fingerprints whose order differs by case and punctuation, given out of order.
    const sfs = ['lt-b', 'lt-A', 'lt_a', 'lt-a', 'lt-B2', 'lt-10', 'lt-9'];
    const evs = sfs.map((f) => alertEvent({ sourceFingerprint: f, labels: { alertname: 'L', service: 'together' } }));
    await alerts.writeDecided({ created: evs.map((e) => freshRecord(e, '2026-11-21T11:00:01.000Z')), updated: [], events: [] });
    const id = await incidents.create({ title: 'L on together', groupKey: 'service=together', severity: 'warning', eventTime: '2026-11-21T11:00:00.000Z', now: '2026-11-21T11:00:01.000Z' });
    const members = evs.map((e) => ({ fingerprint: e.fingerprint, sourceFingerprint: e.sourceFingerprint }));
    await incidents.applyChanges(
      evs.map((e) => ({ incidentId: id, member: { fingerprint: e.fingerprint, status: 'firing' as const, severity: 'warning', startsAt: e.startsAt, endsAt: null, lastEventAt: e.eventTime }, before: undefined, link: { reason: 'r', score: null, newRow: true } })),
      '2026-11-21T11:00:01.000Z',
    );
    const [read] = await incidents.getSummaries([id]);
    const [given] = await incidents.getSummaries([id], new Map([[id, members]]));
    expect(read!.sourceFingerprints).toHaveLength(sfs.length);
    expect(given).toEqual(read);
  });

  it('lists at most 100 source fingerprints in a summary and says when there are more', async () => {
    const t0 = Date.parse('2026-11-21T16:00:00.000Z');
    const events = Array.from({ length: 105 }, (_, i) =>
      alertEvent({ sourceFingerprint: `cap-${String(i).padStart(3, '0')}`, labels: { alertname: 'Cap', service: 'cap' }, name: 'Cap', startsAt: new Date(t0 + i * 1000).toISOString() }),
    );
    await correlateBatch(database.db, { batchId: 'cap', receivedAt: '2026-11-21T16:05:00.000Z', events }, { windowMs: WINDOW });
    const repo = new IncidentRepository(database.db);
    const [inc] = (await repo.list({ limit: 100, offset: 0 })).filter((i) => i.groupKey === 'service=cap');
    expect(inc!.alertCount).toBe(105);
    expect(inc!.sourceFingerprints).toHaveLength(100);
    expect(inc!.sourceFingerprints[0]).toBe('cap-000');
    expect(inc!.sourceFingerprintsTruncated).toBe(true);
    expect((await repo.get(inc!.id))!.members).toHaveLength(105);
  });

  it('logs stream messages with increasing sequence numbers and replays after a given one', async () => {
    const stream = new StreamRepository(database.db);
    const before = await stream.lastSeq();
    await correlateBatch(database.db, { batchId: 's1', receivedAt: '2026-11-21T15:00:00.000Z', events: [alertEvent({ sourceFingerprint: 's-1', labels: { alertname: 'S', service: 'seq' }, name: 'S' })] }, { windowMs: WINDOW });
    await correlateBatch(database.db, { batchId: 's2', receivedAt: '2026-11-21T15:00:00.000Z', events: [alertEvent({ sourceFingerprint: 's-2', labels: { alertname: 'S', service: 'seq' }, name: 'S', startsAt: '2026-11-21T10:01:00Z' })] }, { windowMs: WINDOW });
    const after = await stream.since(before, 100);
    expect(after.map((m) => m.type)).toEqual(['incident.created', 'incident.updated']);
    expect(after[1]!.seq).toBeGreaterThan(after[0]!.seq);
    expect((after[1] as StreamMessage).incident.alertCount).toBe(2);
    expect(await stream.since(after[1]!.seq, 100)).toEqual([]);
    expect(await stream.lastSeq()).toBe(after[1]!.seq);
  });
});
