/**
 * The first admin, never from a built-in password: the CLI (`users create`, run as a
 * child process, on real Postgres and on the embedded database), ADMIN_USERNAME with
 * ADMIN_PASSWORD_FILE at start, the hint logged when no user exists, and the
 * configuration of web auth.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../bin/runtime.ts';
import { AuditRepository } from '../../engine/auth/audit-repository.ts';
import { UserRepository } from '../../engine/auth/user-repository.ts';
import { ConfigError, loadConfig } from '../../engine/config/config.ts';
import { testEnvironment } from '../support/test-runtime.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
/** Cases that run the CLI: each run is a child process that starts tsx, then opens and migrates the database. */
const CLI_RUNS = { timeout: 90_000 };

/** `npx tsx bin/cli.ts …` with only the given environment; never throws on a non-zero exit. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'bin/cli.ts', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A runtime whose log lines are kept, with web auth on. */
async function start(env: Record<string, string>): Promise<{ rt: Runtime; logs: string[] }> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const rt = await startRuntime(loadConfig({ ...env, WEB_AUTH: 'required', LOG_LEVEL: 'info' }), pino({ level: 'info' }, sink));
  await rt.app.ready();
  return { rt, logs };
}

function login(rt: Runtime, username: string, password: string) {
  return rt.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
}

