/**
 * What the correlator learned from confirmed incidents (co-occurrence of alert types, roles of
 * types on root items) is stored with the write that resolved them, and a rebuilt correlator
 * knows it: on both relational adapters, counted once even though the replay resolves the same
 * incident again, and bounded in the store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../engine/alert/alert.ts';
import type { Database } from '../../engine/db/database.ts';
import { TopologyRepository } from '../../engine/topology/topology-repository.ts';
import { LessonRepository } from '../../correlator/live/lesson-repository.ts';
import { LiveCorrelator } from '../../correlator/live/live-correlator.ts';
import { alertEvent } from '../support/alert-fixtures.ts';
import { type DatabaseHarness, relationalAdapters } from '../support/database-harness.ts';

const BASE = Date.parse('2026-11-21T10:00:00.000Z');
const at = (s: number) => new Date(BASE + s * 1000).toISOString();

function ev(id: string, name: string, service: string, s: number, status: 'firing' | 'resolved' = 'firing', startedAt = s): AlertEvent {
  return alertEvent({
    sourceFingerprint: id,
    name,
    status,
    labels: { alertname: name, service },
    startsAt: at(startedAt),
    endsAt: status === 'resolved' ? at(s) : null,
    eventTime: at(s),
  });
}

let batchNo = 0;
const batch = (...events: AlertEvent[]) => ({ batchId: `learn-${++batchNo}`, receivedAt: new Date().toISOString(), events });

const TOPOLOGY = {
  items: [
    { id: 'svc:orders-api', kind: 'service', name: 'orders-api', labels: { service: 'orders-api' } },
    { id: 'db:orders-db', kind: 'database', name: 'orders-db', labels: { service: 'orders-db' } },
  ],
  relations: [{ from: 'svc:orders-api', to: 'db:orders-db', kind: 'depends_on' }],
};

describe.each(relationalAdapters)('learning survives a restart on %s', (_name, makeHarness) => {
  let harness: DatabaseHarness;
  let database: Database;
  let clock = BASE;
  const now = () => clock;
  const engine = { holdMs: 60_000 };

  beforeAll(async () => {
    harness = await makeHarness();
    database = await harness.open();
    expect((await new TopologyRepository(database.db).replace(TOPOLOGY)).ok).toBe(true);
  });
  afterAll(async () => {
    await database?.close();
    await harness?.cleanup();
  });

  it('stores each confirmed incident lesson once, and a rebuilt correlator learns exactly what the old one knew', async () => {
    const live = new LiveCorrelator({ db: database.db, now, engine, quietMs: 1_000 });
    clock = BASE + 40_000;
    const opened = await live.processBatch(batch(ev('db-1', 'ConnectionsExhausted', 'orders-db', 0), ev('api-1', 'HighErrorRate', 'orders-api', 30)));
    expect(opened.actions).toEqual({ opened: 1, linked: 1 });
    clock = BASE + 101_000;
    await live.processBatch(batch(ev('db-1', 'ConnectionsExhausted', 'orders-db', 100, 'resolved', 0), ev('api-1', 'HighErrorRate', 'orders-api', 100, 'resolved', 30)));
    clock = BASE + 200_000;
    const resolved = await live.tick();
    expect(resolved.messages.map((m) => m.incident.status)).toEqual(['resolved']);

    const stored = await new LessonRepository(database.db).latest();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ atMs: BASE + 160_000, onRoot: ['ConnectionsExhausted@database'], elsewhere: ['HighErrorRate@service'] });
    expect([...stored[0]!.types].sort()).toEqual(['ConnectionsExhausted@database', 'HighErrorRate@service']);

    const before = live.learnedModels()!;
    expect(before.model.incidentCount).toBe(1);
    const root = before.roles.role('ConnectionsExhausted@database');

    // A new process: its replay resolves the same incident again, which must not count twice.
    const restarted = new LiveCorrelator({ db: database.db, now, engine, quietMs: 1_000 });
    await restarted.rebuild();
    clock = BASE + 300_000;
    await restarted.tick();
    const after = restarted.learnedModels()!;
    expect(after.model.incidentCount).toBe(1);
    expect(after.roles.role('ConnectionsExhausted@database')).toEqual(root);
    expect(await new LessonRepository(database.db).latest()).toHaveLength(1);
  });

  it('a correlator with no stored lessons starts cold', async () => {
    await database.db.deleteFrom('correlation_lessons').execute();
    await database.db.deleteFrom('alert_events').execute();
    const fresh = new LiveCorrelator({ db: database.db, now, engine, quietMs: 1_000 });
    await fresh.rebuild();
    expect(fresh.learnedModels()!.model.incidentCount).toBe(0);
  });

  it('keeps only the latest lessons when pruned', async () => {
    const lessons = new LessonRepository(database.db);
    await lessons.addMany(Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, atMs: BASE + i, types: ['A', 'B'], onRoot: [], elsewhere: [] })));
    // Same key again: the first lesson stays.
    await lessons.addMany([{ key: 'k0', atMs: BASE + 99, types: ['C'], onRoot: [], elsewhere: [] }]);
    expect(await lessons.prune(5)).toBe(7);
    expect((await lessons.latest()).map((l) => l.key)).toEqual(['k7', 'k8', 'k9', 'k10', 'k11']);
  });
});
