/**
 * Ingest authentication end to end inside one process: tokens (header, query, scopes,
 * sources, revoke), the token API and CLI, HMAC body signatures, per-source rate limits,
 * credentials kept out of the logs, tokens stored hashed, and the first token of a fresh
 * embedded install. Real Postgres and Redis where the behaviour depends on them.
 */
import { execFile } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../bin/runtime.ts';
import { type TokenScope, newTokenSecret } from '../../engine/auth/api-token.ts';
import { bootstrapFirstToken } from '../../engine/auth/bootstrap-first-token.ts';
import { TokenRepository } from '../../engine/auth/token-repository.ts';
import { TokenVerifier } from '../../engine/auth/token-verifier.ts';
import { redactUrl } from '../../engine/auth/redact-credentials.ts';
import { ConfigError, loadConfig } from '../../engine/config/config.ts';
import { type Database, openDatabase } from '../../engine/db/database.ts';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { createTestDatabase } from '../support/isolation.ts';
import { type TestRuntime, startTestRuntime, testEnvironment } from '../support/test-runtime.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const AM = '/api/v1/webhooks/alertmanager';
const run = promisify(execFile);

type App = Runtime['app'];

function alertBody(fingerprint: string): string {
  return JSON.stringify(alertmanagerPayload([{ fingerprint, labels: { alertname: 'AuthTest', service: 'auth-svc' } }]));
}

function postAlert(app: App, opts: { token?: string; url?: string; headers?: Record<string, string>; body?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  return app.inject({ method: 'POST', url: opts.url ?? AM, headers, payload: opts.body ?? alertBody(`fp-${randomBytes(4).toString('hex')}`) });
}

function writeLine(app: App, url: string, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url, headers: { 'content-type': 'text/plain', ...headers }, payload: `auth_test,host=a value=1 ${Date.now()}000000` });
}

async function createToken(database: Database, scopes: TokenScope[], sources: string[] | null = null, name = 'test'): Promise<{ id: string; secret: string }> {
  const { secret, hash } = newTokenSecret();
  const token = await new TokenRepository(database.db).insert({ name, scopes, sources, hash });
  return { id: token.id, secret };
}

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, type?: string): void {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const problem = res.json();
  expect(problem.status).toBe(status);
  if (type) expect(problem.type).toMatch(new RegExp(`/${type}$`));
}

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