describe('first admin from the CLI on real Postgres', () => {
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  let rt: Runtime;
  let logs: string[];
  let dir: string;

  beforeAll(async () => {
    const te = await testEnvironment('real');
    env = te.env;
    cleanup = te.cleanup;
    dir = await mkdtemp(path.join(tmpdir(), 'aiops-first-admin-'));
    ({ rt, logs } = await start(env));
  });
  afterAll(async () => {
    await rt?.stop();
    await cleanup?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('says at start, with no user yet, how to create the first admin', () => {
    const text = logs.join('');
    expect(text).toContain('no user exists yet, so nobody can sign in to the console');
    expect(text).toContain('npm run cli -- users create --username <name> --role admin');
    expect(text).toContain('ADMIN_USERNAME and ADMIN_PASSWORD_FILE');
  });

  it('creates an admin with the password from --password-file, prompting nothing, who can then sign in', CLI_RUNS, async () => {
    const file = path.join(dir, 'alice-password');
    await writeFile(file, 'alice-has-a-long-password\n', { mode: 0o600 });
    const res = await cli(['users', 'create', '--username', 'alice', '--role', 'admin', '--display-name', 'Alice A.', '--password-file', file], { DATABASE_URL: env.DATABASE_URL! });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/created user alice \(admin\)/);
    const signedIn = await login(rt, 'alice', 'alice-has-a-long-password');
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    expect(signedIn.json().user).toMatchObject({ username: 'alice', displayName: 'Alice A.', role: 'admin' });

    const { items } = await new AuditRepository(rt.adapters.database.db).list({ action: 'user.created' }, { limit: 10 });
    expect(items[0]).toMatchObject({ actor: { kind: 'system', id: null, name: 'cli' }, detail: { username: 'alice', role: 'admin' }, ip: null });
  });

  it('generates a password and prints it once, alone on stdout, when no file is given', CLI_RUNS, async () => {
    const res = await cli(['users', 'create', '--username', 'Bob', '--role', 'operator'], { DATABASE_URL: env.DATABASE_URL! });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^[A-Za-z0-9_-]{24}\n$/);
    expect(res.stderr).toMatch(/shown only this once/);
    const signedIn = await login(rt, 'bob', res.stdout.trim());
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().user.role).toBe('operator');

    const json = await cli(['users', 'create', '--username', 'carol', '--role', 'viewer', '--json'], { DATABASE_URL: env.DATABASE_URL! });
    expect(json.code, json.stderr).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body.user).toMatchObject({ username: 'carol', role: 'viewer' });
    expect((await login(rt, 'carol', body.password)).statusCode).toBe(200);
  });

  it('refuses a taken username (exit 1), a bad role or a weak password file (exit 2), creating nothing', CLI_RUNS, async () => {
    const before = await new UserRepository(rt.adapters.database.db).count();
    const taken = await cli(['users', 'create', '--username', 'ALICE', '--role', 'viewer'], { DATABASE_URL: env.DATABASE_URL! });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/username alice is taken/);
    const badRole = await cli(['users', 'create', '--username', 'dave', '--role', 'root'], { DATABASE_URL: env.DATABASE_URL! });
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/--role must be one of viewer, operator, problem-manager, admin/);
    const weak = path.join(dir, 'weak');
    await writeFile(weak, 'short\n');
    const weakRes = await cli(['users', 'create', '--username', 'dave', '--role', 'viewer', '--password-file', weak], { DATABASE_URL: env.DATABASE_URL! });
    expect(weakRes.code).toBe(2);
    expect(weakRes.stderr).toMatch(/at least 12 characters/);
    expect(weakRes.stderr).not.toContain('short\n');
    const missing = await cli(['users', 'create', '--username', 'dave', '--role', 'viewer', '--password-file', path.join(dir, 'nope')], { DATABASE_URL: env.DATABASE_URL! });
    expect(missing.code).toBe(2);
    expect(await new UserRepository(rt.adapters.database.db).count()).toBe(before);
  });

  it('lists users without hashes, and sets a new password that ends the user\'s sessions', CLI_RUNS, async () => {
    const list = await cli(['users', 'list'], { DATABASE_URL: env.DATABASE_URL! });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/alice\s+Alice A\.\s+admin/);
    expect(list.stdout).not.toMatch(/scrypt/);

    const session = (await login(rt, 'alice', 'alice-has-a-long-password')).json().token;
    const reset = await cli(['users', 'set-password', '--username', 'alice'], { DATABASE_URL: env.DATABASE_URL! });
    expect(reset.code, reset.stderr).toBe(0);
    const password = reset.stdout.trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect((await rt.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${session}` } })).statusCode).toBe(401);
    expect((await login(rt, 'alice', 'alice-has-a-long-password')).statusCode).toBe(401);
    expect((await login(rt, 'alice', password)).statusCode).toBe(200);
    expect((await cli(['users', 'set-password', '--username', 'nobody'], { DATABASE_URL: env.DATABASE_URL! })).code).toBe(1);
  });
});

describe('first admin on embedded defaults', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'aiops-first-admin-embedded-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('CLI: creates the admin in DATA_DIR while the server is stopped; the server then signs them in', CLI_RUNS, async () => {
    const dataDir = path.join(root, 'cli');
    const file = path.join(root, 'cli-password');
    await writeFile(file, 'embedded-admin-password');
    const res = await cli(['users', 'create', '--username', 'root-admin', '--role', 'admin', '--password-file', file], { DATA_DIR: dataDir });
    expect(res.code, res.stderr).toBe(0);
    const { rt, logs } = await start({ DATA_DIR: dataDir, INGEST_AUTH: 'disabled' });
    try {
      expect(logs.join('')).not.toContain('no user exists yet');
      const signedIn = await login(rt, 'root-admin', 'embedded-admin-password');
      expect(signedIn.statusCode).toBe(200);
      expect(signedIn.json().user.role).toBe('admin');
      // While the server runs, the CLI cannot open the embedded database, and says so.
      const busy = await cli(['users', 'list'], { DATA_DIR: dataDir });
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/\/api\/v1\/users/);
    } finally {
      await rt.stop();
    }
  });

  it('config: ADMIN_USERNAME and ADMIN_PASSWORD_FILE create the admin at the first start only; the file may go afterwards', async () => {
    const dataDir = path.join(root, 'config');
    const file = path.join(root, 'config-password');
    await writeFile(file, 'from-the-config-file\n', { mode: 0o600 });
    const env = { DATA_DIR: dataDir, INGEST_AUTH: 'disabled', ADMIN_USERNAME: 'Ops.Lead', ADMIN_PASSWORD_FILE: file };
    const first = await start(env);
    try {
      expect(first.logs.join('')).toContain('created the first admin, ops.lead');
      expect(first.logs.join('')).not.toContain('from-the-config-file');
      const signedIn = await login(first.rt, 'ops.lead', 'from-the-config-file');
      expect(signedIn.statusCode, signedIn.body).toBe(200);
      expect(signedIn.json().user.role).toBe('admin');
      const entries = await new AuditRepository(first.rt.adapters.database.db).list({ action: 'user.created' }, { limit: 10 });
      expect(entries.items[0]!.actor).toEqual({ kind: 'system', id: null, name: 'config' });
    } finally {
      await first.rt.stop();
    }

    await unlink(file);
    const second = await start(env);
    try {
      expect(await new UserRepository(second.rt.adapters.database.db).count()).toBe(1);
      expect(second.logs.join('')).not.toContain('created the first admin');
    } finally {
      await second.rt.stop();
    }
  });

  // Two embedded starts (each opens PGlite): slow on a busy 2-core machine.
  it('config: refuses to start when ADMIN_PASSWORD_FILE cannot be read or holds a weak password', { timeout: 90_000 }, async () => {
    await expect(start({ DATA_DIR: path.join(root, 'missing'), ADMIN_USERNAME: 'x', ADMIN_PASSWORD_FILE: path.join(root, 'no-such-file') })).rejects.toThrow(/ADMIN_PASSWORD_FILE .* cannot be read \(ENOENT\)/);
    const weak = path.join(root, 'weak-password');
    await writeFile(weak, 'admin\n');
    await expect(start({ DATA_DIR: path.join(root, 'weak'), ADMIN_USERNAME: 'x', ADMIN_PASSWORD_FILE: weak })).rejects.toThrow(/first admin .* cannot be created: a password has at least 12 characters/);
  });

  it('logs how to create the first admin when no user exists', async () => {
    const { rt, logs } = await start({ DATA_DIR: path.join(root, 'none'), INGEST_AUTH: 'disabled' });
    try {
      const text = logs.join('');
      expect(text).toContain('no user exists yet');
      expect(text).toContain('stop the server and run `npm run cli -- users create --username <name> --role admin');
      expect((await rt.app.inject({ method: 'GET', url: '/api/v1/incidents' })).statusCode).toBe(401);
    } finally {
      await rt.stop();
    }
  });
});

