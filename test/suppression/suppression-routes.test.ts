/**
 * The suppression API in one embedded process: create, list, get and expire for
 * maintenance windows, silences and inhibition rules; every validation as a 400 naming
 * the field; 404 for unknown ids; the in-force limit as a 409; the admin scope on
 * writes; `suppression.updated` on the bus; and rules created here, loaded with
 * loadRules, suppressing alerts in the correlator.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../correlator/engine/correlation-engine.ts';
import { findSuppression } from '../../correlator/engine/find-suppression.ts';
import { InhibitionIndex } from '../../correlator/engine/inhibition-index.ts';
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { type BusMessage, SUPPRESSION_TOPIC } from '../../engine/bus/events.ts';
import { SuppressionRepository } from '../../engine/suppression/suppression-repository.ts';
import { ItemMatcher } from '../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../engine/topology/topology-graph.ts';
import { SUPPRESSION_LIMITS } from '../../web/suppression-routes.ts';
import { type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';

type Res = { statusCode: number; headers: Record<string, unknown>; body: string; json(): any };

function expectProblem(res: Res, status: number, type?: string): any {
  expect(res.statusCode, res.body).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const problem = res.json();
  expect(problem.status).toBe(status);
  if (type) expect(problem.type).toMatch(new RegExp(`/${type}$`));
  return problem;
}

/** The fields a 400 names. */
const fields = (res: Res, type: string): string[] => expectProblem(res, 400, type).errors.map((e: any) => e.field);

const HOUR = 3_600_000;
const at = (ms: number) => new Date(ms).toISOString();

