/**
 * The live correlator's pipelined write path (ADR 0005), on both relational adapters:
 * - an alert's state computed in memory and written in bulk (alert-state.ts,
 *   AlertRepository.writeDecided) equals what recording the events one by one stores;
 * - batches offered all at once (decided while earlier groups commit, alerts repeating across
 *   groups) give the store that one batch at a time gives;
 * - a failed write refuses its group and the group decided meanwhile, and the retried batches
 *   land once, with no duplicate incidents;
 * - groups decided while a write is in flight go together in the next transaction (real
 *   Postgres, where a write can be slowed without stopping the process) and leave the store
 *   that one batch at a time leaves; if that transaction fails, every group it carried is
 *   refused, and retried they land once.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertEvent, AlertRecord } from '../../engine/alert/alert.ts';
import { AlertRepository } from '../../engine/alert/alert-repository.ts';
import { applyAlertEvent, dedupKeyOf } from '../../engine/alert/alert-state.ts';
import type { Database } from '../../engine/db/database.ts';
import { LiveCorrelator } from '../../correlator/live/live-correlator.ts';
import { alertEvent } from '../support/alert-fixtures.ts';
import { type DatabaseHarness, relationalAdapters } from '../support/database-harness.ts';
import { expectNoOrphans } from '../support/store-integrity.ts';

const BASE = Date.parse('2026-11-21T10:00:00.000Z');
const at = (s: number) => new Date(BASE + s * 1000).toISOString();

function ev(id: string, s: number, status: AlertEvent['status'] = 'firing', over: Partial<AlertEvent> = {}): AlertEvent {
  const service = `svc-${id.split('-')[0]}`;
  return alertEvent({
    sourceFingerprint: id,
    name: `Alert${id.length % 3}`,
    status,
    severity: s % 2 === 0 ? 'critical' : 'warning',
    labels: { alertname: `Alert${id.length % 3}`, service },
    annotations: { summary: `at ${s}` },
    startsAt: at(s),
    endsAt: status === 'resolved' ? at(s) : null,
    eventTime: at(s),
    ...over,
  });
}

/** Fires, repeats, late events, resolves, re-fires and acks over a few alerts. */
function history(): AlertEvent[] {
  const out: AlertEvent[] = [];
  for (let i = 0; i < 6; i++) {
    const id = `${i % 3}-${i}`;
    out.push(ev(id, 10 * i));
    out.push(ev(id, 10 * i)); // a redelivery
    out.push(ev(id, 10 * i + 3, 'firing', { startsAt: at(10 * i) })); // a repeat of the episode
    if (i % 2 === 0) out.push(ev(id, 10 * i + 5, 'acknowledged', { startsAt: at(10 * i) }));
    if (i % 3 !== 2) out.push(ev(id, 10 * i + 7, 'resolved', { startsAt: at(10 * i), annotations: { resolution: 'done' } }));
    if (i % 3 === 0) out.push(ev(id, 10 * i + 9)); // a new episode
    if (i === 4) out.push(ev(id, 10 * i + 1, 'firing', { startsAt: at(10 * i) })); // late
  }
  out.push(ev('9-unknown', 70, 'acknowledged')); // an ack of an alert never seen
  return out;
}

const comparable = (a: AlertRecord | undefined) => (a ? { ...a, suppressedBy: null, flapping: false } : a);

const storeOf = async (database: Database) => ({
  members: await database.db.selectFrom('incident_alerts').select(['incident_id', 'fingerprint', 'link_reason']).orderBy('incident_id').orderBy('fingerprint').execute(),
  incidents: await database.db.selectFrom('incidents').select(['id', 'status', 'alert_count', 'firing_count', 'severity_counts', 'started_at', 'last_event_at']).orderBy('id').execute(),
  alerts: await database.db.selectFrom('alerts').select(['fingerprint', 'status', 'repeat_count', 'ends_at', 'last_event_at', 'annotations']).orderBy('fingerprint').execute(),
  recorded: await database.db.selectFrom('alert_events').select(['fingerprint', 'status', 'event_time', 'decision', 'incident_key']).orderBy('id').execute(),
});

