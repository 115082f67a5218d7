/**
 * The pure parts of access: scrypt password hashes (format, salts, parameters read back
 * from the hash, tampered hashes), the role model and its permissions, API token scopes
 * as roles, the failed-login throttle, and the session cookie.
 */
import { describe, expect, it } from 'vitest';
import { TOKEN_SCOPES } from '../../engine/auth/api-token.ts';
import { LoginThrottle } from '../../engine/auth/login-throttle.ts';
import { DEFAULT_SCRYPT, generatePassword, hashPassword, needsRehash, passwordProblem, verifyPassword } from '../../engine/auth/password-hash.ts';
import { PERMISSIONS, USER_ROLES, hasPermission, highestRole, permissionsOf, roleAtLeast } from '../../engine/auth/roles.ts';
import { looksLikeSessionSecret, newSessionSecret } from '../../engine/auth/session.ts';
import { looksLikeTokenSecret } from '../../engine/auth/api-token.ts';
import { GateFullError, WorkGate } from '../../engine/auth/work-gate.ts';
import { clearedSessionCookie, readSessionCookie, sessionCookie } from '../../web/session-cookie.ts';

const CHEAP = { N: 2 ** 10, r: 8, p: 1 };

describe('password hashing (scrypt)', () => {
  it('stores the parameters, a per-password salt and the key, and verifies only the right password', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash: the same password twice gives two different hashes, both verifying', async () => {
    const [a, b] = await Promise.all([hashPassword('same password here', CHEAP), hashPassword('same password here', CHEAP)]);
    expect(a).not.toBe(b);
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
    expect(await verifyPassword('same password here', a)).toBe(true);
    expect(await verifyPassword('same password here', b)).toBe(true);
  });

  it('verifies with the parameters stored in the hash, and says when they are below the default', async () => {
    const cheap = await hashPassword('an older password', CHEAP);
    expect(cheap.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('an older password', cheap)).toBe(true);
    expect(needsRehash(cheap)).toBe(true);
    expect(needsRehash(await hashPassword('a current password', DEFAULT_SCRYPT))).toBe(false);
  });

  it('treats a hash that does not parse, or asks for too much memory, as never matching', async () => {
    const good = await hashPassword('tamper with me please', CHEAP);
    const [, , r, p, salt, key] = good.split('$');
    for (const bad of [
      '',
      'tamper with me please',
      good.replace('scrypt$', 'bcrypt$'),
      `scrypt$1000$${r}$${p}$${salt}$${key}`, // N not a power of two
      `scrypt$${2 ** 24}$8$1$${salt}$${key}`, // 16 GiB
      `scrypt$1024$${r}$${p}$${salt}$${key!.slice(0, 10)}`, // key too short
      `${good}$extra`,
    ]) {
      expect(await verifyPassword('tamper with me please', bad), bad).toBe(false);
    }
  });

  it('compares Unicode passwords in one normal form', async () => {
    const composed = 'pässwörd-\u00e9té-long';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect(await verifyPassword(decomposed, await hashPassword(composed, CHEAP))).toBe(true);
  });

  it('has length rules and generates passwords that pass them', () => {
    expect(passwordProblem('short')).toMatch(/at least 12/);
    expect(passwordProblem(' '.repeat(20))).toMatch(/not only spaces/);
    expect(passwordProblem('x'.repeat(1025))).toMatch(/at most 1024/);
    expect(passwordProblem('twelve chars')).toBeUndefined();
    const generated = generatePassword();
    expect(generated).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(passwordProblem(generated)).toBeUndefined();
    expect(generatePassword()).not.toBe(generated);
  });
});

describe('roles and permissions', () => {
  it('orders the roles viewer < operator < problem-manager < admin, each holding the permissions below it', () => {
    expect(USER_ROLES).toEqual(['viewer', 'operator', 'problem-manager', 'admin']);
    const table = Object.fromEntries(USER_ROLES.map((r) => [r, permissionsOf(r)]));
    expect(table).toEqual({
      viewer: ['incident:read', 'problem:read', 'topology:read'],
      operator: ['incident:read', 'incident:write', 'suppression:write', 'problem:read', 'topology:read'],
      'problem-manager': ['incident:read', 'incident:write', 'suppression:write', 'problem:read', 'problem:write', 'change:write', 'topology:read'],
      admin: [...PERMISSIONS],
    });
    for (let i = 1; i < USER_ROLES.length; i++) {
      const lower = permissionsOf(USER_ROLES[i - 1]!);
      expect(permissionsOf(USER_ROLES[i]!)).toEqual(expect.arrayContaining(lower));
      expect(roleAtLeast(USER_ROLES[i]!, USER_ROLES[i - 1]!)).toBe(true);
      expect(roleAtLeast(USER_ROLES[i - 1]!, USER_ROLES[i]!)).toBe(false);
    }
  });

  it('answers the checks the routes make', () => {
    expect(hasPermission('viewer', 'incident:read')).toBe(true);
    expect(hasPermission('viewer', 'incident:write')).toBe(false);
    expect(hasPermission('operator', 'incident:write')).toBe(true);
    expect(hasPermission('operator', 'problem:write')).toBe(false);
    expect(hasPermission('problem-manager', 'problem:write')).toBe(true);
    expect(hasPermission('problem-manager', 'admin')).toBe(false);
    expect(hasPermission('admin', 'admin')).toBe(true);
    expect(hasPermission(null, 'incident:read')).toBe(false);
    expect(permissionsOf(null)).toEqual([]);
  });

  it('gives an API token the highest role among its scopes; ingest alone is no role', () => {
    for (const role of USER_ROLES) expect(TOKEN_SCOPES).toContain(role);
    expect(highestRole(['ingest'])).toBeNull();
    expect(highestRole([])).toBeNull();
    expect(highestRole(['ingest', 'viewer'])).toBe('viewer');
    expect(highestRole(['operator', 'viewer', 'ingest'])).toBe('operator');
    expect(highestRole(['ingest', 'admin'])).toBe('admin');
    expect(highestRole(['viewer', 'admin', 'problem-manager'])).toBe('admin');
  });
});

