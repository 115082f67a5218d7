/**
 * Logging in and out, and recognising a session secret.
 *
 * Contract:
 * - `login` checks the password and, when it matches an enabled user, opens a session
 *   lasting `sessionHours` (an absolute lifetime: using a session does not extend it).
 *   Whatever fails, it takes about the time of one password check (an unknown username
 *   is checked against a dummy hash), so timing does not tell which part was wrong.
 *   At most 2 password checks run at once and 100 wait; past that `login` throws
 *   GateFullError (the route answers 503 with Retry-After).
 * - `authenticate` asks the store on every call, so a logout, a password change or a
 *   disabled user takes effect at once in every process. Use is recorded at most once a
 *   minute per session, in the background; `close()` waits for those writes.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../db/tables.ts';
import { DEFAULT_SCRYPT, type ScryptParams, hashPassword, needsRehash, verifyPassword } from './password-hash.ts';
import { type Session, hashSessionSecret, looksLikeSessionSecret, newSessionSecret } from './session.ts';
import { SESSION_SEEN_RESOLUTION_MS, SessionRepository } from './session-repository.ts';
import { WorkGate } from './work-gate.ts';
import type { User } from './user.ts';
import { UserRepository } from './user-repository.ts';

export type LoginResult =
  | { ok: true; user: User; session: Session; secret: string }
  /** `user` is set when the username exists (for the audit log; never for the client). */
  | { ok: false; reason: 'unknown-user' | 'wrong-password' | 'disabled'; user?: User };

export interface SessionServiceOptions {
  db: Kysely<DB>;
  sessionHours: number;
  logger: Pick<Logger, 'warn'>;
  hashParams?: ScryptParams;
  now?: () => Date;
}

export class SessionService {
  private readonly db: Kysely<DB>;
  private readonly lifetimeMs: number;
  private readonly log: Pick<Logger, 'warn'>;
  private readonly hashParams: ScryptParams;
  private readonly now: () => Date;
  private dummyHash: Promise<string> | undefined;
  /** Leaves libuv's other two threads (of four) to file and network I/O. */
  private readonly passwordChecks = new WorkGate(2, 100);
  private readonly writes = new Set<Promise<void>>();

  constructor(opts: SessionServiceOptions) {
    this.db = opts.db;
    this.lifetimeMs = opts.sessionHours * 3_600_000;
    this.log = opts.logger;
    this.hashParams = opts.hashParams ?? DEFAULT_SCRYPT;
    this.now = opts.now ?? (() => new Date());
  }

  async login(username: string, password: string): Promise<LoginResult> {
    const users = new UserRepository(this.db);
    const found = await users.findForLogin(username);
    const stored = found ? found.passwordHash : await (this.dummyHash ??= hashPassword(`dummy-${Math.random()}`, this.hashParams));
    const matches = await this.passwordChecks.run(() => verifyPassword(password, stored));
    if (!found) return { ok: false, reason: 'unknown-user' };
    if (!matches) return { ok: false, reason: 'wrong-password', user: found.user };
    if (found.user.disabledAt !== null) return { ok: false, reason: 'disabled', user: found.user };
    if (needsRehash(found.passwordHash, this.hashParams)) {
      // Raised cost parameters reach each stored hash at its owner's next login.
      await users.setPasswordHash(found.user.id, await hashPassword(password, this.hashParams));
    }
    const now = this.now();
    const sessions = new SessionRepository(this.db);
    // Expired sessions are swept here: logins are rare enough, and the index makes it cheap.
    await sessions.deleteExpired(now);
    const { secret, hash } = newSessionSecret();
    const session = await sessions.insert({ userId: found.user.id, hash, expiresAt: new Date(now.getTime() + this.lifetimeMs) }, now);
    return { ok: true, user: found.user, session, secret };
  }

  /** The session with this secret and its user, or undefined (unknown, expired, logged out, user disabled). */
  async authenticate(secret: string): Promise<{ user: User; session: Session } | undefined> {
    if (!looksLikeSessionSecret(secret)) return undefined;
    const now = this.now();
    const found = await new SessionRepository(this.db).findActive(hashSessionSecret(secret), now);
    if (!found) return undefined;
    if (now.getTime() - Date.parse(found.session.lastSeenAt) >= SESSION_SEEN_RESOLUTION_MS) this.recordUse(found.session.id, now);
    return found;
  }

  /** Whether a session was ended. */
  async logout(sessionId: string): Promise<boolean> {
    return new SessionRepository(this.db).delete(sessionId);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.writes]);
  }

  private recordUse(sessionId: string, now: Date): void {
    const write = new SessionRepository(this.db).touch(sessionId, now).catch((err: unknown) => {
      this.log.warn({ err }, 'could not record when a session was last used');
    });
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }
}