/** Makes every transaction that records an event of an alert whose id ends in `suffix` fail, until the returned function is called. */
async function armFailure(database: Database, suffix: string): Promise<() => Promise<void>> {
  await sql`create table boom (armed boolean not null)`.execute(database.db);
  await sql`insert into boom values (true)`.execute(database.db);
  await sql`create function boom() returns trigger language plpgsql as $$
    begin
      if new.fingerprint like ${sql.lit(`%${suffix}`)} and (select armed from boom) then raise exception 'boom'; end if;
      return new;
    end $$`.execute(database.db);
  await sql`create trigger boom before insert on alert_events for each row execute function boom()`.execute(database.db);
  return async () => {
    await sql`update boom set armed = false`.execute(database.db);
  };
}

/** Opens a fresh store of one adapter for each call; all are closed and removed after the enclosing suite. */
function freshDatabases(makeHarness: () => Promise<DatabaseHarness>): () => Promise<Database> {
  const harnesses: DatabaseHarness[] = [];
  const databases: Database[] = [];
  afterAll(async () => {
    for (const d of databases) await d.close();
    for (const h of harnesses) await h.cleanup();
  });
  return async () => {
    const h = await makeHarness();
    harnesses.push(h);
    const database = await h.open();
    databases.push(database);
    return database;
  };
}