describe('suppression API', () => {
  let rt: TestRuntime;
  let admin: string;
  let ingestOnly: string;
  let viewer: string;
  let received: BusMessage[];
  let unsubscribe: () => Promise<void>;

  /** `token` null: no Authorization header. */
  const post = (url: string, payload: unknown, token: string | null = admin) =>
    rt.app.inject({ method: 'POST', url, headers: token === null ? {} : { authorization: `Bearer ${token}` }, payload: payload as object });
  const del = (url: string, token: string | null = admin) => rt.app.inject({ method: 'DELETE', url, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  const get = (url: string, token: string | null = admin) => rt.app.inject({ method: 'GET', url, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  const messages = async (n: number) => eventually(async () => (received.length >= n ? received.splice(0) : undefined), 5_000, `${n} suppression.updated`);

  const silenceBody = (over: Record<string, unknown> = {}) => ({
    matchers: [{ name: 'env', value: 'staging', isRegex: false, isEqual: true }],
    endsAt: at(Date.now() + HOUR),
    comment: 'staging redeploy',
    ...over,
  });
  const windowBody = (over: Record<string, unknown> = {}) => ({
    itemIds: ['host:db-1'],
    schedule: { kind: 'once', startsAt: at(Date.now() - HOUR), endsAt: at(Date.now() + HOUR) },
    comment: 'disk swap',
    ...over,
  });
  const inhibitBody = (over: Record<string, unknown> = {}) => ({
    sourceMatchers: [{ name: 'alertname', op: '=', value: 'DatacenterDown' }],
    targetMatchers: [{ name: 'alertname', op: '=~', value: 'HostDown|ServiceDown' }],
    equal: ['dc'],
    ...over,
  });

  beforeAll(async () => {
    rt = await startTestRuntime('embedded', { INGEST_AUTH: 'required', WEB_AUTH: 'required' });
    await rt.app.ready();
    admin = (await readFile(path.join(rt.env.DATA_DIR!, 'initial-token'), 'utf8')).trim();
    const created = await rt.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${admin}` }, payload: { name: 'sender', scopes: ['ingest'] } });
    expect(created.statusCode).toBe(201);
    ingestOnly = created.json().token;
    const v = await rt.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${admin}` }, payload: { name: 'wall-screen', scopes: ['viewer'] } });
    expect(v.statusCode).toBe(201);
    viewer = v.json().token;
    received = [];
    unsubscribe = await rt.adapters.bus.subscribe(SUPPRESSION_TOPIC, (m) => void received.push(m));
  });
  afterAll(async () => {
    await unsubscribe?.();
    await rt?.cleanup();
  });
  beforeEach(async () => {
    for (const t of ['maintenance_windows', 'silences', 'inhibit_rules'] as const) await rt.adapters.database.db.deleteFrom(t).execute();
    received.splice(0);
  });

  it('silences: create in the Alertmanager form, get, list by state, expire (kept), each write on the bus', async () => {
    const startsAt = at(Date.now() - 60_000);
    const created = await post('/api/v1/silences', silenceBody({ startsAt, createdBy: 'alice' }));
    expect(created.statusCode, created.body).toBe(201);
    const silence = created.json();
    expect(silence).toEqual({
      id: expect.stringMatching(/^sil_/),
      matchers: [{ name: 'env', op: '=', value: 'staging' }],
      startsAt: new Date(startsAt).toISOString(),
      endsAt: expect.any(String),
      comment: 'staging redeploy',
      createdBy: 'alice',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      expiredAt: null,
      state: 'active',
    });
    expect(created.headers.location).toBe(`/api/v1/silences/${silence.id}`);
    const [message] = await messages(1);
    expect(message).toEqual({ type: 'suppression.updated', version: expect.any(Number), kind: 'silence', id: silence.id, action: 'created' });

    // A pending one, in our op form, without createdBy: the token's name stands in.
    const later = await post('/api/v1/silences', { matchers: [{ name: 'service', op: '=~', value: 'cart|orders' }], startsAt: at(Date.now() + HOUR), endsAt: at(Date.now() + 2 * HOUR), comment: 'later' });
    expect(later.statusCode, later.body).toBe(201);
    expect(later.json()).toMatchObject({ state: 'pending', createdBy: expect.any(String), matchers: [{ name: 'service', op: '=~', value: 'cart|orders' }] });
    const [second] = await messages(1);
    expect((second as any).version).toBe((message as any).version + 1);

    expect((await get(`/api/v1/silences/${silence.id}`)).json()).toEqual(silence);
    const list = (await get('/api/v1/silences')).json();
    expect(list).toMatchObject({ limit: 100, offset: 0 });
    expect(list.items.map((s: any) => s.id)).toEqual([later.json().id, silence.id]);
    expect((await get('/api/v1/silences?state=active')).json().items.map((s: any) => s.id)).toEqual([silence.id]);
    expect((await get('/api/v1/silences?state=pending')).json().items.map((s: any) => s.id)).toEqual([later.json().id]);
    expect((await get('/api/v1/silences?state=pending&limit=1&offset=1')).json().items).toEqual([]);

    const expired = await del(`/api/v1/silences/${silence.id}`);
    expect(expired.statusCode, expired.body).toBe(204);
    const [expiry] = await messages(1);
    expect(expiry).toEqual({ type: 'suppression.updated', version: (second as any).version + 1, kind: 'silence', id: silence.id, action: 'expired' });
    const after = (await get(`/api/v1/silences/${silence.id}`)).json();
    expect(after).toMatchObject({ state: 'expired', expiredAt: expect.any(String), startsAt: silence.startsAt });
    expect(after.endsAt).toBe(after.expiredAt);
    expect((await get('/api/v1/silences?state=expired')).json().items.map((s: any) => s.id)).toEqual([silence.id]);
    expect((await get('/api/v1/silences?state=active')).json().items).toEqual([]);

    // Expiring again changes nothing and publishes nothing.
    expect((await del(`/api/v1/silences/${silence.id}`)).statusCode).toBe(204);
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([]);
  });

  it('maintenance windows: once and weekly, by items and by labels; get, list, expire', async () => {
    const once = await post('/api/v1/maintenance', windowBody());
    expect(once.statusCode, once.body).toBe(201);
    expect(once.json()).toMatchObject({ id: expect.stringMatching(/^mw_/), itemIds: ['host:db-1'], schedule: { kind: 'once' }, comment: 'disk swap', state: 'active' });
    const until = at(Date.now() + 30 * 24 * HOUR);
    const weekly = await post('/api/v1/maintenance', {
      matchers: [{ name: 'cluster', op: '=~', value: 'eu-.*' }],
      schedule: { kind: 'weekly', days: [6, 0], start: '02:00', durationMinutes: 180, utcOffsetMinutes: 60, until },
    });
    expect(weekly.statusCode, weekly.body).toBe(201);
    expect(weekly.json()).toMatchObject({
      matchers: [{ name: 'cluster', op: '=~', value: 'eu-.*' }],
      schedule: { kind: 'weekly', days: [0, 6], start: '02:00', durationMinutes: 180, utcOffsetMinutes: 60, until: new Date(until).toISOString() },
      comment: null,
      state: 'active',
    });
    expect(weekly.json()).not.toHaveProperty('itemIds');
    await messages(2);

    expect((await get(`/api/v1/maintenance/${once.json().id}`)).json()).toEqual(once.json());
    expect((await get('/api/v1/maintenance?state=active')).json().items.map((w: any) => w.id)).toEqual([weekly.json().id, once.json().id]);

    expect((await del(`/api/v1/maintenance/${weekly.json().id}`)).statusCode).toBe(204);
    expect(await messages(1)).toEqual([expect.objectContaining({ kind: 'maintenance', id: weekly.json().id, action: 'expired' })]);
    const ended = (await get(`/api/v1/maintenance/${weekly.json().id}`)).json();
    expect(ended.state).toBe('expired');
    expect(ended.schedule.until).toBe(ended.expiredAt);
    expect((await get('/api/v1/maintenance?state=expired')).json().items.map((w: any) => w.id)).toEqual([weekly.json().id]);
  });

  it('inhibition rules: create, get, list, delete (expired, still listed)', async () => {
    const created = await post('/api/v1/inhibit-rules', inhibitBody({ comment: 'a dead DC explains its hosts' }));
    expect(created.statusCode, created.body).toBe(201);
    const rule = created.json();
    expect(rule).toMatchObject({ id: expect.stringMatching(/^inh_/), ...inhibitBody(), comment: 'a dead DC explains its hosts', state: 'active' });
    // equal may be left out: no labels need to agree.
    const noEqual = await post('/api/v1/inhibit-rules', { sourceMatchers: inhibitBody().sourceMatchers, targetMatchers: inhibitBody().targetMatchers });
    expect(noEqual.statusCode, noEqual.body).toBe(201);
    expect(noEqual.json().equal).toEqual([]);
    await messages(2);

    expect((await get(`/api/v1/inhibit-rules/${rule.id}`)).json()).toEqual(rule);
    expect((await get('/api/v1/inhibit-rules')).json().items).toHaveLength(2);
    expect((await del(`/api/v1/inhibit-rules/${rule.id}`)).statusCode).toBe(204);
    expect(await messages(1)).toEqual([expect.objectContaining({ kind: 'inhibit-rule', id: rule.id, action: 'expired' })]);
    expect((await get('/api/v1/inhibit-rules?state=active')).json().items.map((r: any) => r.id)).toEqual([noEqual.json().id]);
    expect((await get('/api/v1/inhibit-rules?state=expired')).json().items.map((r: any) => r.id)).toEqual([rule.id]);
  });

  it('answers 404 problem+json for unknown ids, on reads and on DELETE', async () => {
    for (const base of ['/api/v1/maintenance', '/api/v1/silences', '/api/v1/inhibit-rules']) {
      expect(expectProblem(await get(`${base}/nope`), 404, 'not-found').detail).toContain('nope');
      expectProblem(await del(`${base}/nope`), 404, 'not-found');
    }
    // A silence's id is no maintenance window's.
    const s = (await post('/api/v1/silences', silenceBody())).json();
    expectProblem(await get(`/api/v1/maintenance/${s.id}`), 404, 'not-found');
  });

  it('refuses bad silences with 400 naming the field', async () => {
    const url = '/api/v1/silences';
    const now = Date.now();
    expect(fields(await post(url, silenceBody({ matchers: [{ name: 'host', op: '=~', value: 'node-(1' }] })), 'invalid-rule')).toEqual(['body/matchers/0/value']);
    // Balanced only once wrapped in the engine's anchors: it would match every value, unanchored.
    expect(fields(await post(url, silenceBody({ matchers: [{ name: 'host', op: '=~', value: 'a)|(.*' }] })), 'invalid-rule')).toEqual(['body/matchers/0/value']);
    expect(fields(await post(url, silenceBody({ matchers: [{ name: 'host', value: 'x(', isRegex: true }] })), 'invalid-rule')).toEqual(['body/matchers/0/value']);
    expect(fields(await post(url, silenceBody({ startsAt: at(now + 2 * HOUR), endsAt: at(now + HOUR) })), 'invalid-rule')).toEqual(['body/endsAt']);
    const past = expectProblem(await post(url, silenceBody({ startsAt: at(now - 2 * HOUR), endsAt: at(now - HOUR) })), 400, 'invalid-rule');
    expect(past.errors).toEqual([{ field: 'body/endsAt', message: expect.stringContaining('in the past') }]);
    expect(fields(await post(url, silenceBody({ matchers: [] })), 'validation')).toEqual(['body/matchers']);
    expect(fields(await post(url, silenceBody({ matchers: [{ name: 'env', op: '=', value: 'x', isRegex: true }] })), 'invalid-rule')).toEqual(['body/matchers/0']);
    // Every matcher matches a missing label: it would silence nearly everything.
    const broad = expectProblem(await post(url, silenceBody({ matchers: [{ name: 'env', op: '!=', value: 'prod' }, { name: 'team', op: '=~', value: '.*' }] })), 400, 'invalid-rule');
    expect(broad.errors).toEqual([{ field: 'body/matchers', message: expect.stringContaining('almost every alert') }]);
    expect(fields(await post(url, silenceBody({ matchers: [{ name: 'env', op: '~', value: 'x' }] })), 'validation')).toEqual(['body/matchers/0/op']);
    expect(fields(await post(url, silenceBody({ matchers: [{ name: '', value: 'x' }] })), 'validation')).toEqual(['body/matchers/0/name']);
    expect(fields(await post(url, silenceBody({ endsAt: 'tomorrow' })), 'validation')).toEqual(['body/endsAt']);
    expect(fields(await post(url, silenceBody({ endsAt: undefined })), 'validation')).toEqual(['body/endsAt']);
    expect(fields(await post(url, silenceBody({ comment: undefined })), 'validation')).toEqual(['body/comment']);
    expect(fields(await post(url, silenceBody({ id: 'sil_x' })), 'validation')).toEqual(['body/id']);
    const tooMany = Array.from({ length: SUPPRESSION_LIMITS.matchersPerRule + 1 }, (_, i) => ({ name: `l${i}`, value: 'v' }));
    expect(fields(await post(url, silenceBody({ matchers: tooMany })), 'validation')).toEqual(['body/matchers']);
    expect(fields(await post(url, silenceBody({ matchers: [{ name: 'env', value: 'x'.repeat(SUPPRESSION_LIMITS.matcherValueLength + 1) }] })), 'validation')).toEqual(['body/matchers/0/value']);
    expectProblem(await get('/api/v1/silences?state=firing'), 400, 'validation');
    expectProblem(await get('/api/v1/silences?limit=0'), 400, 'validation');
    // Nothing was stored, nothing published.
    expect((await get(url)).json().items).toEqual([]);
    expect(received).toEqual([]);
  });

  it('refuses bad maintenance windows with 400 naming the field', async () => {
    const url = '/api/v1/maintenance';
    const now = Date.now();
    const neither = expectProblem(await post(url, windowBody({ itemIds: undefined })), 400, 'invalid-rule');
    expect(neither.errors).toEqual([{ field: 'body', message: expect.stringContaining('would suppress nothing') }]);
    expect(neither.detail).toContain('neither itemIds nor matchers');
    expect(fields(await post(url, windowBody({ itemIds: [] })), 'validation')).toEqual(['body/itemIds']);
    expect(fields(await post(url, windowBody({ itemIds: undefined, matchers: [] })), 'validation')).toEqual(['body/matchers']);
    expect(fields(await post(url, windowBody({ matchers: [{ name: 'svc', op: '!~', value: '[' }] })), 'invalid-rule')).toEqual(['body/matchers/0/value']);
    const weekly = { kind: 'weekly', days: [6], start: '02:00', durationMinutes: 60 };
    expect(fields(await post(url, windowBody({ schedule: { ...weekly, start: '24:00' } })), 'validation')).toEqual(['body/schedule/start']);
    expect(fields(await post(url, windowBody({ schedule: { ...weekly, start: '2:00' } })), 'validation')).toEqual(['body/schedule/start']);
    expect(fields(await post(url, windowBody({ schedule: { ...weekly, days: [7] } })), 'validation')).toEqual(['body/schedule/days/0']);
    expect(fields(await post(url, windowBody({ schedule: { ...weekly, days: [-1, 3] } })), 'validation')).toEqual(['body/schedule/days/0']);
    expect(fields(await post(url, windowBody({ schedule: { ...weekly, days: [] } })), 'validation')).toEqual(['body/schedule/days']);
    expect(fields(await post(url, windowBody({ schedule: { ...weekly, durationMinutes: 7 * 1440 } })), 'validation')).toEqual(['body/schedule/durationMinutes']);
    expect(fields(await post(url, windowBody({ schedule: { ...weekly, utcOffsetMinutes: 900 } })), 'validation')).toEqual(['body/schedule/utcOffsetMinutes']);
    expect(fields(await post(url, windowBody({ schedule: { kind: 'weekly', days: [6] } })), 'invalid-rule')).toEqual(['body/schedule/start', 'body/schedule/durationMinutes']);
    expect(fields(await post(url, windowBody({ schedule: { ...weekly, startsAt: at(now) } })), 'invalid-rule')).toEqual(['body/schedule/startsAt']);
    expect(fields(await post(url, windowBody({ schedule: { ...weekly, from: at(now + 2 * HOUR), until: at(now + HOUR) } })), 'invalid-rule')).toEqual(['body/schedule/until']);
    expect(fields(await post(url, windowBody({ schedule: { ...weekly, until: at(now - HOUR) } })), 'invalid-rule')).toEqual(['body/schedule/until']);
    expect(fields(await post(url, windowBody({ schedule: { kind: 'once', startsAt: at(now) } })), 'invalid-rule')).toEqual(['body/schedule/endsAt']);
    expect(fields(await post(url, windowBody({ schedule: { kind: 'once', startsAt: at(now + HOUR), endsAt: at(now) } })), 'invalid-rule')).toEqual(['body/schedule/endsAt']);
    expect(fields(await post(url, windowBody({ schedule: { kind: 'once', startsAt: at(now), endsAt: at(now + HOUR), days: [1] } })), 'invalid-rule')).toEqual(['body/schedule/days']);
    expect(fields(await post(url, windowBody({ schedule: { kind: 'daily' } })), 'validation')).toEqual(['body/schedule/kind']);
    expect(fields(await post(url, windowBody({ schedule: undefined })), 'validation')).toEqual(['body/schedule']);
    expect((await get(url)).json().items).toEqual([]);
  });

  it('refuses bad inhibition rules with 400 naming the field', async () => {
    const url = '/api/v1/inhibit-rules';
    expect(fields(await post(url, inhibitBody({ targetMatchers: [] })), 'validation')).toEqual(['body/targetMatchers']);
    expect(fields(await post(url, inhibitBody({ sourceMatchers: undefined })), 'validation')).toEqual(['body/sourceMatchers']);
    expect(fields(await post(url, inhibitBody({ sourceMatchers: [{ name: 'a', op: '=~', value: '*' }] })), 'invalid-rule')).toEqual(['body/sourceMatchers/0/value']);
    expect(fields(await post(url, inhibitBody({ equal: ['dc', 'dc'] })), 'validation')).toEqual(['body/equal']);
    expect(fields(await post(url, inhibitBody({ equal: [''] })), 'validation')).toEqual(['body/equal/0']);
    expect((await get(url)).json().items).toEqual([]);
  });

  it('needs suppression:write (operator and up) to write and incident:read to read: none is a 401, an ingest-only token a 403, a viewer reads only', async () => {
    const existing = (await post('/api/v1/silences', silenceBody())).json().id;
    await messages(1);
    for (const [url, body] of [
      ['/api/v1/maintenance', windowBody()],
      ['/api/v1/silences', silenceBody()],
      ['/api/v1/inhibit-rules', inhibitBody()],
    ] as const) {
      const none = await post(url, body, null);
      expectProblem(none, 401, 'unauthenticated');
      expect(none.headers['www-authenticate']).toBe('Bearer realm="aiops"');
      expectProblem(await post(url, body, 'aiops_not-a-real-token'), 401, 'invalid-token');
      expectProblem(await post(url, body, ingestOnly), 403, 'forbidden');
      expectProblem(await del(`${url}/${existing}`, null), 401, 'unauthenticated');
      expectProblem(await del(`${url}/${existing}`, ingestOnly), 403, 'forbidden');
      expectProblem(await post(url, body, viewer), 403, 'forbidden');
      expectProblem(await get(url, null), 401, 'unauthenticated');
      expectProblem(await get(url, ingestOnly), 403, 'forbidden');
      expect((await get(url, viewer)).statusCode).toBe(200);
    }
    expect((await get(`/api/v1/silences/${existing}`)).json().state).toBe('active');
    expect(received).toEqual([]);
  });

  it('refuses a rule past the in-force limit of its kind with 409; expired rules do not count', async () => {
    const limit = SUPPRESSION_LIMITS.rulesInForcePerKind;
    const db = rt.adapters.database.db;
    const now = Date.now();
    const rows = Array.from({ length: limit }, (_, i) => ({
      id: `sil_seed${i}`,
      definition: JSON.stringify({ matchers: [{ name: 'n', op: '=', value: String(i) }], startsAtMs: now, endsAtMs: now + HOUR }),
      comment: null,
      created_by: 'seed',
      starts_at: new Date(now),
      ends_at: new Date(now + HOUR),
    }));
    for (let i = 0; i < rows.length; i += 2_000) await db.insertInto('silences').values(rows.slice(i, i + 2_000)).execute();

    const refused = expectProblem(await post('/api/v1/silences', silenceBody()), 409, 'too-many-rules');
    expect(refused.detail).toContain(`${limit} silences are already in force`);
    expect(refused.limit).toBe(limit);
    // Other kinds have their own count.
    expect((await post('/api/v1/inhibit-rules', inhibitBody())).statusCode).toBe(201);
    expect((await del('/api/v1/silences/sil_seed0')).statusCode).toBe(204);
    expect((await post('/api/v1/silences', silenceBody())).statusCode).toBe(201);
  });

  it('rules created through the API, loaded with loadRules, suppress alerts in the correlator', async () => {
    const sil = (await post('/api/v1/silences', silenceBody({ matchers: [{ name: 'alertname', value: 'HostDown' }, { name: 'env', value: 'stag.*', isRegex: true }] }))).json();
    const mw = (await post('/api/v1/maintenance', windowBody({ itemIds: ['host:db-1'] }))).json();
    const inh = (await post('/api/v1/inhibit-rules', inhibitBody())).json();
    // An expired rule is not loaded.
    const gone = (await post('/api/v1/silences', silenceBody({ matchers: [{ name: 'alertname', value: 'DiskFull' }] }))).json();
    expect((await del(`/api/v1/silences/${gone.id}`)).statusCode).toBe(204);

    const nowMs = Date.now();
    const rules = await new SuppressionRepository(rt.adapters.database.db).loadRules(nowMs);
    expect(rules.silences.map((s) => s.id)).toEqual([sil.id]);
    expect(rules.maintenance.map((w) => w.id)).toEqual([mw.id]);
    expect(rules.inhibitRules.map((r) => r.id)).toEqual([inh.id]);

    const sources = new InhibitionIndex(rules.inhibitRules);
    const hit = findSuppression(rules, { labels: { alertname: 'HostDown', env: 'staging', host: 'web-1' }, itemIds: [] }, nowMs, sources);
    expect(hit).toEqual({ kind: 'silence', ruleId: sil.id, reason: `silenced by ${sil.id} (staging redeploy)` });
    expect(findSuppression(rules, { labels: { alertname: 'HostDown', env: 'prod' }, itemIds: [] }, nowMs, sources)).toBeNull();
    expect(findSuppression(rules, { labels: { alertname: 'DiskFull', env: 'prod' }, itemIds: [] }, nowMs, sources)).toBeNull();
    expect(findSuppression(rules, { labels: { alertname: 'DiskFull' }, itemIds: ['host:db-1'] }, nowMs, sources)).toMatchObject({ kind: 'maintenance', ruleId: mw.id });

    // And in the engine itself: the silenced alert opens no incident, an unsilenced one does.
    const topology = { items: [{ id: 'host:web-1', kind: 'host', name: 'web-1', labels: { host: 'web-1' } }], relations: [] };
    const engine = new CorrelationEngine({ graph: new TopologyGraph(topology), matcher: new ItemMatcher(topology.items), suppression: rules });
    const event = (env: string): AlertEvent => ({
      source: 'test',
      sourceFingerprint: `HostDown|${env}`,
      fingerprint: `fp-${env}`,
      name: 'HostDown',
      severity: 'critical',
      status: 'firing',
      labels: { alertname: 'HostDown', env, host: 'web-1' },
      annotations: {},
      startsAt: new Date(nowMs).toISOString(),
      endsAt: null,
      eventTime: new Date(nowMs).toISOString(),
      generatorUrl: null,
    });
    expect(engine.decide(event('staging'))).toMatchObject({ action: 'suppressed', suppressedBy: { kind: 'silence', ruleId: sil.id } });
    expect(engine.decide(event('prod')).action).toBe('opened');
  });
});
