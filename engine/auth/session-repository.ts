/**
 * Login sessions in the relational store, found by the hash of their secret; never sees
 * a secret. A session is active until it expires, is deleted (logout, password change,
 * user disabled), or its user is disabled. The caller owns the transaction.
 */
import { randomUUID } from 'node:crypto';
import { type Executor, iso } from '../db/executor.ts';
import type { UserRole } from './roles.ts';
import type { Session } from './session.ts';
import type { User } from './user.ts';

/** last_seen_at is written at most this often per session. */
export const SESSION_SEEN_RESOLUTION_MS = 60_000;

export class SessionRepository {
  constructor(private readonly db: Executor) {}

  async insert(init: { userId: string; hash: string; expiresAt: Date }, now: Date = new Date()): Promise<Session> {
    const row = await this.db
      .insertInto('sessions')
      .values({ id: randomUUID(), token_hash: init.hash, user_id: init.userId, created_at: now, expires_at: init.expiresAt, last_seen_at: now })
      .returning(['id', 'user_id', 'created_at', 'expires_at', 'last_seen_at'])
      .executeTakeFirstOrThrow();
    return { id: row.id, userId: row.user_id, createdAt: iso(row.created_at), expiresAt: iso(row.expires_at), lastSeenAt: iso(row.last_seen_at) };
  }

  /** The unexpired session with this secret hash and its user, unless the user is disabled. */
  async findActive(hash: string, now: Date = new Date()): Promise<{ session: Session; user: User } | undefined> {
    const row = await this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['s.id', 's.user_id', 's.created_at', 's.expires_at', 's.last_seen_at', 'u.username', 'u.display_name', 'u.role', 'u.created_at as user_created_at'])
      .where('s.token_hash', '=', hash)
      .where('s.expires_at', '>', now)
      .where('u.disabled_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      session: { id: row.id, userId: row.user_id, createdAt: iso(row.created_at), expiresAt: iso(row.expires_at), lastSeenAt: iso(row.last_seen_at) },
      user: { id: row.user_id, username: row.username, displayName: row.display_name, role: row.role as UserRole, createdAt: iso(row.user_created_at), disabledAt: null },
    };
  }

  /** Records use, unless it was recorded less than a minute ago. */
  async touch(id: string, now: Date = new Date()): Promise<void> {
    const before = new Date(now.getTime() - SESSION_SEEN_RESOLUTION_MS);
    await this.db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).where('last_seen_at', '<', before).execute();
  }

  /** Which of these sessions are still active (unexpired, not deleted, user not disabled). */
  async activeIds(ids: readonly string[], now: Date = new Date()): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select('s.id')
      .where('s.id', 'in', [...ids])
      .where('s.expires_at', '>', now)
      .where('u.disabled_at', 'is', null)
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /** Whether a session was deleted. */
  async delete(id: string): Promise<boolean> {
    const row = await this.db.deleteFrom('sessions').where('id', '=', id).returning('id').executeTakeFirst();
    return row !== undefined;
  }

  /** Ends every session of a user, but `exceptId`; returns how many. */
  async deleteForUser(userId: string, exceptId?: string): Promise<number> {
    let q = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
    const rows = await q.returning('id').execute();
    return rows.length;
  }

  async deleteExpired(now: Date = new Date()): Promise<number> {
    const rows = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).returning('id').execute();
    return rows.length;
  }
}