describe.each(relationalAdapters)('pipelined live correlation on %s', (_name, makeHarness) => {
  const fresh = freshDatabases(makeHarness);

  it('computes in memory and writes in bulk the alerts that recording one event at a time stores', async () => {
    const events = history();
    const receivedAt = at(100);
    const one = await fresh();
    const byOne = new AlertRepository(one.db);
    for (const e of events) await byOne.record(e, 'b1', receivedAt);

    const bulk = await fresh();
    const repo = new AlertRepository(bulk.db);
    // Two halves, so the second reads what the first wrote (known alerts, recorded events).
    for (const half of [events.slice(0, 14), events.slice(14)]) {
      const loaded = await repo.loadForEvents(half);
      const state = new Map<string, AlertRecord | undefined>(loaded.alerts);
      const seen = new Set(loaded.recorded);
      const dirty = new Set<string>();
      const rows: Array<Parameters<AlertRepository['writeDecided']>[0]['events'][number]> = [];
      for (const e of half) {
        const key = dedupKeyOf(e.fingerprint, e.status, e.eventTime);
        const applied = applyAlertEvent(state.get(e.fingerprint), e, receivedAt, seen.has(key));
        if (applied.alert) state.set(e.fingerprint, applied.alert);
        if (applied.changed) dirty.add(e.fingerprint);
        if (!applied.isNewEvent || !applied.alert) continue;
        seen.add(key);
        rows.push({ fingerprint: e.fingerprint, status: e.status, eventTime: e.eventTime, receivedAt, batchId: 'b1', decision: null, incidentKey: null });
      }
      const changed = [...dirty].map((fp) => state.get(fp)!);
      await repo.writeDecided({ created: changed.filter((a) => !loaded.alerts.has(a.fingerprint)), updated: changed.filter((a) => loaded.alerts.has(a.fingerprint)), events: rows });
    }

    const fps = [...new Set(events.map((e) => e.fingerprint))];
    for (const fp of fps) expect(comparable(await repo.get(fp)), fp).toEqual(comparable(await byOne.get(fp)));
    const eventsOf = (d: Database) => d.db.selectFrom('alert_events').select(['fingerprint', 'status', 'event_time']).orderBy('id').execute();
    expect(await eventsOf(bulk)).toEqual(await eventsOf(one));
  });

  it('batches offered all at once give the store that one batch at a time gives', { timeout: 60_000 }, async () => {
    const events = history().sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime));
    const batches = Array.from({ length: Math.ceil(events.length / 3) }, (_, i) => ({ batchId: `p${i}`, receivedAt: at(200), events: events.slice(i * 3, i * 3 + 3) }));
    const outcome = async (concurrent: boolean) => {
      const database = await fresh();
      const live = new LiveCorrelator({ db: database.db, now: () => BASE + 80_000 });
      if (concurrent) await Promise.all(batches.map((b) => live.processBatch(b)));
      else for (const b of batches) await live.processBatch(b);
      const members = await database.db.selectFrom('incident_alerts').select(['incident_id', 'fingerprint']).orderBy('incident_id').orderBy('fingerprint').execute();
      const incidents = await database.db.selectFrom('incidents').select(['id', 'status', 'alert_count', 'firing_count', 'severity_counts']).orderBy('id').execute();
      const alerts = await database.db.selectFrom('alerts').select(['fingerprint', 'status', 'repeat_count', 'acknowledged_at', 'last_event_at']).orderBy('fingerprint').execute();
      const recorded = await database.db.selectFrom('alert_events').select(['fingerprint', 'status', 'event_time', 'decision', 'incident_key']).orderBy('fingerprint').orderBy('event_time').orderBy('status').execute();
      return { members, incidents, alerts, recorded };
    };
    const serial = await outcome(false);
    const piped = await outcome(true);
    expect(serial.incidents.length).toBeGreaterThan(0);
    expect(serial.recorded.every((r) => r.decision !== null)).toBe(true);
    expect(piped).toEqual(serial);
  });

  it('a failed write refuses its group and the one decided meanwhile; retried, they land once', { timeout: 60_000 }, async () => {
    const database = await fresh();
    // Fails any transaction that records the event of alert `2-boom`, until disarmed.
    const disarm = await armFailure(database, '2-boom');
    const live = new LiveCorrelator({ db: database.db, now: () => BASE + 80_000 });
    const b = (i: number, ...e: AlertEvent[]) => ({ batchId: `f${i}`, receivedAt: at(200), events: e });
    const first = b(1, ev('1-a', 0), ev('2-boom', 1));
    const second = b(2, ev('1-b', 2), ev('3-c', 3));
    const third = b(3, ev('3-d', 4));
    const results = await Promise.allSettled([live.processBatch(first), live.processBatch(second), live.processBatch(third)]);
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.anything() });

    await disarm();
    // The queue redelivers what was refused (here: everything again; committed batches are duplicates).
    for (const x of [first, second, third]) await live.processBatch(x);
    const alerts = await database.db.selectFrom('alerts').select('fingerprint').orderBy('fingerprint').execute();
    expect(alerts.map((a) => a.fingerprint.split(':')[1])).toEqual(['1-a', '1-b', '2-boom', '3-c', '3-d']);
    const recorded = await database.db.selectFrom('alert_events').select(['fingerprint', 'decision']).execute();
    expect(recorded).toHaveLength(5);
    expect(recorded.every((r) => r.decision !== null)).toBe(true);
    const members = await database.db.selectFrom('incident_alerts').select(['incident_id', 'fingerprint']).execute();
    expect(new Set(members.map((m) => m.fingerprint)).size).toBe(members.length);
    const counted = await database.db.selectFrom('incidents').select((eb) => eb.fn.sum<number>('alert_count').as('n')).executeTakeFirstOrThrow();
    expect(Number(counted.n)).toBe(members.length);
    // A restarted correlator agrees with what this one holds.
    const restarted = new LiveCorrelator({ db: database.db, now: () => BASE + 80_000 });
    await restarted.rebuild();
    expect(restarted.openIncidents().map((i) => i.members.length).sort()).toEqual(live.openIncidents().map((i) => i.members.length).sort());
  });
});