describe('ingest auth on real Postgres and Redis', () => {
  let rt: Runtime;
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  const logLines: string[] = [];
  let admin: { id: string; secret: string };
  let ingest: { id: string; secret: string };

  beforeAll(async () => {
    const te = await testEnvironment('real');
    cleanup = te.cleanup;
    env = { ...te.env, INGEST_AUTH: 'required', AUTH_CACHE_SECONDS: '0', LOG_LEVEL: 'info' };
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    rt = await startRuntime(loadConfig(env), pino({ level: 'info' }, sink));
    await rt.app.ready();
    admin = await createToken(rt.adapters.database, ['admin'], null, 'admin');
    ingest = await createToken(rt.adapters.database, ['ingest'], null, 'ingest');
  });
  afterAll(async () => {
    await rt?.stop();
    await cleanup?.();
  });

  it('does not create a first token on real Postgres, and says how to create one', () => {
    expect(existsSync(path.join(env.DATA_DIR!, 'initial-token'))).toBe(false);
    expect(logLines.join('')).toContain('npm run cli -- tokens create');
  });

  it('refuses a request without a token: 401 problem+json with WWW-Authenticate', async () => {
    const res = await postAlert(rt.app);
    expectProblem(res, 401, 'unauthenticated');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    expectProblem(await writeLine(rt.app, '/api/v1/write'), 401);
  });

  it('refuses unknown and malformed tokens with 401', async () => {
    const unknown = newTokenSecret().secret;
    for (const token of [unknown, 'nonsense', `${ingest.secret}x`]) {
      const res = await postAlert(rt.app, { token });
      expectProblem(res, 401, 'invalid-token');
      expect(res.headers['www-authenticate']).toContain('invalid_token');
    }
  });

  it('accepts a token as Bearer, as Token (InfluxDB clients), as Basic password and in the query', async () => {
    expect((await postAlert(rt.app, { token: ingest.secret })).statusCode).toBe(202);
    expect((await writeLine(rt.app, '/write', { authorization: `Token ${ingest.secret}` })).statusCode).toBe(204);
    const basic = Buffer.from(`telegraf:${ingest.secret}`).toString('base64');
    expect((await writeLine(rt.app, '/api/v2/write', { authorization: `Basic ${basic}` })).statusCode).toBe(204);
    expect((await postAlert(rt.app, { url: `${AM}?token=${ingest.secret}` })).statusCode).toBe(202);
    expect((await writeLine(rt.app, `/write?db=x&u=telegraf&p=${ingest.secret}`)).statusCode).toBe(204);
  });

  it('never writes a query-string token to the logs', async () => {
    const marker = randomBytes(6).toString('hex');
    expect((await postAlert(rt.app, { url: `${AM}?token=${ingest.secret}&marker=${marker}` })).statusCode).toBe(202);
    expect((await writeLine(rt.app, `/write?u=x&p=${ingest.secret}&marker=${marker}`)).statusCode).toBe(204);
    const logs = logLines.join('');
    expect(logs).toContain(`token=[REDACTED]&marker=${marker}`);
    expect(logs).toContain(`p=[REDACTED]&marker=${marker}`);
    for (const t of [ingest.secret, admin.secret]) expect(logs).not.toContain(t);
  });

  it('refuses a token without the ingest scope, or not allowed for the source, with 403', async () => {
    expectProblem(await postAlert(rt.app, { token: admin.secret }), 403, 'forbidden');
    const grafanaOnly = await createToken(rt.adapters.database, ['ingest'], ['grafana']);
    expectProblem(await postAlert(rt.app, { token: grafanaOnly.secret }), 403, 'forbidden');
    expectProblem(await writeLine(rt.app, '/api/v1/write', { authorization: `Bearer ${grafanaOnly.secret}` }), 403);
    const amOnly = await createToken(rt.adapters.database, ['ingest'], ['alertmanager']);
    expect((await postAlert(rt.app, { token: amOnly.secret })).statusCode).toBe(202);
    expectProblem(await writeLine(rt.app, '/api/v1/write', { authorization: `Bearer ${amOnly.secret}` }), 403);
  });

  it('token API: needs an admin token, strict body, never returns secrets or hashes; revoke takes effect', async () => {
    const api = (method: 'GET' | 'POST' | 'DELETE', url: string, token?: string, payload?: unknown) =>
      rt.app.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(payload !== undefined ? { payload: payload as object } : {}) });

    expectProblem(await api('GET', '/api/v1/tokens'), 401);
    expectProblem(await api('GET', '/api/v1/tokens', ingest.secret), 403, 'forbidden');
    expectProblem(await api('GET', `/api/v1/tokens?token=${admin.secret}`), 401);
    expectProblem(await api('POST', '/api/v1/tokens', ingest.secret, { name: 'x', scopes: ['ingest'] }), 403);

    expectProblem(await api('POST', '/api/v1/tokens', admin.secret, { name: 'x', scopes: ['ingest'], extra: 1 }), 400, 'validation');
    expectProblem(await api('POST', '/api/v1/tokens', admin.secret, { name: 'x', scopes: ['root'] }), 400, 'validation');
    expectProblem(await api('POST', '/api/v1/tokens', admin.secret, { name: 'x', scopes: ['ingest'], sources: ['Bad Source'] }), 400, 'validation');

    const created = await api('POST', '/api/v1/tokens', admin.secret, { name: 'grafana prod', scopes: ['ingest'], sources: ['alertmanager'] });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ name: 'grafana prod', scopes: ['ingest'], sources: ['alertmanager'], revokedAt: null });
    expect(body.token).toMatch(/^aiops_[A-Za-z0-9_-]{43}$/);
    expect((await postAlert(rt.app, { token: body.token })).statusCode).toBe(202);

    const list = await api('GET', '/api/v1/tokens', admin.secret);
    expect(list.statusCode).toBe(200);
    const listed = list.json().items.find((t: any) => t.id === body.id);
    expect(listed).toMatchObject({ name: 'grafana prod' });
    expect(listed.lastUsedAt).not.toBeNull();
    const hash = createHash('sha256').update(body.token).digest('hex');
    for (const forbiddenText of [body.token, hash, admin.secret, ingest.secret, 'token_hash', '"token"']) expect(list.body).not.toContain(forbiddenText);

    expect((await api('DELETE', `/api/v1/tokens/${body.id}`, admin.secret)).statusCode).toBe(204);
    expect((await api('DELETE', `/api/v1/tokens/${body.id}`, admin.secret)).statusCode).toBe(204);
    expectProblem(await api('DELETE', '/api/v1/tokens/00000000-0000-4000-8000-000000000000', admin.secret), 404);
    expectProblem(await api('DELETE', '/api/v1/tokens/not-a-uuid', admin.secret), 400);
    expectProblem(await postAlert(rt.app, { token: body.token }), 401, 'invalid-token');
    const after = (await api('GET', '/api/v1/tokens', admin.secret)).json().items.find((t: any) => t.id === body.id);
    expect(after.revokedAt).not.toBeNull();
  });

  it('stores only the SHA-256 hash of a token', async () => {
    const row = await rt.adapters.database.db.selectFrom('api_tokens').selectAll().where('id', '=', ingest.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash('sha256').update(ingest.secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(ingest.secret);
    expect(JSON.stringify(row)).not.toContain(ingest.secret.slice('aiops_'.length, 20));
  });

  it('trusts a cached token at most for the cache time after a revoke elsewhere', async () => {
    let now = 1_000_000;
    const repository = new TokenRepository(rt.adapters.database.db);
    const verifier = new TokenVerifier({ repository, cacheMs: 30_000, logger: { warn: () => undefined }, now: () => now });
    const token = await createToken(rt.adapters.database, ['ingest']);
    expect(await verifier.verify(token.secret)).toMatchObject({ id: token.id });
    await repository.revoke(token.id);
    now += 29_000;
    expect(await verifier.verify(token.secret)).toBeDefined();
    now += 1_001;
    expect(await verifier.verify(token.secret)).toBeUndefined();
    await verifier.close();
  });

  it('CLI creates, lists and revokes tokens on the configured database', async () => {
    const cliEnv = { DATABASE_URL: env.DATABASE_URL! };
    const created = await cli(['tokens', 'create', '--name', 'from-cli', '--scope', 'ingest', '--source', 'alertmanager,metrics', '--json'], cliEnv);
    expect(created.code, created.stderr).toBe(0);
    const token = JSON.parse(created.stdout) as { id: string; token: string; sources: string[] };
    expect(token.sources).toEqual(['alertmanager', 'metrics']);
    expect((await postAlert(rt.app, { token: token.token })).statusCode).toBe(202);

    const plain = await cli(['tokens', 'create', '--name', 'plain', '--scope', 'ingest,admin'], cliEnv);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout.trim()).toMatch(/^aiops_[A-Za-z0-9_-]{43}$/);
    expect(plain.stderr).toMatch(/shown only this once/);

    const list = await cli(['tokens', 'list'], cliEnv);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(token.id);
    expect(list.stdout).toContain('from-cli');
    expect(list.stdout).not.toContain(token.token);

    const revoked = await cli(['tokens', 'revoke', token.id], cliEnv);
    expect(revoked.code, revoked.stderr).toBe(0);
    expectProblem(await postAlert(rt.app, { token: token.token }), 401);

    expect((await cli(['tokens', 'revoke', '00000000-0000-4000-8000-000000000000'], cliEnv)).code).toBe(1);
    const bad = await cli(['tokens', 'create', '--name', 'x', '--scope', 'root'], cliEnv);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--scope must be among ingest, admin/);
  });
});

