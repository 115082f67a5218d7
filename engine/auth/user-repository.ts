/**
 * Users in the relational store. Returns domain Users; the password hash leaves this
 * file only through `findForLogin`. Usernames are looked up and stored lowercased.
 * The caller owns the transaction.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { type Executor, iso, isoOrNull } from '../db/executor.ts';
import type { UserRole } from './roles.ts';
import { type User, normalizeUsername } from './user.ts';

const COLUMNS = ['id', 'username', 'display_name', 'role', 'created_at', 'disabled_at'] as const;

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: string;
  created_at: Date;
  disabled_at: Date | null;
}

export interface UserChanges {
  role?: UserRole;
  displayName?: string;
  /** true disables now (unless already disabled), false enables. */
  disabled?: boolean;
}

export class UserRepository {
  constructor(private readonly db: Executor) {}

  /** Throws on a duplicate username (Postgres unique violation, code 23505). */
  async insert(init: { username: string; displayName: string; role: UserRole; passwordHash: string }): Promise<User> {
    const row = await this.db
      .insertInto('users')
      .values({ id: randomUUID(), username: normalizeUsername(init.username), display_name: init.displayName, role: init.role, password_hash: init.passwordHash })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toUser(row);
  }

  async get(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async findByUsername(username: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').select(COLUMNS).where('username', '=', normalizeUsername(username)).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  /** The user with their password hash, for checking a password and nothing else. */
  async findForLogin(username: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const row = await this.db
      .selectFrom('users')
      .select([...COLUMNS, 'password_hash'])
      .where('username', '=', normalizeUsername(username))
      .executeTakeFirst();
    return row ? { user: toUser(row), passwordHash: row.password_hash } : undefined;
  }

  async passwordHashOf(id: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirst();
    return row?.password_hash;
  }

  /** Alphabetical by username. */
  async list(page: { limit: number; offset: number }): Promise<User[]> {
    const rows = await this.db.selectFrom('users').select(COLUMNS).orderBy('username').limit(page.limit).offset(page.offset).execute();
    return rows.map(toUser);
  }

  async count(): Promise<number> {
    const { n } = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(n);
  }

  /** Admins who can sign in, leaving out `exceptId`. */
  async countActiveAdmins(exceptId?: string): Promise<number> {
    let q = this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', 'admin').where('disabled_at', 'is', null);
    if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
    const { n } = await q.executeTakeFirstOrThrow();
    return Number(n);
  }

  /** The updated user, or undefined when there is no such user. */
  async update(id: string, changes: UserChanges, now: Date = new Date()): Promise<User | undefined> {
    const set: { role?: string; display_name?: string; disabled_at?: Date | null } = {};
    if (changes.role !== undefined) set.role = changes.role;
    if (changes.displayName !== undefined) set.display_name = changes.displayName;
    if (changes.disabled === false) set.disabled_at = null;
    if (Object.keys(set).length === 0 && changes.disabled !== true) return this.get(id);
    let q = this.db.updateTable('users').where('id', '=', id);
    // Disabling keeps the first time it happened.
    q = changes.disabled === true ? q.set({ ...set, disabled_at: sql<Date>`coalesce(disabled_at, ${now})` }) : q.set(set);
    const row = await q.returning(COLUMNS).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<boolean> {
    const row = await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).returning('id').executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Serializes changes that must see every user ("create the first admin", "never
   * remove the last admin") across processes, for the rest of the caller's transaction.
   */
  async lockUsers(): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext('aiops'), hashtext('users'))`.execute(this.db);
  }
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role as UserRole,
    createdAt: iso(row.created_at),
    disabledAt: isoOrNull(row.disabled_at),
  };
}
