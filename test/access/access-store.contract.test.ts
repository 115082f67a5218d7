/**
 * Users, sessions and the audit log on both relational adapters (Postgres and PGlite):
 * the repositories, and the rules of UserService and SessionService that live in SQL
 * (unique usernames without regard to case, the last admin, sessions ending, expiry,
 * audit entries in the transaction of their change, cursor paging).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Actor, systemActor } from '../../engine/auth/actor.ts';
import { AuditRepository, BadCursorError } from '../../engine/auth/audit-repository.ts';
import { SessionRepository } from '../../engine/auth/session-repository.ts';
import { SessionService } from '../../engine/auth/session-service.ts';
import { UserRepository } from '../../engine/auth/user-repository.ts';
import { UserService } from '../../engine/auth/user-service.ts';
import type { Database } from '../../engine/db/database.ts';
import { AppError } from '../../engine/errors/app-error.ts';
import { type DatabaseHarness, relationalAdapters } from '../support/database-harness.ts';

// Cheap scrypt parameters: these tests are about storage, not hashing cost.
const CHEAP = { N: 2 ** 10, r: 8, p: 1 };
const PASSWORD = 'a long enough password';
const by = { actor: systemActor('test'), ip: '192.0.2.1' };
const silent = { warn: () => undefined };

async function rejects(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

describe.each(relationalAdapters)('users, sessions and audit log: %s', (_name, makeHarness) => {
  let harness: DatabaseHarness;
  let database: Database;
  let service: UserService;

  beforeAll(async () => {
    harness = await makeHarness();
    database = await harness.open();
    service = new UserService(database.db, CHEAP);
  });
  afterAll(async () => {
    await database?.close();
    await harness?.cleanup();
  });

  describe('users', () => {
    it('stores usernames lowercased and finds them without regard to case; a name is taken once', async () => {
      const user = await service.create({ username: 'Carol.Ops@example', role: 'operator', password: PASSWORD }, by);
      expect(user).toMatchObject({ username: 'carol.ops@example', displayName: 'carol.ops@example', role: 'operator', disabledAt: null });
      const users = new UserRepository(database.db);
      expect(await users.findByUsername('CAROL.OPS@EXAMPLE')).toEqual(user);
      expect(await users.get(user.id)).toEqual(user);
      expect(JSON.stringify(user)).not.toMatch(/scrypt|password/);

      const taken = await rejects(service.create({ username: 'carol.OPS@example', role: 'viewer', password: PASSWORD }, by));
      expect(taken).toMatchObject({ code: 'username-taken', status: 409 });
      // The unique index holds even past the service.
      await expect(users.insert({ username: 'CAROL.ops@example', displayName: 'x', role: 'viewer', passwordHash: 'x' })).rejects.toThrow();
    });

    it('refuses a weak password and a bad username, storing nothing', async () => {
      const users = new UserRepository(database.db);
      const before = await users.count();
      expect(await rejects(service.create({ username: 'weak', role: 'viewer', password: 'short' }, by))).toMatchObject({ status: 400 });
      expect(await rejects(service.create({ username: 'bad name', role: 'viewer', password: PASSWORD }, by))).toMatchObject({ status: 400 });
      expect(await users.count()).toBe(before);
    });

    it('lists alphabetically, updates role and display name, and keeps the first time a user was disabled', async () => {
      const dave = await service.create({ username: 'dave', displayName: 'Dave D.', role: 'viewer', password: PASSWORD }, by);
      const users = new UserRepository(database.db);
      const names = (await users.list({ limit: 100, offset: 0 })).map((u) => u.username);
      expect(names).toEqual([...names].sort());
      const promoted = await service.update(dave.id, { role: 'problem-manager', displayName: 'Dave' }, by);
      expect(promoted).toMatchObject({ role: 'problem-manager', displayName: 'Dave', disabledAt: null });
      const disabled = await service.update(dave.id, { disabled: true }, by);
      expect(disabled.disabledAt).not.toBeNull();
      await new Promise((r) => setTimeout(r, 5));
      expect((await service.update(dave.id, { disabled: true }, by)).disabledAt).toBe(disabled.disabledAt);
      expect((await service.update(dave.id, { disabled: false }, by)).disabledAt).toBeNull();
      expect(await rejects(service.update('00000000-0000-4000-8000-000000000000', { role: 'viewer' }, by))).toMatchObject({ status: 404 });
    });

    it('never demotes or disables the last admin who can sign in', async () => {
      const erin = await service.create({ username: 'erin', role: 'admin', password: PASSWORD }, by);
      const users = new UserRepository(database.db);
      // Other admins from earlier cases would make this vacuous.
      expect(await users.countActiveAdmins(erin.id)).toBe(0);
      expect(await rejects(service.update(erin.id, { role: 'operator' }, by))).toMatchObject({ code: 'last-admin', status: 409 });
      expect(await rejects(service.update(erin.id, { disabled: true }, by))).toMatchObject({ code: 'last-admin' });
      expect((await users.get(erin.id))!.role).toBe('admin');

      const frank = await service.create({ username: 'frank', role: 'admin', password: PASSWORD }, by);
      expect((await service.update(erin.id, { role: 'operator' }, by)).role).toBe('operator');
      expect(await rejects(service.update(frank.id, { disabled: true }, by))).toMatchObject({ code: 'last-admin' });
      await service.update(erin.id, { role: 'admin' }, by);
    });

    it('creates a first user only while there is none, once even when asked twice at once', async () => {
      const other = await harnessDatabase(makeHarness);
      try {
        const svc = new UserService(other.database.db, CHEAP);
        const results = await Promise.all(
          ['first-a', 'first-b'].map((username) => svc.createFirst({ username, role: 'admin', password: PASSWORD }, by)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await new UserRepository(other.database.db).count()).toBe(1);
        expect(await svc.createFirst({ username: 'first-c', role: 'admin', password: PASSWORD }, by)).toBeUndefined();
      } finally {
        await other.close();
      }
    });
  });

  describe('sessions', () => {
    let now = new Date('2030-01-01T00:00:00Z');
    let sessions: SessionService;
    let userId: string;

    beforeAll(async () => {
      sessions = new SessionService({ db: database.db, sessionHours: 12, logger: silent, hashParams: CHEAP, now: () => now });
      userId = (await service.create({ username: 'grace', role: 'viewer', password: PASSWORD }, by)).id;
    });
    afterAll(async () => {
      await sessions?.close();
    });

    it('logs in with the right password only, opening a session of SESSION_HOURS whose hash alone is stored', async () => {
      expect(await sessions.login('grace', 'wrong password!!')).toMatchObject({ ok: false, reason: 'wrong-password', user: { id: userId } });
      expect(await sessions.login('nobody', PASSWORD)).toEqual({ ok: false, reason: 'unknown-user' });
      const result = await sessions.login('GRACE', PASSWORD);
      if (!result.ok) throw new Error('login failed');
      expect(result.session.expiresAt).toBe('2030-01-01T12:00:00.000Z');
      const row = await database.db.selectFrom('sessions').selectAll().where('id', '=', result.session.id).executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain(result.secret);
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(await sessions.authenticate(result.secret)).toMatchObject({ user: { id: userId, role: 'viewer' }, session: { id: result.session.id } });
      expect(await sessions.authenticate(`${result.secret.slice(0, -1)}x`)).toBeUndefined();
    });

    it('ends a session at its expiry, at logout, and when its user is disabled', async () => {
      const a = await sessions.login('grace', PASSWORD);
      const b = await sessions.login('grace', PASSWORD);
      if (!a.ok || !b.ok) throw new Error('login failed');
      now = new Date(now.getTime() + 11.9 * 3_600_000);
      expect(await sessions.authenticate(a.secret)).toBeDefined();
      now = new Date(Date.parse(a.session.expiresAt));
      expect(await sessions.authenticate(a.secret)).toBeUndefined();
      now = new Date('2030-01-01T00:00:00Z');

      expect(await sessions.logout(b.session.id)).toBe(true);
      expect(await sessions.logout(b.session.id)).toBe(false);
      expect(await sessions.authenticate(b.secret)).toBeUndefined();

      const c = await sessions.login('grace', PASSWORD);
      if (!c.ok) throw new Error('login failed');
      await service.update(userId, { disabled: true }, by);
      expect(await sessions.authenticate(c.secret)).toBeUndefined();
      expect(await sessions.login('grace', PASSWORD)).toMatchObject({ ok: false, reason: 'disabled' });
      await service.update(userId, { disabled: false }, by);
      // Disabling deleted the session; enabling does not bring it back.
      expect(await sessions.authenticate(c.secret)).toBeUndefined();
    });

    it('a password change ends the other sessions, keeps the one it came from, and checks the current password', async () => {
      const keep = await sessions.login('grace', PASSWORD);
      const other = await sessions.login('grace', PASSWORD);
      if (!keep.ok || !other.ok) throw new Error('login failed');
      const wrong = await rejects(service.setPassword(userId, 'another long password', by, { currentPassword: 'not it at all', keepSessionId: keep.session.id }));
      expect(wrong).toMatchObject({ code: 'wrong-current-password', status: 400 });
      expect(await sessions.authenticate(other.secret)).toBeDefined();

      await service.setPassword(userId, 'another long password', by, { currentPassword: PASSWORD, keepSessionId: keep.session.id });
      expect(await sessions.authenticate(keep.secret)).toBeDefined();
      expect(await sessions.authenticate(other.secret)).toBeUndefined();
      expect((await sessions.login('grace', PASSWORD)).ok).toBe(false);
      expect((await sessions.login('grace', 'another long password')).ok).toBe(true);
    });

    it('deletes expired sessions in bulk', async () => {
      const repo = new SessionRepository(database.db);
      const s = await repo.insert({ userId, hash: 'f'.repeat(64), expiresAt: new Date('2000-01-01T00:00:00Z') });
      expect(await repo.deleteExpired(new Date('2001-01-01T00:00:00Z'))).toBeGreaterThanOrEqual(1);
      expect(await database.db.selectFrom('sessions').select('id').where('id', '=', s.id).executeTakeFirst()).toBeUndefined();
    });
  });

  describe('audit log', () => {
    const alice: Actor = { kind: 'user', id: 'u-alice', name: 'alice', role: 'admin' };
    const bot: Actor = { kind: 'token', id: 't-bot', name: 'deploy-bot', role: 'operator' };

    it('records the actor, action, target, detail and address of every change made through the service', async () => {
      const user = await service.create({ username: 'heidi', role: 'viewer', password: PASSWORD }, { actor: alice, ip: '198.51.100.7' });
      await service.update(user.id, { role: 'operator' }, { actor: alice, ip: '198.51.100.7' });
      const { items } = await new AuditRepository(database.db).list({ actor: 'u-alice' }, { limit: 10 });
      expect(items.map((e) => e.action)).toEqual(['user.updated', 'user.created']);
      expect(items[0]).toMatchObject({
        actor: { kind: 'user', id: 'u-alice', name: 'alice' },
        target: { type: 'user', id: user.id },
        detail: { username: 'heidi', changes: { role: { from: 'viewer', to: 'operator' } } },
        ip: '198.51.100.7',
      });
      expect(Date.parse(items[0]!.at)).toBeGreaterThan(Date.now() - 60_000);
      expect(JSON.stringify(items)).not.toMatch(/scrypt|long enough/);
    });

    it('filters by actor id or name, exact action or prefix, and time; pages newest first with a cursor', async () => {
      const audit = new AuditRepository(database.db);
      const start = new Date();
      for (let i = 0; i < 25; i++) {
        await audit.record({ actor: bot, action: i % 2 === 0 ? 'incident.acknowledged' : 'incident.commented', target: { type: 'incident', id: `inc-${i}` }, detail: { i }, ip: null });
      }
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await audit.list({ actor: 'deploy-bot', action: 'incident.*' }, { limit: 10, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((e) => e.detail.i as number));
        cursor = page.nextCursor ?? undefined;
        pages++;
        // An entry recorded while paging does not shift the pages that follow.
        if (pages === 1) await audit.record({ actor: bot, action: 'incident.acknowledged', target: null, detail: { i: 99 } });
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...Array(25).keys()].reverse());

      expect((await audit.list({ actor: 't-bot', action: 'incident.commented' }, { limit: 100 })).items).toHaveLength(12);
      expect((await audit.list({ action: 'incident' + '.*', since: new Date(Date.now() + 60_000) }, { limit: 100 })).items).toHaveLength(0);
      expect((await audit.list({ action: 'incident.acknowledged', since: start }, { limit: 100 })).items).toHaveLength(14);
      // `_` and `%` in a prefix are literal, not patterns.
      expect((await audit.list({ action: 'incident_.*' }, { limit: 100 })).items).toHaveLength(0);
      await expect(audit.list({}, { limit: 10, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(BadCursorError);
    });

    it('writes an entry in the transaction of its change: a rollback takes both away', async () => {
      await database.db
        .transaction()
        .execute(async (trx) => {
          await new AuditRepository(trx).record({ actor: alice, action: 'test.rolled-back', target: null });
          throw new Error('roll back');
        })
        .catch(() => undefined);
      expect((await new AuditRepository(database.db).list({ action: 'test.rolled-back' }, { limit: 10 })).items).toEqual([]);
    });
  });
});

/** A second, empty database of the same adapter. */
async function harnessDatabase(makeHarness: () => Promise<DatabaseHarness>): Promise<{ database: Database; close(): Promise<void> }> {
  const h = await makeHarness();
  const database = await h.open();
  return {
    database,
    async close() {
      await database.close();
      await h.cleanup();
    },
  };
}