describe('ingest rate limit per source and token (Redis store)', () => {
  let rt: TestRuntime;

  beforeAll(async () => {
    rt = await startTestRuntime('real', { INGEST_AUTH: 'required', INGEST_RATE_LIMIT_PER_MINUTE: '3' });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('answers 429 problem+json with Retry-After past the limit, counting each token and source apart', async () => {
    const a = await createToken(rt.adapters.database, ['ingest']);
    const b = await createToken(rt.adapters.database, ['ingest']);
    for (let i = 0; i < 3; i++) expect((await postAlert(rt.app, { token: a.secret })).statusCode).toBe(202);
    const limited = await postAlert(rt.app, { token: a.secret });
    expectProblem(limited, 429, 'rate-limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await postAlert(rt.app, { token: b.secret })).statusCode).toBe(202);
    expect((await writeLine(rt.app, '/api/v1/write', { authorization: `Bearer ${a.secret}` })).statusCode).toBe(204);
  });
});

describe('ingest rate limit without auth (in memory, per client address)', () => {
  let rt: TestRuntime;

  beforeAll(async () => {
    rt = await startTestRuntime('embedded', { INGEST_RATE_LIMIT_PER_MINUTE: '2' });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('accepts requests without a token when INGEST_AUTH=disabled, and still limits them', async () => {
    expect((await postAlert(rt.app)).statusCode).toBe(202);
    expect((await postAlert(rt.app)).statusCode).toBe(202);
    const limited = await postAlert(rt.app);
    expectProblem(limited, 429, 'rate-limited');
    expect(limited.headers['retry-after']).toBeDefined();
  });
});

describe('first token and HMAC signatures on embedded defaults', () => {
  const HMAC_SECRET = 'hmac-test-secret-0123456789';
  let rt: TestRuntime;
  let token: string;

  const sign = (body: string, secret = HMAC_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  beforeAll(async () => {
    rt = await startTestRuntime('embedded', { INGEST_AUTH: 'required', INGEST_HMAC_SECRET_ALERTMANAGER: HMAC_SECRET });
    await rt.app.ready();
    token = (await readFile(path.join(rt.env.DATA_DIR!, 'initial-token'), 'utf8')).trim();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('creates the first token, with scopes ingest and admin, in DATA_DIR/initial-token with mode 0600', async () => {
    const file = path.join(rt.env.DATA_DIR!, 'initial-token');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(token).toMatch(/^aiops_[A-Za-z0-9_-]{43}$/);
    const list = await rt.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { authorization: `Bearer ${token}` } });
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([expect.objectContaining({ name: 'initial', scopes: ['ingest', 'admin'], sources: null })]);

    // A second start finds the token and leaves the file alone.
    const outcome = await bootstrapFirstToken({ database: rt.adapters.database, auth: { ingest: 'required' }, dataDir: rt.env.DATA_DIR!, databaseUrl: undefined, logger: pino({ level: 'silent' }) });
    expect(outcome).toBe('tokens-exist');
    expect((await readFile(file, 'utf8')).trim()).toBe(token);
  });

  it('accepts a body signed with the source secret (X-Signature-256 or X-Hub-Signature-256)', async () => {
    const body = alertBody('hmac-1');
    expect((await postAlert(rt.app, { token, body, headers: { 'x-signature-256': sign(body) } })).statusCode).toBe(202);
    const body2 = alertBody('hmac-2');
    expect((await postAlert(rt.app, { token, body: body2, headers: { 'x-hub-signature-256': sign(body2).toUpperCase().replace('SHA256=', 'sha256=') } })).statusCode).toBe(202);
  });

  it('refuses a missing, malformed or wrong signature with 401', async () => {
    const body = alertBody('hmac-3');
    expectProblem(await postAlert(rt.app, { token, body }), 401);
    expectProblem(await postAlert(rt.app, { token, body, headers: { 'x-signature-256': 'md5=abc' } }), 401);
    expectProblem(await postAlert(rt.app, { token, body, headers: { 'x-signature-256': sign(body, 'another-secret-0123456789') } }), 401);
    expectProblem(await postAlert(rt.app, { token, body, headers: { 'x-signature-256': sign(`${body} `) } }), 401);
  });

  it('still answers 400 for a signed body that is not JSON, and needs no signature where no secret is set', async () => {
    const broken = '{"alerts": [';
    expectProblem(await postAlert(rt.app, { token, body: broken, headers: { 'x-signature-256': sign(broken) } }), 400, 'malformed-json');
    expect((await writeLine(rt.app, '/api/v1/write', { authorization: `Bearer ${token}` })).statusCode).toBe(204);
  });

  it('CLI refuses to open the embedded database while the server runs, saying why', async () => {
    const res = await cli(['tokens', 'list'], { DATA_DIR: rt.env.DATA_DIR! });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/in use by process \d+/);
    expect(res.stderr).toMatch(/stop the server/);
  });
});

describe('first-token bootstrap', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'aiops-bootstrap-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const silent = pino({ level: 'silent' });

  it('never overwrites an existing initial-token file', async () => {
    const database = await openDatabase({ inMemory: true });
    try {
      const file = path.join(dir, 'initial-token');
      await writeFile(file, 'left from before\n');
      const outcome = await bootstrapFirstToken({ database, auth: { ingest: 'required' }, dataDir: dir, databaseUrl: undefined, logger: silent });
      expect(outcome).toBe('file-exists');
      expect(await readFile(file, 'utf8')).toBe('left from before\n');
      expect(await new TokenRepository(database.db).count()).toBe(0);
    } finally {
      await database.close();
    }
  });

  it('creates exactly one first token when two processes start at once', async () => {
    const testDb = await createTestDatabase();
    const [one, two] = await Promise.all([openDatabase({ url: testDb.url }), openDatabase({ url: testDb.url })]);
    try {
      const dirs = await Promise.all([mkdtemp(path.join(dir, 'a-')), mkdtemp(path.join(dir, 'b-'))]);
      const outcomes = await Promise.all(
        [one, two].map((database, i) => bootstrapFirstToken({ database, auth: { ingest: 'required' }, dataDir: dirs[i]!, databaseUrl: undefined, logger: silent })),
      );
      expect(outcomes.sort()).toEqual(['created', 'tokens-exist']);
      expect(await new TokenRepository(one.db).count()).toBe(1);
      expect(dirs.filter((d) => existsSync(path.join(d, 'initial-token')))).toHaveLength(1);
    } finally {
      await one.close();
      await two.close();
      await testDb.drop();
    }
  });
});

describe('auth configuration and log redaction', () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  };

  it('requires ingest auth by default and reads HMAC secrets per source', () => {
    const c = loadConfig({ INGEST_HMAC_SECRET_GRAFANA: 'x'.repeat(32) });
    expect(c.auth).toMatchObject({ ingest: 'required', cacheSeconds: 30, ingestRatePerMinute: 6000, hmacSecrets: { grafana: 'x'.repeat(32) } });
    expect(Object.isFrozen(c.auth.hmacSecrets)).toBe(true);
  });

  it('lists every auth problem at once, without echoing a secret', () => {
    const list = problems({ INGEST_AUTH: 'off', AUTH_CACHE_SECONDS: '-1', INGEST_RATE_LIMIT_PER_MINUTE: '0', INGEST_HMAC_SECRET_ZABBIX: 'short-secret', 'INGEST_HMAC_SECRET_': 'x'.repeat(20) });
    expect(list).toHaveLength(5);
    expect(list.join('\n')).not.toContain('short-secret');
  });

  it('redacts credentials in logged URLs and keeps the rest', () => {
    expect(redactUrl('/write?db=a&u=me&p=s3cret&precision=s')).toBe('/write?db=a&u=me&p=[REDACTED]&precision=s');
    expect(redactUrl('/api/v1/webhooks/x?token=aiops_abc')).toBe('/api/v1/webhooks/x?token=[REDACTED]');
    expect(redactUrl('/api/v1/webhooks/x?%74oken=aiops_abc')).toBe('/api/v1/webhooks/x?%74oken=[REDACTED]');
    expect(redactUrl('/healthz')).toBe('/healthz');
  });
});