describe('failed-login throttle (in memory)', () => {
  it('refuses a username and address after five failures until the window ends; others are not affected', () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle({ now: () => now });
    const key = LoginThrottle.key('Alice', '10.0.0.1');
    expect(LoginThrottle.key(' alice ', '10.0.0.1')).toBe(key);
    for (let i = 1; i <= 4; i++) {
      expect(throttle.fail(key)).toBe(false);
      expect(throttle.retryAfterSeconds(key)).toBe(0);
    }
    expect(throttle.fail(key)).toBe(true);
    expect(throttle.retryAfterSeconds(key)).toBe(15 * 60);
    expect(throttle.retryAfterSeconds(LoginThrottle.key('alice', '10.0.0.2'))).toBe(0);
    expect(throttle.retryAfterSeconds(LoginThrottle.key('bob', '10.0.0.1'))).toBe(0);
    now += 14 * 60_000;
    expect(throttle.retryAfterSeconds(key)).toBe(60);
    now += 60_000;
    expect(throttle.retryAfterSeconds(key)).toBe(0);
    expect(throttle.fail(key)).toBe(false);
  });

  it('forgets a pair on success, and holds at most maxKeys pairs', () => {
    const throttle = new LoginThrottle({ maxFailures: 2, maxKeys: 3 });
    throttle.fail('a');
    throttle.succeed('a');
    throttle.fail('a');
    expect(throttle.retryAfterSeconds('a')).toBe(0);
    throttle.fail('a');
    expect(throttle.retryAfterSeconds('a')).toBeGreaterThan(0);
    for (const k of ['b', 'c', 'd']) throttle.fail(k);
    // 'a', the oldest, made room.
    expect(throttle.retryAfterSeconds('a')).toBe(0);
  });
});

describe('work gate (bounded password checks)', () => {
  it('runs at most `concurrency` at once, queues up to `maxWaiting`, and refuses beyond', async () => {
    const gate = new WorkGate(2, 1);
    let running = 0;
    let peak = 0;
    const releases: Array<() => void> = [];
    const job = () =>
      gate.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => releases.push(r));
        running--;
        return 'done';
      });
    const jobs = [job(), job(), job()];
    await expect(job()).rejects.toBeInstanceOf(GateFullError);
    await new Promise((r) => setImmediate(r));
    expect(releases).toHaveLength(2);
    releases.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(releases).toHaveLength(2);
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(jobs)).toEqual(['done', 'done', 'done']);
    expect(peak).toBe(2);
    // Slots are given back, failures included.
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await Promise.all([gate.run(async () => 1), gate.run(async () => 2), gate.run(async () => 3)])).toEqual([1, 2, 3]);
  });
});

describe('session secrets and the session cookie', () => {
  it('tells session secrets from API token secrets by their shape', () => {
    const { secret, hash } = newSessionSecret();
    expect(secret).toMatch(/^aiops_s_[A-Za-z0-9_-]{43}$/);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(looksLikeSessionSecret(secret)).toBe(true);
    expect(looksLikeTokenSecret(secret)).toBe(false);
  });

  it('is HttpOnly, SameSite=Strict, Path=/, Secure only when asked', () => {
    expect(sessionCookie('s3cret', 3600.7, false)).toBe('aiops_session=s3cret; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict');
    expect(sessionCookie('s3cret', 60, true)).toMatch(/; Secure$/);
    expect(clearedSessionCookie(false)).toMatch(/^aiops_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
    expect(readSessionCookie('theme=dark; aiops_session=abc ; other=1')).toBe('abc');
    expect(readSessionCookie('aiops_session_old=x; theme=dark')).toBeUndefined();
    expect(readSessionCookie('aiops_session=')).toBeUndefined();
    expect(readSessionCookie(undefined)).toBeUndefined();
  });
});
