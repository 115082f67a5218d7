/**
 * Problem mining on both relational adapters, over incidents the live correlator made from a
 * fixture of recurring faults: a signature recurring N times becomes one suggested problem
 * with its incidents and evidence; one below the threshold does not; a re-run links only new
 * incidents; a rejected suggestion stays down until it recurred M more times; a known error
 * is attached to a new matching incident once, and not to an unrelated one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../engine/alert/alert.ts';
import type { Database } from '../../engine/db/database.ts';
import { attachKnownErrors } from '../../engine/problem/known-error-matcher.ts';
import type { ProblemEvidence } from '../../engine/problem/problem.ts';
import { ProblemRepository } from '../../engine/problem/problem-repository.ts';
import { ProblemService } from '../../engine/problem/problem-service.ts';
import { TopologySnapshots } from '../../engine/problem/topology-snapshot.ts';
import { TopologyRepository } from '../../engine/topology/topology-repository.ts';
import { LiveCorrelator } from '../../correlator/live/live-correlator.ts';
import { ProblemMiner } from '../../correlator/problems/problem-miner.ts';
import { alertEvent } from '../support/alert-fixtures.ts';
import { type DatabaseHarness, relationalAdapters } from '../support/database-harness.ts';

const DAY = 86_400_000;
const BASE = Date.parse('2026-11-01T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

const TOPOLOGY = {
  items: [
    { id: 'svc:orders-api', kind: 'service', name: 'orders-api', labels: { service: 'orders-api' } },
    { id: 'db:orders-db', kind: 'database', name: 'orders-db', labels: { service: 'orders-db' } },
    { id: 'svc:search', kind: 'service', name: 'search', labels: { service: 'search' } },
    { id: 'db:billing-db', kind: 'database', name: 'billing-db', labels: { service: 'billing-db' } },
  ],
  relations: [{ from: 'svc:orders-api', to: 'db:orders-db', kind: 'depends_on' }],
};

function ev(fp: string, name: string, labels: Record<string, string>, startMs: number, endMs: number | null): AlertEvent {
  return alertEvent({
    sourceFingerprint: fp,
    name,
    status: endMs === null ? 'firing' : 'resolved',
    labels: { alertname: name, ...labels },
    startsAt: iso(startMs),
    endsAt: endMs === null ? null : iso(endMs),
    eventTime: iso(endMs ?? startMs),
  });
}

describe.each(relationalAdapters)('problem mining on %s', (_name, makeHarness) => {
  let harness: DatabaseHarness;
  let database: Database;
  let clock = BASE;
  let live: LiveCorrelator;
  let miner: ProblemMiner;
  let batchNo = 0;
  const now = () => clock;

  /**
   * One occurrence of the orders fault at `day` (9:00 + minutes): the database runs out of
   * connections, 30 s later the API behind it errors on a fresh pod; both clear 10 min later.
   * Returns the id of the incident it made once resolved.
   */
  async function ordersFault(day: number, minutes = 0, extra: AlertEvent[] = []): Promise<string> {
    const t = BASE + day * DAY + minutes * 60_000;
    const fire = [ev('db-conn', 'ConnectionsExhausted', { service: 'orders-db', instance: `10.0.0.${day}:9187` }, t, null), ev(`api-err-${day}`, 'HighErrorRate', { service: 'orders-api', pod: `orders-api-${day}` }, t + 30_000, null)];
    const clear = [ev('db-conn', 'ConnectionsExhausted', { service: 'orders-db', instance: `10.0.0.${day}:9187` }, t, t + 600_000), ev(`api-err-${day}`, 'HighErrorRate', { service: 'orders-api', pod: `orders-api-${day}` }, t + 30_000, t + 630_000)];
    return occur(t, [...fire, ...extra], clear);
  }

  async function searchFault(day: number): Promise<string> {
    const t = BASE + day * DAY + 3 * 3_600_000;
    return occur(t, [ev(`disk-${day}`, 'DiskFull', { service: 'search', instance: `s-${day}` }, t, null)], [ev(`disk-${day}`, 'DiskFull', { service: 'search', instance: `s-${day}` }, t, t + 300_000)]);
  }

  async function occur(t: number, fire: AlertEvent[], clear: AlertEvent[]): Promise<string> {
    clock = t + 60_000;
    const opened = await live.processBatch({ batchId: `b${++batchNo}`, receivedAt: iso(clock), events: fire });
    const id = opened.messages.find((m) => m.type === 'incident.created')!.incident.id;
    clock = t + 700_000;
    await live.processBatch({ batchId: `b${++batchNo}`, receivedAt: iso(clock), events: clear });
    clock = t + 3_600_000;
    await live.tick();
    const row = await database.db.selectFrom('incidents').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('resolved');
    return id;
  }

  const problems = () => database.db.selectFrom('problems').selectAll().orderBy('created_at').execute();
  const linkedTo = async (problemId: string) =>
    (await database.db.selectFrom('problem_incidents').select(['incident_id', 'how']).where('problem_id', '=', problemId).orderBy('incident_id').execute());

  beforeAll(async () => {
    harness = await makeHarness();
    database = await harness.open();
    expect((await new TopologyRepository(database.db).replace(TOPOLOGY)).ok).toBe(true);
    live = new LiveCorrelator({ db: database.db, now, quietMs: 0, engine: { holdMs: 0 } });
    miner = new ProblemMiner({ db: database.db, minOccurrences: 3, windowDays: 30, resuggestAfter: 2, now });
  });
  afterAll(async () => {
    await database?.close();
    await harness?.cleanup();
  });

  const orders: string[] = [];
  let problemId = '';

  it('suggests nothing while a signature recurs fewer than N times', async () => {
    orders.push(await ordersFault(1), await ordersFault(2));
    await searchFault(2);
    await searchFault(4);
    const report = await miner.run();
    expect(report.created).toEqual([]);
    expect(report.signatures).toBe(2);
    expect(await problems()).toEqual([]);
  });

  it('turns a signature recurring N times in D days into one suggested problem with its incidents and evidence', async () => {
    orders.push(await ordersFault(5, 17));
    const report = await miner.run();
    expect(report.created).toHaveLength(1);
    problemId = report.created[0]!;
    const [row] = await problems();
    expect(row).toMatchObject({ id: problemId, status: 'new', suggested: true, origin: 'mined', occurrences: 3 });
    expect(row!.first_seen!.toISOString()).toBe(iso(BASE + DAY));
    expect(row!.description).toBe('ConnectionsExhausted on orders-db (database) + HighErrorRate on orders-api (service)');
    expect(await linkedTo(problemId)).toEqual([...orders].sort().map((incident_id) => ({ incident_id, how: 'mined' })));

    const problem = (await new ProblemRepository(database.db).get(problemId))!;
    const evidence = problem.evidence as ProblemEvidence;
    expect(evidence.signature.parts.map((p) => p.type)).toEqual(['ConnectionsExhausted@database', 'HighErrorRate@service']);
    expect(evidence.occurrences).toEqual({
      total: 3,
      perDay: [
        { day: '2026-11-02', count: 1 },
        { day: '2026-11-03', count: 1 },
        { day: '2026-11-06', count: 1 },
      ],
    });
    expect(problem.frequency).toEqual(evidence.occurrences.perDay);
    // The live correlator ranked the database first every time.
    expect(evidence.rootCauses[0]).toMatchObject({ itemId: 'db:orders-db', name: 'orders-db', top: 3, seen: 3 });
    expect(evidence.causal.status).toBe('mined');
    const edge = evidence.causal.edges.find((e) => e.cause === 'ConnectionsExhausted@database' && e.effect === 'HighErrorRate@service');
    expect(edge, JSON.stringify(evidence.causal)).toBeDefined();
    expect(evidence.causal.edges.find((e) => e.cause === 'HighErrorRate@service' && e.effect === 'ConnectionsExhausted@database')).toBeUndefined();
    expect(edge!.words).toMatch(/ConnectionsExhausted@database tends to precede and trigger HighErrorRate@service/);
    expect(evidence.rankedWithPatterns?.candidates[0]).toMatchObject({ itemId: 'db:orders-db', rank: 1 });
    expect(evidence.rankedWithPatterns!.candidates[0]!.evidence.join(' ')).toMatch(/learned pattern: ConnectionsExhausted@database leads to HighErrorRate@service/);
    expect(evidence.explanation.join('\n')).toMatch(/recurred in 3 incidents \(first 2026-11-02, last 2026-11-06\)/);
    expect(evidence.explanation.join('\n')).toMatch(/orders-db was the top root-cause candidate in 3 of 3 incidents/);
    expect(problem.timeline).toMatchObject([{ who: 'miner', action: 'suggested', to: 'new', detail: { occurrences: 3, windowDays: 30, minOccurrences: 3 } }]);
  });

  it('is idempotent: a re-run changes nothing, a later one links only the new incident', async () => {
    const again = await miner.run();
    expect(again).toMatchObject({ created: [], linked: {}, resuggested: [], evidence: [] });
    expect(await linkedTo(problemId)).toHaveLength(3);

    orders.push(await ordersFault(8));
    const later = await miner.run();
    expect(later.created).toEqual([]);
    expect(later.linked).toEqual({ [problemId]: 1 });
    expect(later.evidence).toEqual([problemId]);
    const problem = (await new ProblemRepository(database.db).get(problemId))!;
    expect(problem.occurrences).toBe(4);
    expect((problem.evidence as ProblemEvidence).occurrences.total).toBe(4);
    expect(problem.timeline.map((t) => t.action)).toEqual(['suggested', 'linked']);
    expect(problem.timeline[1]!.detail).toEqual({ incidentIds: [orders[3]] });
    expect((await problems()).length).toBe(1);
  });

  it('remembers a rejection: the signature comes back only after M more recurrences', async () => {
    const service = new ProblemService(database.db, new TopologySnapshots(), now);
    await service.act(problemId, 'reject', { who: 'pm', note: 'deploy noise' });
    expect((await miner.run()).resuggested).toEqual([]);

    await ordersFault(9);
    const once = await miner.run();
    expect(once).toMatchObject({ created: [], resuggested: [], linked: {} });
    let [row] = await problems();
    expect(row).toMatchObject({ status: 'rejected', suggested: false, occurrences: 4 });

    await ordersFault(10);
    const twice = await miner.run();
    expect(twice.resuggested).toEqual([problemId]);
    expect(twice.linked).toEqual({ [problemId]: 2 });
    [row] = await problems();
    expect(row).toMatchObject({ id: problemId, status: 'new', suggested: true, occurrences: 6 });
    const timeline = (await new ProblemRepository(database.db).get(problemId))!.timeline;
    expect(timeline.map((t) => [t.who, t.action, t.from, t.to])).toEqual([
      ['miner', 'suggested', null, 'new'],
      ['miner', 'linked', null, null],
      ['pm', 'reject', 'new', 'rejected'],
      ['miner', 're-suggested', 'rejected', 'new'],
      ['miner', 'linked', null, null],
    ]);
    expect(timeline[2]!.detail).toEqual({ reason: 'deploy noise' });
  });

  it('attaches a known error to a new incident that contains its signature, once, and not to an unrelated one', async () => {
    const service = new ProblemService(database.db, new TopologySnapshots(), now);
    // Patterns of pending suggestions are not offered to root-cause ranking; accepted ones are.
    expect(await new ProblemRepository(database.db).causalHints()).toEqual([]);
    await service.act(problemId, 'accept', { who: 'pm' });
    expect(await new ProblemRepository(database.db).causalHints()).toEqual([{ cause: 'ConnectionsExhausted@database', effect: 'HighErrorRate@service', weight: expect.any(Number) }]);
    const { attached } = await service.act(problemId, 'known-error', { who: 'pm', workaround: 'restart pgbouncer on orders-db' });
    expect(attached).toEqual([]);

    // A new occurrence, still open, with one more symptom: it contains the problem's parts.
    const t = BASE + 12 * DAY;
    clock = t + 60_000;
    const out = await live.processBatch({
      batchId: `b${++batchNo}`,
      receivedAt: iso(clock),
      events: [
        ev('db-conn', 'ConnectionsExhausted', { service: 'orders-db' }, t, null),
        ev('api-err-12', 'HighErrorRate', { service: 'orders-api', pod: 'p12' }, t + 20_000, null),
        ev('api-lat-12', 'HighLatency', { service: 'orders-api', pod: 'p12' }, t + 25_000, null),
      ],
    });
    const incidentId = out.messages[0]!.incident.id;
    // The same alert types on another database: no match.
    const other = await live.processBatch({
      batchId: `b${++batchNo}`,
      receivedAt: iso(clock),
      events: [ev('billing-conn', 'ConnectionsExhausted', { service: 'billing-db' }, t + 1000, null)],
    });
    const otherId = other.messages.find((m) => m.type === 'incident.created')!.incident.id;
    expect(otherId).not.toBe(incidentId);

    const topology = new TopologySnapshots();
    const messages = await attachKnownErrors({ db: database.db, topology, incidentIds: [incidentId, otherId], now });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ type: 'problem.attached', problemId, incidentId, workaround: 'restart pgbouncer on orders-db', incident: { id: incidentId } });
    expect(messages[0]!.seq).toBeGreaterThan(0);
    const logged = await database.db.selectFrom('stream_events').select(['type', 'payload']).where('seq', '=', messages[0]!.seq).executeTakeFirstOrThrow();
    expect(logged.type).toBe('problem.attached');
    expect((await linkedTo(problemId)).find((l) => l.incident_id === incidentId)).toEqual({ incident_id: incidentId, how: 'known-error' });
    expect((await linkedTo(problemId)).find((l) => l.incident_id === otherId)).toBeUndefined();

    // Seen again (another update, another process, the sweep): nothing new.
    expect(await attachKnownErrors({ db: database.db, topology, incidentIds: [incidentId, otherId], now })).toEqual([]);
    expect((await miner.run()).attached).toEqual([]);
    const timeline = (await new ProblemRepository(database.db).get(problemId))!.timeline;
    expect(timeline.filter((e) => e.action === 'attached')).toMatchObject([{ who: 'known-error-matcher', detail: { incidentId } }]);
  });
});
