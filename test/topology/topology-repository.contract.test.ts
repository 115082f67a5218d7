/**
 * The topology repository's contract, run against real Postgres and embedded PGlite:
 * replace, merge, remove, the version, refusals that write nothing, and a replace of a
 * 20k-item, 60k-relation topology.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../engine/db/database.ts';
import type { ConfigItem, Relation, Topology } from '../../engine/topology/topology.ts';
import { TopologyRepository, type TopologyWriteResult } from '../../engine/topology/topology-repository.ts';
import { type DatabaseHarness, relationalAdapters } from '../support/database-harness.ts';


const item = (id: string, labels: Record<string, string> = { service: id }, kind = 'service'): ConfigItem => ({ id, kind, name: id, labels });
const rel = (from: string, to: string, kind = 'depends_on'): Relation => ({ from, to, kind });

const byId = (a: ConfigItem, b: ConfigItem) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const relKey = (r: Relation) => `${r.from}|${r.to}|${r.kind}`;
function normalized(t: Topology): { items: ConfigItem[]; relations: string[] } {
  return { items: [...t.items].sort(byId), relations: t.relations.map(relKey).sort() };
}

function expectOk(result: TopologyWriteResult): Extract<TopologyWriteResult, { ok: true }> {
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.problems.slice(0, 5))}`);
  return result;
}

describe.each(relationalAdapters)('topology repository: %s', (_name, makeHarness) => {
  let harness: DatabaseHarness;
  let database: Database;
  let repo: TopologyRepository;

  beforeAll(async () => {
    harness = await makeHarness();
    database = await harness.open();
    repo = new TopologyRepository(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await harness?.cleanup();
  });

  it('starts empty at version 0', async () => {
    expect(await repo.version()).toBe(0);
    expect(await repo.get()).toEqual({ items: [], relations: [], version: 0 });
  });

  it('replaces the whole topology and reads it back', async () => {
    const first: Topology = {
      items: [item('svc:orders-api'), item('svc:orders-db', { service: 'orders-db', role: 'primary' }, 'database'), item('host:a', { host: 'a' }, 'host')],
      relations: [rel('svc:orders-api', 'svc:orders-db'), rel('svc:orders-api', 'host:a', 'runs_on'), rel('svc:orders-db', 'host:a', 'runs_on')],
    };
    const out = expectOk(await repo.replace(first));
    expect(out).toEqual({ ok: true, version: 1, items: 3, relations: 3 });
    const got = await repo.get();
    expect(got.version).toBe(1);
    expect(normalized(got)).toEqual(normalized(first));

    // A second replace drops what it does not list.
    const second: Topology = { items: [item('svc:cart'), item('host:b', { host: 'b' }, 'host')], relations: [rel('svc:cart', 'host:b', 'runs_on')] };
    expect(expectOk(await repo.replace(second)).version).toBe(2);
    expect(normalized(await repo.get())).toEqual(normalized(second));
  });

  it('filters by kind, keeping the relations between items of that kind', async () => {
    expectOk(
      await repo.replace({
        items: [item('svc:a'), item('svc:b'), item('host:h', { host: 'h' }, 'host')],
        relations: [rel('svc:a', 'svc:b'), rel('svc:a', 'host:h', 'runs_on')],
      }),
    );
    const services = await repo.get({ kind: 'service' });
    expect(services.items.map((i) => i.id).sort()).toEqual(['svc:a', 'svc:b']);
    expect(services.relations).toEqual([rel('svc:a', 'svc:b')]);
    expect((await repo.get({ kind: 'switch' })).items).toEqual([]);
  });

  it('merges: upserts items by id, adds relations once, and bumps the version', async () => {
    expectOk(await repo.replace({ items: [item('svc:a'), item('svc:b')], relations: [rel('svc:a', 'svc:b')] }));
    const before = await repo.version();
    const out = expectOk(
      await repo.merge({
        items: [item('svc:b', { service: 'b', env: 'prod' }), item('svc:c')],
        relations: [rel('svc:a', 'svc:b'), rel('svc:b', 'svc:c'), rel('svc:a', 'svc:c', 'connects_to')],
      }),
    );
    expect(out).toEqual({ ok: true, version: before + 1, items: 3, relations: 3 });
    const got = await repo.get();
    expect(got.items.find((i) => i.id === 'svc:b')!.labels).toEqual({ service: 'b', env: 'prod' });
    expect(got.relations.map(relKey).sort()).toEqual(['svc:a|svc:b|depends_on', 'svc:a|svc:c|connects_to', 'svc:b|svc:c|depends_on']);
  });

  it('removes items with their relations, and single relations', async () => {
    expectOk(
      await repo.replace({
        items: [item('a'), item('b'), item('c'), item('d')],
        relations: [rel('a', 'b'), rel('b', 'c'), rel('c', 'a', 'connects_to'), rel('c', 'd'), rel('d', 'a')],
      }),
    );
    const out = expectOk(await repo.merge({ remove: { items: ['b', 'unknown'], relations: [rel('c', 'd'), rel('a', 'd')] } }));
    expect(out.items).toBe(3);
    const got = await repo.get();
    expect(got.items.map((i) => i.id).sort()).toEqual(['a', 'c', 'd']);
    expect(got.relations.map(relKey).sort()).toEqual(['c|a|connects_to', 'd|a|depends_on']);
  });

  it('applies removals before upserts: an item removed and sent again comes back without its old relations', async () => {
    expectOk(await repo.replace({ items: [item('a'), item('b')], relations: [rel('a', 'b')] }));
    expectOk(await repo.merge({ remove: { items: ['b'] }, items: [item('b', { service: 'b2' })] }));
    const got = await repo.get();
    expect(got.items.find((i) => i.id === 'b')!.labels).toEqual({ service: 'b2' });
    expect(got.relations).toEqual([]);
  });

  it('refuses a merge whose relation ends nowhere, and writes nothing', async () => {
    expectOk(await repo.replace({ items: [item('a'), item('b')], relations: [] }));
    const version = await repo.version();
    const out = await repo.merge({
      items: [item('c')],
      relations: [rel('a', 'c'), rel('c', 'ghost'), rel('b', 'a')],
      remove: { items: ['b'] },
    });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.problems.map((p) => p.pointer)).toEqual(['/relations/1/to', '/relations/2/from']);
    expect(out.problems[1]!.message).toContain('removed by this request');
    expect(await repo.version()).toBe(version);
    expect((await repo.get()).items.map((i) => i.id).sort()).toEqual(['a', 'b']);
  });

  it('refuses duplicates, self-relations and dangling ends in a replace, and writes nothing', async () => {
    expectOk(await repo.replace({ items: [item('keep')], relations: [] }));
    const version = await repo.version();
    const out = await repo.replace({
      items: [item('a'), item('b'), item('a')],
      relations: [rel('a', 'b'), rel('a', 'b'), rel('b', 'b'), rel('a', 'nowhere')],
    });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.problems.map((p) => p.pointer)).toEqual(['/items/2/id', '/relations/1', '/relations/2/to', '/relations/3/to']);
    expect(await repo.version()).toBe(version);
    expect((await repo.get()).items.map((i) => i.id)).toEqual(['keep']);
  });

  it('increments the version once per accepted write', async () => {
    const v0 = await repo.version();
    expectOk(await repo.replace({ items: [], relations: [] }));
    expectOk(await repo.merge({ items: [item('x')] }));
    expectOk(await repo.merge({ remove: { items: ['x'] } }));
    expect(await repo.version()).toBe(v0 + 3);
    expect((await repo.get()).version).toBe(v0 + 3);
  });

  it('serializes concurrent merges: every write gets its own version', async () => {
    const v0 = await repo.version();
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => repo.merge({ items: [item(`c${i}`)] })));
    const versions = results.map((r) => expectOk(r).version).sort((a, b) => a - b);
    expect(versions).toEqual([v0 + 1, v0 + 2, v0 + 3, v0 + 4, v0 + 5]);
  });

  it('replaces a topology of 20k items and 60k relations', { timeout: 120_000 }, async () => {
    const n = 20_000;
    const items = Array.from({ length: n }, (_, i) => item(`svc:${i}`, { service: `svc-${i}`, zone: `z${i % 7}` }));
    const relations: Relation[] = [];
    for (let i = 0; i < n; i++) {
      relations.push(rel(`svc:${i}`, `svc:${(i + 1) % n}`));
      relations.push(rel(`svc:${i}`, `svc:${(i + 7) % n}`, 'connects_to'));
      relations.push(rel(`svc:${i}`, `svc:${(i * 31 + 3) % n === i ? (i + 2) % n : (i * 31 + 3) % n}`, 'runs_on'));
    }
    const out = expectOk(await repo.replace({ items, relations }));
    expect(out.items).toBe(n);
    expect(out.relations).toBe(60_000);
    const got = await repo.get();
    expect(got.version).toBe(out.version);
    expect(got.items).toHaveLength(n);
    expect(got.relations).toHaveLength(60_000);
    expect(normalized(got)).toEqual(normalized({ items, relations }));
    // A merge on the large topology still checks its ends against the stored items.
    const merged = expectOk(await repo.merge({ relations: [rel('svc:0', 'svc:19999', 'runs_on')], remove: { items: ['svc:5'] } }));
    expect(merged.items).toBe(n - 1);
    expect(merged.relations).toBe(60_000 + 1 - relations.filter((r) => r.from === 'svc:5' || r.to === 'svc:5').length);
  });
});
