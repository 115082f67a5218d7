/**
 * The rules about users, shared by the API, the CLI and start-up:
 *
 * - a password is hashed here and nowhere else, and must pass `passwordProblem`;
 * - a username is taken once, without regard to case;
 * - the last admin who can sign in cannot be demoted or disabled (nobody could manage
 *   users any more); the check and the change run under one lock, in one transaction;
 * - disabling a user or changing a password ends the user's sessions (a password change
 *   keeps the session it was made from);
 * - every change is recorded in the audit log in the transaction that makes it.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/tables.ts';
import { AppError, badRequest, notFound } from '../errors/app-error.ts';
import type { Actor } from './actor.ts';
import { AuditRepository } from './audit-repository.ts';
import { DEFAULT_SCRYPT, type ScryptParams, hashPassword, passwordProblem, verifyPassword } from './password-hash.ts';
import type { UserRole } from './roles.ts';
import { SessionRepository } from './session-repository.ts';
import type { User } from './user.ts';
import { type UserChanges, UserRepository } from './user-repository.ts';
import { isValidUsername, normalizeUsername } from './user.ts';

/** Who asks for a change, for the audit log. */
export interface ChangeContext {
  actor: Actor;
  ip: string | null;
}

export interface NewUser {
  username: string;
  displayName?: string;
  role: UserRole;
  password: string;
}

export class UserService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly hashParams: ScryptParams = DEFAULT_SCRYPT,
  ) {}

  /** 409 `username-taken` when the name is in use; 400 for a bad username or password. */
  async create(input: NewUser, by: ChangeContext): Promise<User> {
    const passwordHash = await this.checkedHash(input.password);
    return this.db.transaction().execute(async (trx) => {
      const users = new UserRepository(trx);
      await users.lockUsers();
      return this.insert(users, new AuditRepository(trx), input, passwordHash, by);
    });
  }

  /**
   * Creates `input` only if no user exists yet (the first admin, from the CLI or from
   * ADMIN_USERNAME at start); undefined when some user already exists.
   */
  async createFirst(input: NewUser, by: ChangeContext): Promise<User | undefined> {
    const passwordHash = await this.checkedHash(input.password);
    return this.db.transaction().execute(async (trx) => {
      const users = new UserRepository(trx);
      await users.lockUsers();
      if ((await users.count()) > 0) return undefined;
      return this.insert(users, new AuditRepository(trx), input, passwordHash, by);
    });
  }

  /** 404 for an unknown user; 409 `last-admin` when the change would leave no admin. */
  async update(id: string, changes: UserChanges, by: ChangeContext): Promise<User> {
    return this.db.transaction().execute(async (trx) => {
      const users = new UserRepository(trx);
      await users.lockUsers();
      const before = await users.get(id);
      if (!before) throw notFound(`user ${id}`);
      const losesAdmin = before.role === 'admin' && before.disabledAt === null && ((changes.role !== undefined && changes.role !== 'admin') || changes.disabled === true);
      if (losesAdmin && (await users.countActiveAdmins(id)) === 0) {
        throw new AppError({ code: 'last-admin', status: 409, title: 'Conflict', detail: `${before.username} is the last admin who can sign in: make another admin first` });
      }
      const after = (await users.update(id, changes))!;
      let sessionsEnded = 0;
      if (after.disabledAt !== null) sessionsEnded = await new SessionRepository(trx).deleteForUser(id);
      const diff: Record<string, { from: unknown; to: unknown }> = {};
      if (before.role !== after.role) diff.role = { from: before.role, to: after.role };
      if (before.displayName !== after.displayName) diff.displayName = { from: before.displayName, to: after.displayName };
      if ((before.disabledAt === null) !== (after.disabledAt === null)) diff.disabled = { from: before.disabledAt !== null, to: after.disabledAt !== null };
      if (Object.keys(diff).length > 0) {
        await new AuditRepository(trx).record({
          ...by,
          action: 'user.updated',
          target: { type: 'user', id },
          detail: { username: after.username, changes: diff, ...(sessionsEnded > 0 ? { sessionsEnded } : {}) },
        });
      }
      return after;
    });
  }

  /**
   * Sets a new password and ends the user's other sessions (all of them unless
   * `keepSessionId`). With `currentPassword`, it must match first (400
   * `wrong-current-password`): people changing their own password prove they know it.
   */
  async setPassword(id: string, password: string, by: ChangeContext, opts: { currentPassword?: string; keepSessionId?: string } = {}): Promise<void> {
    const users = new UserRepository(this.db);
    const stored = await users.passwordHashOf(id);
    if (stored === undefined) throw notFound(`user ${id}`);
    if (opts.currentPassword !== undefined && !(await verifyPassword(opts.currentPassword, stored))) {
      throw new AppError({ code: 'wrong-current-password', status: 400, title: 'The current password is wrong', detail: 'currentPassword does not match' });
    }
    const passwordHash = await this.checkedHash(password);
    await this.db.transaction().execute(async (trx) => {
      if (!(await new UserRepository(trx).setPasswordHash(id, passwordHash))) throw notFound(`user ${id}`);
      const sessionsEnded = await new SessionRepository(trx).deleteForUser(id, opts.keepSessionId);
      await new AuditRepository(trx).record({ ...by, action: 'user.password.changed', target: { type: 'user', id }, detail: { sessionsEnded } });
    });
  }

  private async insert(users: UserRepository, audit: AuditRepository, input: NewUser, passwordHash: string, by: ChangeContext): Promise<User> {
    const username = normalizeUsername(input.username);
    if (!isValidUsername(username)) throw badRequest(`username ${JSON.stringify(input.username)} is not valid`, [{ field: 'body/username', message: 'letters, digits and ._@- only, at most 64' }]);
    if (await users.findByUsername(username)) {
      throw new AppError({ code: 'username-taken', status: 409, title: 'Conflict', detail: `username ${username} is taken` });
    }
    const user = await users.insert({ username, displayName: input.displayName?.trim() || username, role: input.role, passwordHash });
    await audit.record({ ...by, action: 'user.created', target: { type: 'user', id: user.id }, detail: { username: user.username, role: user.role } });
    return user;
  }

  private async checkedHash(password: string): Promise<string> {
    const problem = passwordProblem(password);
    if (problem) throw badRequest(problem, [{ field: 'body/password', message: problem }]);
    return hashPassword(password, this.hashParams);
  }
}