// Real Postgres only: a trigger can hold one transaction while the process goes on deciding
// (PGlite runs in the process's one thread, so a sleep there would stop everything).
describe('merged transactions on postgres', () => {
  const [, makeHarness] = relationalAdapters.find(([n]) => n === 'postgres')!;
  const fresh = freshDatabases(makeHarness);

  const b = (i: number, ...e: AlertEvent[]) => ({ batchId: `m${i}`, receivedAt: at(200), events: e });
  const first = b(1, ev('1-slow', 0));
  // While the first is written: the slow alert repeats, then resolves (an alert both later
  // groups update), another fires then resolves (created by one, updated by the next), and a
  // third service opens its own incident in the last group.
  const second = b(2, ev('1-slow', 5, 'firing', { startsAt: at(0) }), ev('2-x', 10));
  const third = b(3, ev('1-slow', 15, 'resolved', { startsAt: at(0) }), ev('2-x', 16, 'resolved', { startsAt: at(10) }), ev('3-y', 17));
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** What one batch at a time leaves. */
  const serialStore = async () => {
    const serial = await fresh();
    const one = new LiveCorrelator({ db: serial.db, now: () => BASE + 80_000 });
    for (const x of [first, second, third]) await one.processBatch(x);
    return storeOf(serial);
  };

  /** A store whose first group's transaction takes a second (its event row waits in a trigger). */
  const slowStore = async () => {
    const database = await fresh();
    await sql`create function slow() returns trigger language plpgsql as $$
      begin
        if new.fingerprint like '%1-slow' and new.status = 'firing' and new.event_time = ${sql.lit(at(0))}::timestamptz then perform pg_sleep(1); end if;
        return new;
      end $$`.execute(database.db);
    await sql`create trigger slow before insert on alert_events for each row execute function slow()`.execute(database.db);
    return database;
  };

  /** Offers the three batches: the second and third while the first is being written. */
  const offer = async (live: LiveCorrelator) => {
    const p1 = live.processBatch(first);
    await pause(200);
    const p2 = live.processBatch(second);
    await pause(200);
    const p3 = live.processBatch(third);
    return Promise.allSettled([p1, p2, p3]);
  };

  it('groups decided while a write is in flight go together in the next transaction', { timeout: 60_000 }, async () => {
    const expected = await serialStore();
    const database = await slowStore();
    const live = new LiveCorrelator({ db: database.db, now: () => BASE + 80_000 });
    const settled = await offer(live);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const [o1, o2, o3] = settled.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<LiveCorrelator['processBatch']>>>).value);

    // The second and third went in one transaction: its messages came back with the second.
    const incidentOf = async (id: string) => (await database.db.selectFrom('incident_alerts').select('incident_id').where('fingerprint', 'like', `%${id}`).executeTakeFirstOrThrow()).incident_id;
    expect(o1!.messages.map((m) => m.incident.id)).toEqual([await incidentOf('1-slow')]);
    expect(o3!.messages).toEqual([]);
    expect(o2!.messages.map((m) => m.incident.id)).toContain(await incidentOf('3-y'));
    expect((o2!.actions.linked ?? 0) + (o2!.actions.opened ?? 0)).toBeGreaterThan(0);
    expect(o3!.actions).not.toEqual({});
    // And the store holds what one batch at a time wrote.
    expect(await storeOf(database)).toEqual(expected);
    const alerts = await database.db.selectFrom('alerts').select(['fingerprint', 'status']).orderBy('fingerprint').execute();
    expect(alerts.map((a) => a.status)).toEqual(['resolved', 'resolved', 'firing']);
    await expectNoOrphans(database.db);
  });

  it('a failed merged transaction refuses every group it carried; retried, they land once', { timeout: 60_000 }, async () => {
    const expected = await serialStore();
    const database = await slowStore();
    // Fails the transaction that records the third service's alert (the merged one), until disarmed.
    const disarm = await armFailure(database, '3-y');
    const live = new LiveCorrelator({ db: database.db, now: () => BASE + 80_000 });
    const settled = await offer(live);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    // Nothing of the refused groups reached the store.
    expect(await database.db.selectFrom('alerts').select('fingerprint').where('fingerprint', 'like', '%2-x').execute()).toEqual([]);

    await disarm();
    // The queue redelivers the refused batches; the correlator rebuilds from the store first.
    for (const x of [second, third]) await live.processBatch(x);
    expect(await storeOf(database)).toEqual(expected);
    await expectNoOrphans(database.db);
  });
});
