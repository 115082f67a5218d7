/**
 * The suppression repository's contract, run against real Postgres and embedded PGlite:
 * create, get, list by state, expire (kept and listable), loadRules in a stable order and
 * without expired rules, the in-force limit, the version, and the caller's transaction.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findSuppression } from '../../correlator/engine/find-suppression.ts';
import { InhibitionIndex } from '../../correlator/engine/inhibition-index.ts';
import type { Database } from '../../engine/db/database.ts';
import type { RuleDraftOf, StoredRuleOf, SuppressionKind } from '../../engine/suppression/suppression.ts';
import { type CreateRuleResult, SuppressionRepository } from '../../engine/suppression/suppression-repository.ts';
import { type DatabaseHarness, relationalAdapters } from '../support/database-harness.ts';

const T0 = Date.parse('2030-01-07T12:00:00Z'); // a Monday
const MIN = 60_000;
const HOUR = 60 * MIN;

const silence = (startsAtMs: number, endsAtMs: number, value = 'staging'): RuleDraftOf['silence'] => ({
  matchers: [{ name: 'env', op: '=', value }],
  startsAtMs,
  endsAtMs,
  comment: 'deploying',
});
const onceWindow = (startMs: number, endMs: number): RuleDraftOf['maintenance'] => ({
  itemIds: ['host:db-1'],
  schedule: { kind: 'once', startMs, endMs },
  comment: 'disk swap',
});
const weeklyWindow = (fromMs?: number, untilMs?: number): RuleDraftOf['maintenance'] => ({
  matchers: [{ name: 'cluster', op: '=~', value: 'eu-.*' }],
  schedule: { kind: 'weekly', days: [6], start: '02:00', durationMinutes: 120, utcOffsetMinutes: 60, ...(fromMs === undefined ? {} : { fromMs }), ...(untilMs === undefined ? {} : { untilMs }) },
});
const inhibit: RuleDraftOf['inhibit-rule'] = {
  sourceMatchers: [{ name: 'alertname', op: '=', value: 'DatacenterDown' }],
  targetMatchers: [{ name: 'alertname', op: '=', value: 'HostDown' }],
  equal: ['dc'],
  comment: 'a dead DC explains its hosts',
};

function created<K extends SuppressionKind>(result: CreateRuleResult<K>): StoredRuleOf[K] {
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.rule;
}

describe.each(relationalAdapters)('suppression repository: %s', (_name, makeHarness) => {
  let harness: DatabaseHarness;
  let database: Database;
  let repo: SuppressionRepository;

  beforeAll(async () => {
    harness = await makeHarness();
    database = await harness.open();
    repo = new SuppressionRepository(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await harness?.cleanup();
  });
  beforeEach(async () => {
    for (const t of ['maintenance_windows', 'silences', 'inhibit_rules'] as const) await database.db.deleteFrom(t).execute();
  });

  it('starts empty at version 0', async () => {
    expect(await repo.version()).toBe(0);
    expect(await repo.loadRules(T0)).toEqual({ maintenance: [], silences: [], inhibitRules: [] });
    expect(await repo.list('silence')).toEqual([]);
  });

  it('creates each kind with a prefixed id and its record, and reads it back', async () => {
    const v0 = await repo.version();
    const s = await repo.create('silence', silence(T0, T0 + HOUR), { createdBy: 'alice', nowMs: T0 });
    expect(s.ok && s.version).toBe(v0 + 1);
    const sil = created(s);
    expect(sil).toEqual({
      id: expect.stringMatching(/^sil_[A-Za-z0-9_-]{20}$/),
      matchers: [{ name: 'env', op: '=', value: 'staging' }],
      startsAtMs: T0,
      endsAtMs: T0 + HOUR,
      comment: 'deploying',
      createdBy: 'alice',
      createdAt: new Date(T0).toISOString(),
      updatedAt: new Date(T0).toISOString(),
      expiredAt: null,
      state: 'active',
    });
    expect(await repo.get('silence', sil.id, T0)).toEqual(sil);

    const mw = created(await repo.create('maintenance', weeklyWindow(), { createdBy: 'bob', nowMs: T0 }));
    expect(mw.id).toMatch(/^mw_/);
    expect(mw.schedule).toEqual(weeklyWindow().schedule);
    expect(mw.comment).toBeUndefined();
    expect(await repo.get('maintenance', mw.id, T0)).toEqual(mw);

    const inh = created(await repo.create('inhibit-rule', inhibit, { createdBy: 'carol', nowMs: T0 }));
    expect(inh).toMatchObject({ ...inhibit, id: expect.stringMatching(/^inh_/), createdBy: 'carol', state: 'active' });
    expect(await repo.get('inhibit-rule', inh.id, T0)).toEqual(inh);
    expect(await repo.version()).toBe(v0 + 3);

    // Ids are per kind: a silence id is no maintenance window.
    expect(await repo.get('maintenance', sil.id)).toBeUndefined();
    expect(await repo.get('silence', 'sil_nope')).toBeUndefined();
  });

  it('computes states at the instant asked, and lists by state, newest first', async () => {
    const pending = created(await repo.create('silence', silence(T0 + HOUR, T0 + 2 * HOUR), { createdBy: 'a', nowMs: T0 }));
    const active = created(await repo.create('silence', silence(T0 - HOUR, T0 + HOUR), { createdBy: 'a', nowMs: T0 + 1 }));
    const over = created(await repo.create('silence', silence(T0 - 2 * HOUR, T0 - HOUR), { createdBy: 'a', nowMs: T0 + 2 }));
    const ids = async (state?: 'active' | 'pending' | 'expired', at = T0) => (await repo.list('silence', state ? { state } : {}, at)).map((r) => r.id);
    expect(await ids('pending')).toEqual([pending.id]);
    expect(await ids('active')).toEqual([active.id]);
    expect(await ids('expired')).toEqual([over.id]);
    expect(await ids()).toEqual([over.id, active.id, pending.id]);
    expect(await repo.list('silence', { limit: 1, offset: 1 }, T0)).toMatchObject([{ id: active.id, state: 'active' }]);
    // Time moves on without a write: the pending one is active, the active one expired.
    expect(await ids('active', T0 + HOUR)).toEqual([pending.id]);
    expect(await ids('expired', T0 + HOUR)).toEqual([over.id, active.id]);
    expect((await repo.get('silence', pending.id, T0 + 2 * HOUR))!.state).toBe('expired');

    // A weekly window's lifetime is its from…until span; open-ended it is active.
    const open = created(await repo.create('maintenance', weeklyWindow(), { createdBy: 'a', nowMs: T0 }));
    const later = created(await repo.create('maintenance', weeklyWindow(T0 + 24 * HOUR), { createdBy: 'a', nowMs: T0 }));
    expect((await repo.list('maintenance', { state: 'active' }, T0)).map((r) => r.id)).toEqual([open.id]);
    expect((await repo.list('maintenance', { state: 'pending' }, T0)).map((r) => r.id)).toEqual([later.id]);
  });

  it('expires an active silence now, keeps it listable, and leaves it out of loadRules', async () => {
    const sil = created(await repo.create('silence', silence(T0 - HOUR, T0 + HOUR), { createdBy: 'a', nowMs: T0 - HOUR }));
    const v = await repo.version();
    const out = await repo.expire('silence', sil.id, T0);
    expect(out.outcome).toBe('expired');
    if (out.outcome !== 'expired') return;
    expect(out.version).toBe(v + 1);
    expect(out.rule).toMatchObject({ startsAtMs: T0 - HOUR, endsAtMs: T0, state: 'expired', expiredAt: new Date(T0).toISOString(), updatedAt: new Date(T0).toISOString() });
    expect(await repo.get('silence', sil.id, T0)).toEqual(out.rule);
    expect((await repo.list('silence', { state: 'expired' }, T0)).map((r) => r.id)).toEqual([sil.id]);
    expect((await repo.list('silence', { state: 'active' }, T0)).map((r) => r.id)).toEqual([]);
    expect((await repo.loadRules(T0)).silences).toEqual([]);

    // Again: nothing changes; an unknown id is not found.
    const again = await repo.expire('silence', sil.id, T0 + MIN);
    expect(again).toEqual({ outcome: 'already-expired', rule: { ...out.rule } });
    expect(await repo.version()).toBe(v + 1);
    expect(await repo.expire('silence', 'sil_unknown', T0)).toEqual({ outcome: 'not-found' });
  });

  it('expires pending rules so they cover nothing, weekly windows by until, inhibition rules by their expiry', async () => {
    const pendingSilence = created(await repo.create('silence', silence(T0 + HOUR, T0 + 2 * HOUR), { createdBy: 'a', nowMs: T0 }));
    const pendingWindow = created(await repo.create('maintenance', onceWindow(T0 + HOUR, T0 + 2 * HOUR), { createdBy: 'a', nowMs: T0 }));
    const weekly = created(await repo.create('maintenance', weeklyWindow(T0 + HOUR), { createdBy: 'a', nowMs: T0 }));
    const rule = created(await repo.create('inhibit-rule', inhibit, { createdBy: 'a', nowMs: T0 }));
    const at = T0 + 10 * MIN;

    const s = await repo.expire('silence', pendingSilence.id, at);
    expect(s.outcome === 'expired' && s.rule).toMatchObject({ startsAtMs: at, endsAtMs: at, state: 'expired' });
    const w = await repo.expire('maintenance', pendingWindow.id, at);
    expect(w.outcome === 'expired' && w.rule.schedule).toEqual({ kind: 'once', startMs: at, endMs: at });
    const wk = await repo.expire('maintenance', weekly.id, at);
    expect(wk.outcome === 'expired' && wk.rule.schedule).toEqual({ ...weeklyWindow().schedule, fromMs: at, untilMs: at });
    const r = await repo.expire('inhibit-rule', rule.id, at);
    expect(r.outcome === 'expired' && r.rule).toMatchObject({ ...inhibit, state: 'expired', expiredAt: new Date(at).toISOString() });

    expect(await repo.loadRules(at)).toEqual({ maintenance: [], silences: [], inhibitRules: [] });
    expect((await repo.list('inhibit-rule', { state: 'expired' }, at)).map((x) => x.id)).toEqual([rule.id]);
  });

  it('loadRules returns active and pending rules of each kind in (created_at, id) order, as the engine applies them', async () => {
    const b = created(await repo.create('silence', silence(T0 + HOUR, T0 + 2 * HOUR, 'b'), { createdBy: 'a', nowMs: T0 + 2 }));
    const a = created(await repo.create('silence', silence(T0 - HOUR, T0 + HOUR, 'a'), { createdBy: 'a', nowMs: T0 + 1 }));
    created(await repo.create('silence', silence(T0 - 2 * HOUR, T0 - HOUR, 'gone'), { createdBy: 'a', nowMs: T0 }));
    // Created at the same instant: ordered by id.
    const same = [
      created(await repo.create('maintenance', onceWindow(T0, T0 + HOUR), { createdBy: 'a', nowMs: T0 })),
      created(await repo.create('maintenance', weeklyWindow(), { createdBy: 'a', nowMs: T0 })),
      created(await repo.create('maintenance', onceWindow(T0 + HOUR, T0 + 3 * HOUR), { createdBy: 'a', nowMs: T0 })),
    ].sort((x, y) => (x.id < y.id ? -1 : 1));
    const rule = created(await repo.create('inhibit-rule', inhibit, { createdBy: 'a', nowMs: T0 }));

    const rules = await repo.loadRules(T0);
    expect(rules.silences).toEqual([
      { id: a.id, matchers: a.matchers, startsAtMs: a.startsAtMs, endsAtMs: a.endsAtMs, createdBy: 'a', comment: 'deploying' },
      { id: b.id, matchers: b.matchers, startsAtMs: b.startsAtMs, endsAtMs: b.endsAtMs, createdBy: 'a', comment: 'deploying' },
    ]);
    expect(rules.maintenance.map((w) => w.id)).toEqual(same.map((w) => w.id));
    expect(rules.maintenance[0]).not.toHaveProperty('state');
    expect(rules.inhibitRules).toEqual([{ id: rule.id, sourceMatchers: inhibit.sourceMatchers, targetMatchers: inhibit.targetMatchers, equal: ['dc'] }]);

    // What the engine does with them.
    const sources = new InhibitionIndex(rules.inhibitRules);
    const onDb1 = { labels: { alertname: 'DiskFull' }, itemIds: ['host:db-1'] };
    expect(findSuppression(rules, onDb1, T0 + MIN, sources)).toMatchObject({ kind: 'maintenance', ruleId: same.find((w) => w.schedule.kind === 'once' && w.schedule.startMs === T0)!.id });
    expect(findSuppression(rules, { labels: { env: 'a' }, itemIds: [] }, T0, sources)).toMatchObject({ kind: 'silence', ruleId: a.id });
    expect(findSuppression(rules, { labels: { env: 'b' }, itemIds: [] }, T0, sources)).toBeNull();
    expect(findSuppression(rules, { labels: { env: 'b' }, itemIds: [] }, T0 + HOUR, sources)).toMatchObject({ kind: 'silence', ruleId: b.id });
    sources.add('dc-down', { alertname: 'DatacenterDown', dc: 'fra' });
    expect(findSuppression(rules, { labels: { alertname: 'HostDown', dc: 'fra' }, itemIds: [] }, T0, sources)).toMatchObject({ kind: 'inhibition', ruleId: rule.id });
  });

  it('refuses a rule past the in-force limit of its kind, counting neither expired rules nor other kinds', async () => {
    const opts = { createdBy: 'a', nowMs: T0, maxInForce: 2 };
    const first = created(await repo.create('silence', silence(T0, T0 + HOUR), opts));
    created(await repo.create('silence', silence(T0 + HOUR, T0 + 2 * HOUR), opts));
    created(await repo.create('silence', silence(T0 - 2 * HOUR, T0 - HOUR), { ...opts, maxInForce: 10 }));
    const v = await repo.version();
    expect(await repo.create('silence', silence(T0, T0 + HOUR), opts)).toEqual({ ok: false, reason: 'too-many-rules', limit: 2 });
    expect(await repo.version()).toBe(v);
    expect(await repo.list('silence')).toHaveLength(3);
    expect((await repo.create('inhibit-rule', inhibit, opts)).ok).toBe(true);
    await repo.expire('silence', first.id, T0);
    expect((await repo.create('silence', silence(T0, T0 + HOUR), opts)).ok).toBe(true);
  });

  it('holds the limit under concurrent creates: writers are serialized', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => repo.create('silence', silence(T0, T0 + HOUR), { createdBy: 'a', nowMs: T0, maxInForce: 3 })));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    const versions = results.flatMap((r) => (r.ok ? [r.version] : [])).sort((x, y) => x - y);
    expect(new Set(versions).size).toBe(3);
  });

  it('runs in the caller\'s transaction: a rollback leaves nothing', async () => {
    const v = await repo.version();
    await expect(
      database.db.transaction().execute(async (trx) => {
        const inTrx = new SuppressionRepository(trx);
        const s = created(await inTrx.create('silence', silence(T0, T0 + HOUR), { createdBy: 'a', nowMs: T0 }));
        expect(await inTrx.get('silence', s.id)).toBeDefined();
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await repo.list('silence')).toEqual([]);
    expect(await repo.version()).toBe(v);
  });
});