describe('web auth configuration', () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  };

  it('requires web auth by default, with 12-hour sessions and no built-in admin', () => {
    const c = loadConfig({});
    expect(c.auth).toMatchObject({ web: 'required', sessionHours: 12, sessionCookieSecure: false, firstAdmin: undefined });
    const set = loadConfig({ WEB_AUTH: 'disabled', SESSION_HOURS: '1', SESSION_COOKIE_SECURE: 'true', ADMIN_USERNAME: 'alice', ADMIN_PASSWORD_FILE: 'secrets/alice' });
    expect(set.auth).toMatchObject({ web: 'disabled', sessionHours: 1, sessionCookieSecure: true, firstAdmin: { username: 'alice', passwordFile: path.resolve('secrets/alice') } });
  });

  it('lists every problem at once', () => {
    expect(problems({ WEB_AUTH: 'off', SESSION_HOURS: '0', SESSION_COOKIE_SECURE: 'yes', ADMIN_USERNAME: 'alice' })).toEqual([
      'WEB_AUTH="off" must be one of required, disabled',
      'SESSION_HOURS=0 is outside 1..2160',
      'SESSION_COOKIE_SECURE="yes" must be one of true, false',
      'ADMIN_USERNAME and ADMIN_PASSWORD_FILE go together: set both (the first admin and a file holding their password) or neither',
    ]);
    expect(problems({ ADMIN_USERNAME: 'has space', ADMIN_PASSWORD_FILE: '/x' })).toHaveLength(1);
    expect(problems({ ADMIN_PASSWORD_FILE: '/x' })).toHaveLength(1);
  });
});
