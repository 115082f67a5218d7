/**
 * An engine-made merge (EngineConfig.pathJoin) in the store, on both relational adapters: the
 * merged incident's members move, it closes as merged into the other, its recorded events are
 * pinned to the incident they went into, and a restarted correlator rebuilds one incident.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { AlertRepository } from '../../engine/alert/alert-repository.ts';
import type { Database } from '../../engine/db/database.ts';
import { TopologyRepository } from '../../engine/topology/topology-repository.ts';
import { incidentIdOf } from '../../correlator/live/incident-id.ts';
import { LiveCorrelator } from '../../correlator/live/live-correlator.ts';
import { alertEvent } from '../support/alert-fixtures.ts';
import { type DatabaseHarness, relationalAdapters } from '../support/database-harness.ts';
import { expectNoOrphans } from '../support/store-integrity.ts';

const BASE = Date.parse('2026-11-22T10:00:00.000Z');
const at = (s: number) => new Date(BASE + s * 1000).toISOString();

function ev(id: string, name: string, device: string, s: number): AlertEvent {
  return alertEvent({ sourceFingerprint: id, name, status: 'firing', labels: { alertname: name, device }, startsAt: at(s), endsAt: null, eventTime: at(s) });
}

let batchNo = 0;
const batch = (...events: AlertEvent[]) => ({ batchId: `pj${++batchNo}`, receivedAt: new Date().toISOString(), events });

const node = (kind: string, name: string) => ({ id: `${kind}:${name}`, kind, name, labels: { device: name } });
//   core ── dist ── sw ── srv      (connects_to only)
//     └──── dist-2 ── sw-2 ── srv-2   (a second branch as big as the first: the core is central,
//                                      no side of it holds most of the tree; EngineConfig.bulkSide)
const TREE = {
  items: [node('router', 'core'), node('router', 'dist'), node('switch', 'sw'), node('server', 'srv'), node('router', 'dist-2'), node('switch', 'sw-2'), node('server', 'srv-2')],
  relations: [
    { from: 'router:dist', to: 'router:core', kind: 'connects_to' },
    { from: 'switch:sw', to: 'router:dist', kind: 'connects_to' },
    { from: 'server:srv', to: 'switch:sw', kind: 'connects_to' },
    { from: 'router:dist-2', to: 'router:core', kind: 'connects_to' },
    { from: 'switch:sw-2', to: 'router:dist-2', kind: 'connects_to' },
    { from: 'server:srv-2', to: 'switch:sw-2', kind: 'connects_to' },
  ],
};

describe.each(relationalAdapters)('an engine merge in the store on %s', (_name, makeHarness) => {
  let harness: DatabaseHarness;
  let database: Database;
  const now = () => BASE + 60_000;

  beforeAll(async () => {
    harness = await makeHarness();
    database = await harness.open();
    expect((await new TopologyRepository(database.db).replace(TREE)).ok).toBe(true);
  });
  afterAll(async () => {
    await database?.close();
    await harness?.cleanup();
  });

  it('moves the members, closes the merged incident, repins its events, and survives a restart', async () => {
    const live = new LiveCorrelator({ db: database.db, now });
    const first = await live.processBatch(batch(ev('core-1', 'InterfaceDown', 'core', 0), ev('srv-1', 'ServiceCheckFailed', 'srv', 10)));
    expect(first.actions).toEqual({ opened: 2 });
    const coreKey = `alertmanager:core-1@${BASE}`;
    const srvKey = `alertmanager:srv-1@${BASE + 10_000}`;
    const out = await live.processBatch(batch(ev('dist-1', 'PacketLoss', 'dist', 20)));
    expect(out.actions).toEqual({ linked: 1 });
    const rows = await database.db.selectFrom('incidents').select(['id', 'correlation_key', 'status', 'merged_into', 'alert_count']).orderBy('started_at').execute();
    expect(rows).toEqual([
      { id: incidentIdOf(coreKey), correlation_key: coreKey, status: 'open', merged_into: null, alert_count: 3 },
      { id: incidentIdOf(srvKey), correlation_key: srvKey, status: 'closed', merged_into: incidentIdOf(coreKey), alert_count: 0 },
    ]);
    const members = await database.db.selectFrom('incident_alerts').select(['fingerprint', 'incident_id']).orderBy('fingerprint').execute();
    expect(members.map((m) => m.incident_id)).toEqual([incidentIdOf(coreKey), incidentIdOf(coreKey), incidentIdOf(coreKey)]);
    const events = await database.db.selectFrom('alert_events').select(['fingerprint', 'decision', 'incident_key']).orderBy('id').execute();
    expect(events).toEqual([
      { fingerprint: 'alertmanager:core-1', decision: 'opened', incident_key: coreKey },
      { fingerprint: 'alertmanager:srv-1', decision: 'opened', incident_key: coreKey },
      { fingerprint: 'alertmanager:dist-1', decision: 'linked', incident_key: coreKey },
    ]);
    const timeline = await database.db.selectFrom('incident_timeline').select(['incident_id', 'kind']).where('kind', '=', 'merged').execute();
    expect(timeline).toHaveLength(2);

    const restarted = new LiveCorrelator({ db: database.db, now });
    await restarted.rebuild();
    expect(restarted.openIncidents().map((i) => [i.key, i.members.length])).toEqual([[coreKey, 3]]);
    const next = await restarted.processBatch(batch(ev('sw-1', 'DeviceUnreachable', 'sw', 30)));
    expect(next.actions).toEqual({ linked: 1 });
    expect(next.messages.map((m) => m.incident.id)).toEqual([incidentIdOf(coreKey)]);
  });

  it('repins only the episodes recorded in the incident the alerts moved from', async () => {
    const t = at(0);
    await database.db
      .insertInto('alerts')
      .values({ fingerprint: 'am:old', source: 'alertmanager', source_fingerprint: 'old', name: 'X', severity: 'warning', status: 'firing', labels: JSON.stringify({}), annotations: JSON.stringify({}), starts_at: t, last_event_at: t, first_seen_at: t, last_seen_at: t })
      .execute();
    const row = (status: 'firing' | 'resolved', s: number, key: string | null) => ({ fingerprint: 'am:old', status, event_time: at(s), received_at: at(s), batch_id: 'b', decision: key ? 'linked' : null, incident_key: key });
    await database.db.insertInto('alert_events').values([row('firing', 0, 'earlier'), row('resolved', 60, 'earlier'), row('firing', 3600, 'from'), row('firing', 3700, null)]).execute();
    await new AlertRepository(database.db).repinEvents(['am:old'], 'into', 'from');
    const keys = await database.db.selectFrom('alert_events').select('incident_key').where('fingerprint', '=', 'am:old').orderBy('id').execute();
    // The older episode stays in its own incident; a rebuild restores it there.
    expect(keys.map((k) => k.incident_key)).toEqual(['earlier', 'earlier', 'into', null]);
  });

  it('leaves no recorded event or member without its alert and incident', async () => {
    await expectNoOrphans(database.db);
  });
});
