/**
 * GET, PUT and PATCH /api/v1/topology in one embedded process: round trip, merge and
 * remove, strict schema, the consistency checks naming entries by pointer, limits, the
 * admin scope on writes, and `topology.updated` on the bus after each write.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPOLOGY_TOPIC, type BusMessage } from '../../engine/bus/events.ts';
import { TOPOLOGY_LIMITS } from '../../web/topology-routes.ts';
import { type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';

const ROUTE = '/api/v1/topology';

type Res = { statusCode: number; headers: Record<string, unknown>; json(): any };

function expectProblem(res: Res, status: number, type?: string): any {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const problem = res.json();
  expect(problem.status).toBe(status);
  if (type) expect(problem.type).toMatch(new RegExp(`/${type}$`));
  return problem;
}

const TOPOLOGY = {
  items: [
    { id: 'svc:orders-api', kind: 'service', name: 'orders-api', labels: { service: 'orders-api' } },
    { id: 'svc:orders-db', kind: 'database', name: 'orders-db', labels: { service: 'orders-db' } },
    { id: 'host:db-1', kind: 'host', name: 'db-1', labels: { instance: 'db-1:9100' } },
  ],
  relations: [
    { from: 'svc:orders-api', to: 'svc:orders-db', kind: 'depends_on' },
    { from: 'svc:orders-db', to: 'host:db-1', kind: 'runs_on' },
  ],
};

describe('topology API', () => {
  let rt: TestRuntime;
  let admin: string;
  let ingestOnly: string;

  /** `token` null: no Authorization header. */
  const write = (method: 'PUT' | 'PATCH', payload: unknown, token: string | null = admin) =>
    rt.app.inject({ method, url: ROUTE, headers: token === null ? {} : { authorization: `Bearer ${token}` }, payload: payload as object });

  beforeAll(async () => {
    rt = await startTestRuntime('embedded', { INGEST_AUTH: 'required' });
    await rt.app.ready();
    admin = (await readFile(path.join(rt.env.DATA_DIR!, 'initial-token'), 'utf8')).trim();
    const created = await rt.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${admin}` }, payload: { name: 'sender', scopes: ['ingest'] } });
    expect(created.statusCode).toBe(201);
    ingestOnly = created.json().token;
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('PUT then GET round-trips the topology with its version, and publishes topology.updated', async () => {
    const received: BusMessage[] = [];
    const unsubscribe = await rt.adapters.bus.subscribe(TOPOLOGY_TOPIC, (m) => void received.push(m));
    try {
      const put = await write('PUT', TOPOLOGY);
      expect(put.statusCode, put.body).toBe(200);
      const { version } = put.json();
      expect(put.json()).toEqual({ version, items: 3, relations: 2 });
      expect(version).toBeGreaterThan(0);

      const get = await rt.app.inject({ method: 'GET', url: ROUTE });
      expect(get.statusCode).toBe(200);
      const body = get.json();
      expect(body.version).toBe(version);
      expect([...body.items].sort((a: any, b: any) => a.id.localeCompare(b.id))).toEqual([...TOPOLOGY.items].sort((a, b) => a.id.localeCompare(b.id)));
      expect(body.relations).toHaveLength(2);
      expect(body.relations).toEqual(expect.arrayContaining(TOPOLOGY.relations));

      // The embedded bus delivers on a later tick.
      await eventually(async () => (received.length > 0 ? true : undefined), 5_000, 'topology.updated');
      expect(received).toEqual([{ type: 'topology.updated', version }]);
    } finally {
      await unsubscribe();
    }
  });

  it('filters GET by kind', async () => {
    expect((await write('PUT', TOPOLOGY)).statusCode).toBe(200);
    const res = await rt.app.inject({ method: 'GET', url: `${ROUTE}?kind=host` });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((i: any) => i.id)).toEqual(['host:db-1']);
    expect(res.json().relations).toEqual([]);
    expectProblem(await rt.app.inject({ method: 'GET', url: `${ROUTE}?kind=` }), 400, 'validation');
    expectProblem(await rt.app.inject({ method: 'GET', url: `${ROUTE}?type=host` }), 400, 'validation');
  });

  it('PATCH merges items and relations, and removes with remove', async () => {
    expect((await write('PUT', TOPOLOGY)).statusCode).toBe(200);
    const merged = await write('PATCH', {
      items: [
        { id: 'svc:orders-api', kind: 'service', name: 'orders-api', labels: { service: 'orders-api', env: 'prod' } },
        { id: 'sw:core-1', kind: 'switch', name: 'core-1', labels: { device: 'core-1' } },
      ],
      relations: [{ from: 'host:db-1', to: 'sw:core-1', kind: 'connects_to' }],
    });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json()).toMatchObject({ items: 4, relations: 3 });
    let body = (await rt.app.inject({ method: 'GET', url: ROUTE })).json();
    expect(body.items.find((i: any) => i.id === 'svc:orders-api').labels).toEqual({ service: 'orders-api', env: 'prod' });
    expect(body.relations).toContainEqual({ from: 'host:db-1', to: 'sw:core-1', kind: 'connects_to' });

    const removed = await write('PATCH', { remove: { items: ['svc:orders-db'], relations: [{ from: 'host:db-1', to: 'sw:core-1', kind: 'connects_to' }] } });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json()).toMatchObject({ items: 3, relations: 0 });
    body = (await rt.app.inject({ method: 'GET', url: ROUTE })).json();
    expect(body.items.map((i: any) => i.id).sort()).toEqual(['host:db-1', 'svc:orders-api', 'sw:core-1']);
    expect(body.relations).toEqual([]);
    expect(body.version).toBe(removed.json().version);
  });

  it('refuses unknown fields with 400, naming them', async () => {
    const res = await write('PUT', { ...TOPOLOGY, items: [{ ...TOPOLOGY.items[0], owner: 'team-a' }, ...TOPOLOGY.items.slice(1)] });
    const problem = expectProblem(res, 400, 'validation');
    expect(problem.errors).toContainEqual({ field: 'body/items/0/owner', message: 'unknown field "owner"' });
    expectProblem(await write('PATCH', { itemz: [] }), 400, 'validation');
  });

  it('refuses a dangling relation with 400 naming /relations/N/to, and keeps the stored topology', async () => {
    expect((await write('PUT', TOPOLOGY)).statusCode).toBe(200);
    const version = (await rt.app.inject({ method: 'GET', url: ROUTE })).json().version;
    const put = await write('PUT', { items: TOPOLOGY.items, relations: [...TOPOLOGY.relations, { from: 'svc:orders-api', to: 'svc:nowhere', kind: 'depends_on' }] });
    const problem = expectProblem(put, 400, 'invalid-topology');
    expect(problem.errors.map((e: any) => e.field)).toEqual(['body/relations/2/to']);

    // PATCH checks against the topology after the merge: a stored item is a valid end, a removed one is not.
    const patch = await write('PATCH', {
      relations: [
        { from: 'svc:orders-api', to: 'host:db-1', kind: 'runs_on' },
        { from: 'svc:orders-api', to: 'svc:orders-db', kind: 'connects_to' },
        { from: 'svc:ghost', to: 'host:db-1', kind: 'runs_on' },
      ],
      remove: { items: ['svc:orders-db'] },
    });
    const patchProblem = expectProblem(patch, 400, 'invalid-topology');
    expect(patchProblem.errors.map((e: any) => e.field)).toEqual(['body/relations/1/to', 'body/relations/2/from']);
    expect((await rt.app.inject({ method: 'GET', url: ROUTE })).json().version).toBe(version);
  });

  it('refuses duplicate item ids, self-relations and blank kinds with 400', async () => {
    const dup = await write('PUT', { items: [...TOPOLOGY.items, TOPOLOGY.items[1]], relations: [] });
    expect(expectProblem(dup, 400, 'invalid-topology').errors).toEqual([{ field: 'body/items/3/id', message: expect.stringContaining('/items/1') }]);
    const self = await write('PUT', { items: TOPOLOGY.items, relations: [{ from: 'host:db-1', to: 'host:db-1', kind: 'connects_to' }] });
    expect(expectProblem(self, 400, 'invalid-topology').errors.map((e: any) => e.field)).toEqual(['body/relations/0/to']);
    const blank = await write('PUT', { items: TOPOLOGY.items, relations: [{ from: 'svc:orders-api', to: 'host:db-1', kind: ' ' }] });
    expect(expectProblem(blank, 400, 'validation').errors.map((e: any) => e.field)).toEqual(['body/relations/0/kind']);
  });

  it('enforces its limits: too many labels is a 400, a body over the limit a 413', async () => {
    const labels = Object.fromEntries(Array.from({ length: TOPOLOGY_LIMITS.labelsPerItem + 1 }, (_, i) => [`l${i}`, 'v']));
    const many = await write('PUT', { items: [{ id: 'x', kind: 'service', name: 'x', labels }], relations: [] });
    expect(expectProblem(many, 400, 'validation').errors.map((e: any) => e.field)).toEqual(['body/items/0/labels']);
    const longId = await write('PUT', { items: [{ id: 'x'.repeat(TOPOLOGY_LIMITS.idLength + 1), kind: 'service', name: 'x', labels: {} }], relations: [] });
    expect(expectProblem(longId, 400, 'validation').errors.map((e: any) => e.field)).toEqual(['body/items/0/id']);
    const emptyName = await write('PUT', { items: [{ id: 'x', kind: 'service', name: 'x', labels: { '': 'v' } }], relations: [] });
    expect(expectProblem(emptyName, 400, 'validation').errors.map((e: any) => e.field)).toContain('body/items/0/labels');

    const huge = `{"items":[],"relations":[],"pad":"${'x'.repeat(TOPOLOGY_LIMITS.bodyBytes)}"}`;
    const tooLarge = await rt.app.inject({ method: 'PUT', url: ROUTE, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, payload: huge });
    expectProblem(tooLarge, 413, 'payload-too-large');
  });

  it('needs an admin token to write: none is a 401, an ingest-only token a 403; reading is open', async () => {
    const none = await write('PUT', TOPOLOGY, null);
    expectProblem(none, 401, 'unauthenticated');
    expect(none.headers['www-authenticate']).toBe('Bearer realm="aiops"');
    expectProblem(await write('PATCH', { items: [] }, 'aiops_not-a-real-token'), 401, 'invalid-token');
    expectProblem(await write('PUT', TOPOLOGY, ingestOnly), 403, 'forbidden');
    expectProblem(await write('PATCH', { items: [] }, ingestOnly), 403, 'forbidden');
    expect((await rt.app.inject({ method: 'GET', url: ROUTE })).statusCode).toBe(200);
  });

  it('answers 400, not 500, for text the store cannot hold (a NUL character, a lone surrogate), and keeps the topology it had', async () => {
    expect((await write('PUT', TOPOLOGY)).statusCode).toBe(200);
    const before = (await rt.app.inject({ method: 'GET', url: ROUTE, headers: { authorization: `Bearer ${admin}` } })).json();
    for (const name of ['orders\u0000api', 'orders \ud800 api']) {
      const bad = { ...TOPOLOGY, items: [{ ...TOPOLOGY.items[0]!, name, labels: { service: name } }, ...TOPOLOGY.items.slice(1)] };
      const res = await rt.app.inject({ method: 'PUT', url: ROUTE, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, payload: JSON.stringify(bad) });
      expectProblem(res, 400, 'unstorable-text');
    }
    const after = (await rt.app.inject({ method: 'GET', url: ROUTE, headers: { authorization: `Bearer ${admin}` } })).json();
    expect(after).toEqual(before);
  });
});
