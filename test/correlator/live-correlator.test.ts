/**
 * The correlation engine behind live incidents, on both relational adapters: topology-aware
 * grouping with reasons and root causes in the store, deterministic incident ids, dedup of
 * redelivered batches, resolution after the hold time on a quiet stream, suppression recorded
 * on the alert, a restarted correlator rebuilding its memory from the store, and a replay in
 * one batch giving the incidents that live delivery in many batches gave.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../engine/alert/alert.ts';
import type { Database } from '../../engine/db/database.ts';
import { ChangeRepository } from '../../engine/change/change-repository.ts';
import { TopologyRepository } from '../../engine/topology/topology-repository.ts';
import type { SuppressionRules } from '../../correlator/engine/find-suppression.ts';
import { incidentIdOf } from '../../correlator/live/incident-id.ts';
import { LiveCorrelator } from '../../correlator/live/live-correlator.ts';
import { alertEvent } from '../support/alert-fixtures.ts';
import { type DatabaseHarness, relationalAdapters } from '../support/database-harness.ts';
import { expectNoOrphans } from '../support/store-integrity.ts';

const BASE = Date.parse('2026-11-21T10:00:00.000Z');
const at = (s: number) => new Date(BASE + s * 1000).toISOString();

function ev(id: string, name: string, labels: Record<string, string>, s: number, status: 'firing' | 'resolved' = 'firing', startedAt = s): AlertEvent {
  return alertEvent({
    sourceFingerprint: id,
    name,
    status,
    labels: { alertname: name, ...labels },
    startsAt: at(startedAt),
    endsAt: status === 'resolved' ? at(s) : null,
    eventTime: at(s),
  });
}

let batchNo = 0;
const batch = (...events: AlertEvent[]) => ({ batchId: `b${++batchNo}`, receivedAt: new Date().toISOString(), events });

const TOPOLOGY = {
  items: [
    { id: 'svc:orders-api', kind: 'service', name: 'orders-api', labels: { service: 'orders-api' } },
    { id: 'db:orders-db', kind: 'database', name: 'orders-db', labels: { service: 'orders-db' } },
    { id: 'svc:search', kind: 'service', name: 'search', labels: { service: 'search' } },
  ],
  relations: [{ from: 'svc:orders-api', to: 'db:orders-db', kind: 'depends_on' }],
};

describe.each(relationalAdapters)('live correlation on %s', (_name, makeHarness) => {
  let harness: DatabaseHarness;
  let database: Database;
  let clock = BASE;
  const now = () => clock;

  beforeAll(async () => {
    harness = await makeHarness();
    database = await harness.open();
    const written = await new TopologyRepository(database.db).replace(TOPOLOGY);
    expect(written.ok).toBe(true);
  });
  afterAll(async () => {
    await database?.close();
    await harness?.cleanup();
  });

  const incidentRows = async () =>
    database.db.selectFrom('incidents').select(['id', 'correlation_key', 'status', 'alert_count', 'firing_count', 'root_causes', 'resolved_at']).orderBy('started_at').execute();

  it('groups a database fault and its dependant into one incident, with reasons, root causes and a stable id', async () => {
    // A deploy on the database ten minutes before: evidence for the root.
    await new ChangeRepository(database.db).record({
      id: 'chg-1',
      source: 'pagerduty',
      summary: 'orders-db: raise max_connections',
      service: 'orders-db',
      timestamp: at(-600),
      links: [],
      details: {},
      receivedAt: at(-600),
    });
    const live = new LiveCorrelator({ db: database.db, now });
    clock = BASE + 60_000;
    const out = await live.processBatch(batch(ev('db-1', 'ConnectionsExhausted', { service: 'orders-db' }, 0), ev('api-1', 'HighErrorRate', { service: 'orders-api' }, 30)));
    expect(out.actions).toEqual({ opened: 1, linked: 1 });
    expect(out.messages.map((m) => m.type)).toEqual(['incident.created']);
    const [row] = await incidentRows();
    expect(row!.correlation_key).toBe(`alertmanager:db-1@${BASE}`);
    expect(row!.id).toBe(incidentIdOf(row!.correlation_key!));
    expect(row).toMatchObject({ status: 'open', alert_count: 2, firing_count: 2 });
    const [root] = row!.root_causes as Array<{ itemId: string; evidence: string[] }>;
    expect(root!.itemId).toBe('db:orders-db');
    expect(root!.evidence.join(' ')).toMatch(/chg-1|raise max_connections/);
    const members = await database.db.selectFrom('incident_alerts').select(['fingerprint', 'link_reason', 'score']).where('incident_id', '=', row!.id).orderBy('fingerprint').execute();
    expect(members.find((m) => m.fingerprint === 'alertmanager:api-1')!.link_reason).toMatch(/orders-db.*depends_on.*30 s after the first alert/);
    expect(members.find((m) => m.fingerprint === 'alertmanager:api-1')!.score).toMatchObject({ relation: 'upstream', hops: 1 });
    const decisions = await database.db.selectFrom('alert_events').select(['fingerprint', 'decision', 'incident_key']).orderBy('id').execute();
    expect(decisions).toEqual([
      { fingerprint: 'alertmanager:db-1', decision: 'opened', incident_key: row!.correlation_key },
      { fingerprint: 'alertmanager:api-1', decision: 'linked', incident_key: row!.correlation_key },
    ]);
  });

  it('records a redelivered batch once and publishes nothing for it', async () => {
    const live = new LiveCorrelator({ db: database.db, now });
    const again = batch(ev('db-1', 'ConnectionsExhausted', { service: 'orders-db' }, 0), ev('api-1', 'HighErrorRate', { service: 'orders-api' }, 30));
    const out = await live.processBatch(again);
    expect(out).toMatchObject({ duplicates: 2, messages: [] });
    expect(await incidentRows()).toHaveLength(1);
  });

  it('after a restart, rebuilds from the store: a new alert joins the incident the old process opened', async () => {
    const restarted = new LiveCorrelator({ db: database.db, now });
    await restarted.rebuild();
    expect(restarted.openIncidents().map((i) => i.members.length)).toEqual([2]);
    const out = await restarted.processBatch(batch(ev('api-2', 'HighLatency', { service: 'orders-api' }, 45)));
    expect(out.actions).toEqual({ linked: 1 });
    expect(out.messages.map((m) => [m.type, m.incident.alertCount])).toEqual([['incident.updated', 3]]);
    expect(await incidentRows()).toHaveLength(1);
  });

  it('an unrelated service opens its own incident; resolves wait for the hold time on a quiet stream', async () => {
    const live = new LiveCorrelator({ db: database.db, now, engine: { holdMs: 120_000 }, quietMs: 1_000 });
    await live.processBatch(batch(ev('search-1', 'IndexLag', { service: 'search' }, 50)));
    expect(await incidentRows()).toHaveLength(2);
    const resolves = batch(
      ev('db-1', 'ConnectionsExhausted', { service: 'orders-db' }, 100, 'resolved', 0),
      ev('api-1', 'HighErrorRate', { service: 'orders-api' }, 100, 'resolved', 30),
      ev('api-2', 'HighLatency', { service: 'orders-api' }, 100, 'resolved', 45),
    );
    clock = BASE + 101_000;
    const out = await live.processBatch(resolves);
    expect(out.actions).toEqual({ kept: 3 });
    const orders = (await incidentRows())[0]!;
    expect(orders).toMatchObject({ status: 'open', firing_count: 0 });
    // Not quiet yet: nothing moves.
    clock = BASE + 101_500;
    expect((await live.tick()).messages).toEqual([]);
    // Quiet, but the hold (120 s after the last resolve at 100 s) has not run out.
    clock = BASE + 200_000;
    expect((await live.tick()).messages).toEqual([]);
    clock = BASE + 221_000;
    const resolved = await live.tick();
    expect(resolved.messages.map((m) => [m.type, m.incident.id, m.incident.status])).toEqual([['incident.updated', orders.id, 'resolved']]);
    expect(resolved.messages[0]!.incident.resolvedAt).toBe(at(220));
    // A resolved incident takes no new alerts: a new orders-db alert opens another one.
    await live.processBatch(batch(ev('db-2', 'ReplicationLag', { service: 'orders-db' }, 230)));
    expect((await incidentRows()).map((r) => r.status)).toEqual(['resolved', 'open', 'open']);
  });

  it('a silenced alert opens nothing and says which rule muted it', async () => {
    const rules: SuppressionRules = {
      maintenance: [],
      silences: [{ id: 'sil-1', matchers: [{ name: 'alertname', op: '=', value: 'NoisyThing' }], startsAtMs: BASE, endsAtMs: BASE + 3600_000, comment: 'known noise' }],
      inhibitRules: [],
    };
    const live = new LiveCorrelator({ db: database.db, now, loadSuppression: async () => rules });
    const before = (await incidentRows()).length;
    const out = await live.processBatch(batch(ev('noisy-1', 'NoisyThing', { service: 'billing' }, 300)));
    expect(out.actions).toEqual({ suppressed: 1 });
    expect(await incidentRows()).toHaveLength(before);
    const alert = await database.db.selectFrom('alerts').select(['suppressed_by']).where('fingerprint', '=', 'alertmanager:noisy-1').executeTakeFirstOrThrow();
    expect(alert.suppressed_by).toEqual({ kind: 'silence', ruleId: 'sil-1', reason: 'silenced by sil-1 (known noise)' });
  });

  it('leaves no recorded event or member without its alert and incident', async () => {
    await expectNoOrphans(database.db);
  });
});

describe.each(relationalAdapters)('an engine past its alert cap on %s', (_name, makeHarness) => {
  let harness: DatabaseHarness;
  let database: Database;
  beforeAll(async () => {
    harness = await makeHarness();
    database = await harness.open();
  });
  afterAll(async () => {
    await database?.close();
    await harness?.cleanup();
  });

  it('holds only the members it has room for; operators still split members it dropped and ones it holds', async () => {
    const live = new LiveCorrelator({ db: database.db, now: () => BASE + 60_000, engine: { maxAlerts: 2 } });
    const names = ['QueueBacklog', 'ConsumerLag', 'QueueBacklog2', 'ConsumerLag2'];
    const out = await live.processBatch(batch(...names.map((name, i) => ev(`cap-${i + 1}`, name, { service: 'billing' }, i))));
    expect(out.actions).toEqual({ opened: 1, linked: 3 });
    const [inc] = await database.db.selectFrom('incidents').select(['id', 'correlation_key', 'alert_count']).execute();
    expect(inc!.alert_count).toBe(4);
    // The two least recently seen alert states left the engine, and with them their member entries.
    expect(live.openIncidents().map((i) => i.members.map((m) => m.fingerprint))).toEqual([['alertmanager:cap-3', 'alertmanager:cap-4']]);

    const split = (id: string, fingerprints: string[]) => live.command({ id, incidentId: inc!.id, kind: 'split', payload: { fingerprints }, actor: 'test' });
    // A member the engine no longer holds: only the store splits.
    expect(await split('cmd-cap-1', ['alertmanager:cap-1'])).toMatchObject({ ok: true });
    // A member it holds, with another held one staying: the engine splits too.
    expect(await split('cmd-cap-2', ['alertmanager:cap-3'])).toMatchObject({ ok: true });
    const keys = live.openIncidents().map((i) => [i.key, i.members.map((m) => m.fingerprint)]);
    expect(keys).toContainEqual([`${inc!.correlation_key}~1`, ['alertmanager:cap-3']]);
    const homes = await database.db.selectFrom('incident_alerts').select(['fingerprint', 'incident_id']).orderBy('fingerprint').execute();
    expect(homes.find((h) => h.fingerprint === 'alertmanager:cap-3')!.incident_id).toBe(incidentIdOf(`${inc!.correlation_key}~1`));
    expect(new Set(homes.map((h) => h.incident_id)).size).toBe(3);
    await expectNoOrphans(database.db);
  });
});

describe.each(relationalAdapters)('replay equals live on %s', (_name, makeHarness) => {
  const harnesses: DatabaseHarness[] = [];
  const databases: Database[] = [];
  afterAll(async () => {
    for (const d of databases) await d.close();
    for (const h of harnesses) await h.cleanup();
  });

  it('one full-speed batch gives the incidents (same ids, same members) that 20 live batches gave', { timeout: 60_000 }, async () => {
    // Three services faulting in overlapping waves, with resolves.
    const events: AlertEvent[] = [];
    for (let i = 0; i < 60; i++) {
      const service = ['orders-api', 'orders-db', 'search'][i % 3]!;
      const s = Math.floor(i / 3) * 20 + (i % 3);
      events.push(ev(`r-${i}`, `Alert${i % 4}`, { service, instance: `h${i % 5}` }, s));
      if (i % 7 === 0) events.push(ev(`r-${i}`, `Alert${i % 4}`, { service, instance: `h${i % 5}` }, s + 15, 'resolved', s));
    }
    events.sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime));
    const outcome = async (batches: AlertEvent[][], ticks: boolean) => {
      const h = await makeHarness();
      harnesses.push(h);
      const database = await h.open();
      databases.push(database);
      await new TopologyRepository(database.db).replace(TOPOLOGY);
      let wall = BASE;
      const live = new LiveCorrelator({ db: database.db, now: () => wall, quietMs: 5_000, engine: { holdMs: 30_000 } });
      for (const b of batches) {
        // Live: batches arrive a second apart in wall time; ticks find the stream busy.
        wall += 1_000;
        await live.processBatch(batch(...b));
        if (ticks) await live.tick();
      }
      const rows = await database.db
        .selectFrom('incident_alerts')
        .innerJoin('incidents', 'incidents.id', 'incident_alerts.incident_id')
        .select(['incidents.id', 'incident_alerts.fingerprint'])
        .execute();
      const byIncident = new Map<string, string[]>();
      for (const r of rows) byIncident.set(r.id, [...(byIncident.get(r.id) ?? []), r.fingerprint].sort());
      return [...byIncident.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    };
    const liveBatches: AlertEvent[][] = [];
    for (let i = 0; i < events.length; i += Math.ceil(events.length / 20)) liveBatches.push(events.slice(i, i + Math.ceil(events.length / 20)));
    const asLive = await outcome(liveBatches, true);
    const asReplay = await outcome([events], false);
    expect(asLive.length).toBeGreaterThan(1);
    expect(asReplay).toEqual(asLive);
    for (const d of databases) await expectNoOrphans(d.db);
  });
});
