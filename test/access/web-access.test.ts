/**
 * The web API and the websocket with WEB_AUTH=required, inside one process, on real
 * Postgres and Redis and on embedded defaults: login, the session cookie, logout, session
 * expiry, throttled failed logins, roles through every guarded route (viewer 403 on
 * admin routes), API tokens carrying a role, the websocket refused without credentials
 * and accepted with a session, users administration, password changes, and the audit log
 * written and read back. WEB_AUTH=disabled at the end.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { systemActor } from '../../engine/auth/actor.ts';
import { type TokenScope, newTokenSecret } from '../../engine/auth/api-token.ts';
import type { UserRole } from '../../engine/auth/roles.ts';
import { TokenRepository } from '../../engine/auth/token-repository.ts';
import type { User } from '../../engine/auth/user.ts';
import { UserService } from '../../engine/auth/user-service.ts';
import { type Flavour, type TestRuntime, startTestRuntime } from '../support/test-runtime.ts';

type Res = { statusCode: number; headers: Record<string, unknown>; body: string; json(): any };
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

function expectProblem(res: Res, status: number, type?: string): any {
  expect(res.statusCode, res.body).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const problem = res.json();
  expect(problem.status).toBe(status);
  if (type) expect(problem.type).toMatch(new RegExp(`/${type}$`));
  return problem;
}

function setCookie(res: Res): string {
  const header = res.headers['set-cookie'];
  return String(Array.isArray(header) ? header[0] : header);
}

const PASSWORD = 'the-right-password-1';
const TOPOLOGY = { items: [{ id: 'svc:a', kind: 'service', name: 'a', labels: { service: 'a' } }], relations: [] };

describe.each<Flavour>(['real', 'embedded'])('web access with WEB_AUTH=required (%s)', (flavour) => {
  let rt: TestRuntime;
  const users: Record<'admin' | 'viewer' | 'operator', User> = {} as never;
  const ip = () => `10.${flavour === 'real' ? 1 : 2}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

  const call = (method: Method, url: string, opts: { token?: string; cookie?: string; payload?: unknown; ip?: string } = {}) =>
    rt.app.inject({
      method,
      url,
      headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.cookie ? { cookie: opts.cookie } : {}) },
      ...(opts.payload !== undefined ? { payload: opts.payload as object } : {}),
      ...(opts.ip ? { remoteAddress: opts.ip } : {}),
    });
  const login = (username: string, password = PASSWORD, from?: string) => call('POST', '/api/v1/auth/login', { payload: { username, password }, ...(from ? { ip: from } : {}) });
  const sessionOf = async (username: string): Promise<string> => {
    const res = await login(username);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().token;
  };
  const tokenWith = async (scopes: TokenScope[]): Promise<{ id: string; secret: string }> => {
    const { secret, hash } = newTokenSecret();
    const token = await new TokenRepository(rt.adapters.database.db).insert({ name: `t-${scopes.join('-')}`, scopes, sources: null, hash });
    return { id: token.id, secret };
  };
  const auditOf = async (query: string, token: string) => {
    const res = await call('GET', `/api/v1/audit?${query}`, { token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: Array<Record<string, any>>; nextCursor: string | null };
  };

  beforeAll(async () => {
    rt = await startTestRuntime(flavour, { WEB_AUTH: 'required', AUTH_CACHE_SECONDS: '0' });
    await rt.app.ready();
    const service = new UserService(rt.adapters.database.db);
    const roles: Array<[keyof typeof users, UserRole]> = [['admin', 'admin'], ['viewer', 'viewer'], ['operator', 'operator']];
    for (const [name, role] of roles) users[name] = await service.create({ username: `${name}-user`, role, password: PASSWORD }, { actor: systemActor('test'), ip: null });
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('refuses every guarded route without credentials (401 problem+json), and leaves the console and health checks open', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/incidents'],
      ['GET', '/api/v1/incidents/inc-1'],
      ['GET', '/api/v1/alerts'],
      ['GET', '/api/v1/topology'],
      ['PUT', '/api/v1/topology'],
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users'],
      ['PATCH', `/api/v1/users/${users.viewer.id}`],
      ['PUT', `/api/v1/users/${users.viewer.id}/password`],
      ['GET', '/api/v1/audit'],
      ['GET', '/api/v1/tokens'],
      ['GET', '/api/v1/auth/me'],
    ] as Array<[Method, string]>) {
      const res = await call(method, url, { payload: method === 'GET' ? undefined : {} });
      const problem = expectProblem(res, 401, 'unauthenticated');
      expect(res.headers['www-authenticate'], `${method} ${url}`).toMatch(/^Bearer /);
      expect(problem.detail).toMatch(/sign in/);
    }
    expect((await call('GET', '/')).statusCode).toBe(200);
    expect((await call('GET', '/console/console.js')).statusCode).toBe(200);
    expect((await call('GET', '/healthz')).statusCode).toBe(200);
  });

  it('logs in: sets an HttpOnly SameSite=Strict cookie for SESSION_HOURS and returns the token, the user and the expiry', async () => {
    const before = Date.now();
    const res = await login('Viewer-User');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.user).toEqual(users.viewer);
    expect(body.token).toMatch(/^aiops_s_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(body.expiresAt) - before).toBeGreaterThan(12 * 3_600_000 - 60_000);
    // At most SESSION_HOURS after the login answered (scrypt may take a while on a busy machine).
    expect(Date.parse(body.expiresAt)).toBeLessThanOrEqual(Date.now() + 12 * 3_600_000);
    expect(res.headers['cache-control']).toBe('no-store');
    const cookie = setCookie(res);
    expect(cookie).toMatch(new RegExp(`^aiops_session=${body.token}; Path=/; Max-Age=4319\\d; HttpOnly; SameSite=Strict$`));
    expect(res.body).not.toMatch(/scrypt|password/i);

    const fromCookie = await call('GET', '/api/v1/auth/me', { cookie: `aiops_session=${body.token}` });
    expect(fromCookie.statusCode).toBe(200);
    expect(fromCookie.json()).toMatchObject({
      kind: 'user',
      id: users.viewer.id,
      name: 'viewer-user',
      role: 'viewer',
      permissions: ['incident:read', 'problem:read', 'topology:read'],
      user: users.viewer,
      expiresAt: body.expiresAt,
      webAuth: 'required',
    });
    expect((await call('GET', '/api/v1/incidents', { cookie: `theme=dark; aiops_session=${body.token}` })).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/alerts', { token: body.token })).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/topology', { token: body.token })).statusCode).toBe(200);
    expectProblem(await call('GET', '/api/v1/incidents/nope', { token: body.token }), 404);
  });

  it('answers a wrong password, an unknown user and a disabled user alike: 401 without saying which part was wrong', async () => {
    const service = new UserService(rt.adapters.database.db);
    const disabled = await service.create({ username: `gone-${flavour}`, role: 'viewer', password: PASSWORD }, { actor: systemActor('test'), ip: null });
    await service.update(disabled.id, { disabled: true }, { actor: systemActor('test'), ip: null });
    const from = ip();
    const answers = [await login('viewer-user', 'not-the-password', from), await login('no-such-user', PASSWORD, from), await login(disabled.username, PASSWORD, from)];
    const problems = answers.map((r) => expectProblem(r, 401, 'invalid-credentials'));
    for (const p of problems) {
      expect(p.detail).toBe('the username or password is wrong');
      expect(p.title).toBe(problems[0].title);
    }
    for (const r of answers) expect(r.headers['set-cookie']).toBeUndefined();
    expectProblem(await call('POST', '/api/v1/auth/login', { payload: { username: 'x' } }), 400, 'validation');
    expectProblem(await call('POST', '/api/v1/auth/login', { payload: { username: 'x', password: 'y', extra: 1 } }), 400, 'validation');
  });

  it('throttles failed logins per username and address: 429 with Retry-After, even for the right password; others unaffected', async () => {
    const from = ip();
    for (let i = 0; i < 5; i++) expectProblem(await login('operator-user', `wrong-${i}-password`, from), 401);
    const limited = expectProblem(await login('operator-user', PASSWORD, from), 429, 'too-many-failed-logins');
    expect(limited.detail).not.toMatch(/password is wrong/);
    const res = await login('operator-user', PASSWORD, from);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(14 * 60);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    // The same user from elsewhere, and another user from the same address, still log in.
    expect((await login('operator-user', PASSWORD, ip())).statusCode).toBe(200);
    expect((await login('viewer-user', PASSWORD, from)).statusCode).toBe(200);
    const entries = (await auditOf(`action=auth.login.failed&actor=anonymous`, await sessionOf('admin-user'))).items;
    expect(entries.some((e) => e.detail.username === 'operator-user' && e.detail.throttled === true && e.ip === from)).toBe(true);
  });

  it('logs out: the session ends everywhere and the cookie is cleared; a stale cookie counts as none', async () => {
    const token = await sessionOf('viewer-user');
    const res = await call('POST', '/api/v1/auth/logout', { cookie: `aiops_session=${token}` });
    expect(res.statusCode).toBe(204);
    expect(setCookie(res)).toMatch(/^aiops_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
    const stale = await call('GET', '/api/v1/incidents', { cookie: `aiops_session=${token}` });
    expectProblem(stale, 401, 'unauthenticated');
    expect(setCookie(stale)).toMatch(/Max-Age=0/);
    expectProblem(await call('GET', '/api/v1/incidents', { token }), 401, 'invalid-token');
    // Logging out twice, or without a session, is harmless.
    expect((await call('POST', '/api/v1/auth/logout', { cookie: `aiops_session=${token}` })).statusCode).toBe(204);
  });

  it('ends a session at its expiry', async () => {
    const token = await sessionOf('viewer-user');
    expect((await call('GET', '/api/v1/incidents', { token })).statusCode).toBe(200);
    const me = (await call('GET', '/api/v1/auth/me', { token })).json();
    await rt.adapters.database.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', users.viewer.id).execute();
    expectProblem(await call('GET', '/api/v1/incidents', { token }), 401, 'invalid-token');
    expect(me.expiresAt).toBeDefined();
  });

  it('checks every route by role: a viewer and an operator get 403 on admin routes, an admin gets through', async () => {
    const viewer = await sessionOf('viewer-user');
    const operator = await sessionOf('operator-user');
    const admin = await sessionOf('admin-user');
    const adminRoutes: Array<[Method, string, unknown?]> = [
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users', { username: 'never', role: 'viewer', password: PASSWORD }],
      ['PATCH', `/api/v1/users/${users.viewer.id}`, { role: 'admin' }],
      ['GET', '/api/v1/audit'],
      ['GET', '/api/v1/tokens'],
      ['POST', '/api/v1/tokens', { name: 'never', scopes: ['admin'] }],
      ['PUT', '/api/v1/topology', TOPOLOGY],
      ['PATCH', '/api/v1/topology', TOPOLOGY],
    ];
    for (const token of [viewer, operator]) {
      for (const [method, url, payload] of adminRoutes) {
        const problem = expectProblem(await call(method, url, { token, payload }), 403, 'forbidden');
        expect(problem.detail).toMatch(/lacks the admin permission/);
      }
    }
    expect((await call('GET', '/api/v1/users/' + users.viewer.id, { token: admin })).json()).toEqual(users.viewer);
    expect((await call('GET', '/api/v1/users', { token: admin })).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/audit', { token: admin })).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/tokens', { token: admin })).statusCode).toBe(200);
    expect((await call('PUT', '/api/v1/topology', { token: admin, payload: TOPOLOGY })).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/users', { cookie: `aiops_session=${admin}` })).statusCode).toBe(200);
  });

  it('gives API tokens the role of their scopes: viewer reads, ingest-only does nothing here, admin administers', async () => {
    const viewerToken = await tokenWith(['viewer']);
    const ingestToken = await tokenWith(['ingest']);
    const adminToken = await tokenWith(['admin']);
    expect((await call('GET', '/api/v1/incidents', { token: viewerToken.secret })).statusCode).toBe(200);
    expectProblem(await call('GET', '/api/v1/users', { token: viewerToken.secret }), 403);
    expectProblem(await call('GET', '/api/v1/incidents', { token: ingestToken.secret }), 403, 'forbidden');
    expect((await call('GET', '/api/v1/users', { token: adminToken.secret })).statusCode).toBe(200);
    const me = (await call('GET', '/api/v1/auth/me', { token: viewerToken.secret })).json();
    expect(me).toMatchObject({ kind: 'token', id: viewerToken.id, role: 'viewer' });
    expectProblem(await call('GET', '/api/v1/incidents', { token: newTokenSecret().secret }), 401, 'invalid-token');
    // A role scope can be given through the token API too.
    const created = await call('POST', '/api/v1/tokens', { token: adminToken.secret, payload: { name: 'bot', scopes: ['operator'] } });
    expect(created.statusCode, created.body).toBe(201);
    expect((await call('GET', '/api/v1/auth/me', { token: created.json().token })).json().permissions).toContain('incident:write');
  });

  describe('websocket /api/v1/stream', () => {
    const open = async (url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; first: Promise<Record<string, unknown>> }> => {
      let resolveFirst!: (m: Record<string, unknown>) => void;
      const first = new Promise<Record<string, unknown>>((r) => (resolveFirst = r));
      const ws = await rt.app.injectWS(url, { headers }, { onInit: (socket) => socket.once('message', (data) => resolveFirst(JSON.parse(String(data)))) });
      return { ws, first };
    };

    it('refuses the upgrade without credentials (401), with a bad token (401) and without incident:read (403)', async () => {
      await expect(rt.app.injectWS('/api/v1/stream')).rejects.toThrow(/Unexpected server response: 401/);
      await expect(rt.app.injectWS('/api/v1/stream?access_token=aiops_s_nope')).rejects.toThrow(/401/);
      await expect(rt.app.injectWS('/api/v1/stream', { headers: { cookie: 'aiops_session=aiops_s_stale' } })).rejects.toThrow(/401/);
      const ingest = await tokenWith(['ingest']);
      await expect(rt.app.injectWS('/api/v1/stream', { headers: { authorization: `Bearer ${ingest.secret}` } })).rejects.toThrow(/403/);
    });

    it('accepts a session token as ?access_token=, as a Bearer header, or as the cookie, and says hello', async () => {
      const token = await sessionOf('viewer-user');
      for (const [url, headers] of [
        [`/api/v1/stream?access_token=${token}`, {}],
        [`/api/v1/stream?since=0&access_token=${token}`, {}],
        ['/api/v1/stream', { authorization: `Bearer ${token}` }],
        ['/api/v1/stream', { cookie: `aiops_session=${token}` }],
      ] as Array<[string, Record<string, string>]>) {
        const { ws, first } = await open(url, headers);
        expect((await first).type).toBe('hello');
        ws.terminate();
      }
    });
  });

  it('lets an admin create, read, change and disable users; a disabled user is signed out at once', async () => {
    const admin = await sessionOf('admin-user');
    const name = `Ivan-${flavour}`;
    const created = await call('POST', '/api/v1/users', { token: admin, payload: { username: name, displayName: 'Ivan I.', role: 'operator', password: PASSWORD } });
    expect(created.statusCode, created.body).toBe(201);
    const ivan = created.json();
    expect(ivan).toMatchObject({ username: name.toLowerCase(), displayName: 'Ivan I.', role: 'operator', disabledAt: null });
    expect(created.body).not.toMatch(/scrypt|password/i);
    expectProblem(await call('POST', '/api/v1/users', { token: admin, payload: { username: name.toUpperCase(), role: 'viewer', password: PASSWORD } }), 409, 'username-taken');
    expectProblem(await call('POST', '/api/v1/users', { token: admin, payload: { username: 'x', role: 'viewer', password: 'short' } }), 400, 'validation');
    expectProblem(await call('POST', '/api/v1/users', { token: admin, payload: { username: 'x', role: 'root', password: PASSWORD } }), 400, 'validation');
    expectProblem(await call('POST', '/api/v1/users', { token: admin, payload: { username: 'has space', role: 'viewer', password: PASSWORD } }), 400, 'validation');
    expectProblem(await call('PATCH', `/api/v1/users/${ivan.id}`, { token: admin, payload: {} }), 400, 'validation');
    expectProblem(await call('PATCH', '/api/v1/users/00000000-0000-4000-8000-000000000000', { token: admin, payload: { role: 'viewer' } }), 404);

    const ivanSession = await sessionOf(name);
    expect((await call('GET', '/api/v1/incidents', { token: ivanSession })).statusCode).toBe(200);
    const patched = await call('PATCH', `/api/v1/users/${ivan.id}`, { token: admin, payload: { role: 'problem-manager', displayName: 'Ivan' } });
    expect(patched.json()).toMatchObject({ role: 'problem-manager', displayName: 'Ivan' });
    // A role change applies to existing sessions at once.
    expect((await call('GET', '/api/v1/auth/me', { token: ivanSession })).json().role).toBe('problem-manager');

    const disabled = await call('PATCH', `/api/v1/users/${ivan.id}`, { token: admin, payload: { disabled: true } });
    expect(disabled.json().disabledAt).not.toBeNull();
    expectProblem(await call('GET', '/api/v1/incidents', { token: ivanSession }), 401);
    expectProblem(await login(name), 401, 'invalid-credentials');
    await call('PATCH', `/api/v1/users/${ivan.id}`, { token: admin, payload: { disabled: false } });
    expect((await login(name)).statusCode).toBe(200);

    const list = (await call('GET', '/api/v1/users?limit=500', { token: admin })).json();
    expect(list.items.map((u: User) => u.username)).toEqual(expect.arrayContaining(['admin-user', 'viewer-user', name.toLowerCase()]));
    expect(JSON.stringify(list)).not.toMatch(/scrypt/);
  });

  it('keeps the last admin: demoting or disabling them is a 409', async () => {
    const admin = await sessionOf('admin-user');
    expectProblem(await call('PATCH', `/api/v1/users/${users.admin.id}`, { token: admin, payload: { role: 'viewer' } }), 409, 'last-admin');
    expectProblem(await call('PATCH', `/api/v1/users/${users.admin.id}`, { token: admin, payload: { disabled: true } }), 409, 'last-admin');
  });

  it('changes passwords: your own with the current one (other sessions end), anyone\'s as admin, nobody else\'s', async () => {
    const service = new UserService(rt.adapters.database.db);
    const judy = await service.create({ username: `judy-${flavour}`, role: 'viewer', password: PASSWORD }, { actor: systemActor('test'), ip: null });
    const here = await sessionOf(judy.username);
    const elsewhere = await sessionOf(judy.username);
    const url = `/api/v1/users/${judy.id}/password`;
    expectProblem(await call('PUT', url, { token: here, payload: { password: 'a-new-password-2' } }), 400, 'bad-request');
    expectProblem(await call('PUT', url, { token: here, payload: { password: 'a-new-password-2', currentPassword: 'wrong-wrong-wrong' } }), 400, 'wrong-current-password');
    expect((await call('PUT', url, { token: here, payload: { password: 'a-new-password-2', currentPassword: PASSWORD } })).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/incidents', { token: here })).statusCode).toBe(200);
    expectProblem(await call('GET', '/api/v1/incidents', { token: elsewhere }), 401);
    expectProblem(await login(judy.username), 401);
    expect((await login(judy.username, 'a-new-password-2')).statusCode).toBe(200);

    const viewer = await sessionOf('viewer-user');
    expectProblem(await call('PUT', url, { token: viewer, payload: { password: 'hijacked-password' } }), 403, 'forbidden');
    const admin = await sessionOf('admin-user');
    expect((await call('PUT', url, { token: admin, payload: { password: 'set-by-the-admin' } })).statusCode).toBe(204);
    expect((await login(judy.username, 'set-by-the-admin')).statusCode).toBe(200);
  });

  it('records logins, logouts, user, token and topology changes in the audit log, readable by admins with filters and a cursor', async () => {
    const adminToken = await tokenWith(['admin']);
    const admin = await sessionOf('admin-user');
    const marker = randomBytes(4).toString('hex');
    const from = ip();
    const created = await call('POST', '/api/v1/tokens', { token: admin, payload: { name: `audited-${marker}`, scopes: ['ingest'] } });
    const tokenId = created.json().id;
    expect((await call('DELETE', `/api/v1/tokens/${tokenId}`, { token: admin })).statusCode).toBe(204);
    expect((await call('PATCH', '/api/v1/topology', { token: adminToken.secret, payload: { items: [{ id: `svc:${marker}`, kind: 'service', name: marker, labels: {} }] } })).statusCode).toBe(200);
    const kim = await call('POST', '/api/v1/users', { token: adminToken.secret, payload: { username: `kim-${marker}`, role: 'viewer', password: PASSWORD } });
    const kimSession = (await login(`kim-${marker}`, PASSWORD, from)).json().token;
    expect((await call('POST', '/api/v1/auth/logout', { token: kimSession, ip: from })).statusCode).toBe(204);

    const byAdmin = (await auditOf(`actor=admin-user&limit=500`, adminToken.secret)).items;
    expect(byAdmin.find((e) => e.action === 'token.created' && e.target?.id === tokenId)).toMatchObject({
      actor: { kind: 'user', id: users.admin.id, name: 'admin-user' },
      target: { type: 'token', id: tokenId },
      detail: { name: `audited-${marker}`, scopes: ['ingest'], sources: null },
    });
    expect(byAdmin.find((e) => e.action === 'token.revoked' && e.target?.id === tokenId)).toBeDefined();
    const byToken = (await auditOf(`actor=${adminToken.id}`, admin)).items;
    expect(byToken.map((e) => e.action)).toEqual(['user.created', 'topology.merged']);
    expect(byToken[0]).toMatchObject({ actor: { kind: 'token', id: adminToken.id }, target: { type: 'user', id: kim.json().id }, detail: { role: 'viewer' } });
    expect(byToken[1]).toMatchObject({ target: { type: 'topology' }, detail: { version: expect.any(Number), items: expect.any(Number), relations: 0 } });

    const kimEntries = (await auditOf(`action=auth.*&actor=kim-${marker}`, admin)).items;
    expect(kimEntries.map((e) => e.action)).toEqual(['auth.logout', 'auth.login']);
    expect(kimEntries.every((e) => e.ip === from)).toBe(true);

    // Paging: everything, newest first, ten at a time, no entry twice.
    const ids: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<Record<string, any>>; nextCursor: string | null } = await auditOf(`limit=10${cursor ? `&cursor=${cursor}` : ''}`, admin);
      ids.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids.length).toBeGreaterThan(20);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
    expect((await auditOf(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, admin)).items).toEqual([]);
    expectProblem(await call('GET', '/api/v1/audit?cursor=garbage', { token: admin }), 400, 'bad-request');
    expectProblem(await call('GET', '/api/v1/audit?since=yesterday', { token: admin }), 400, 'validation');
    expectProblem(await call('GET', '/api/v1/audit?action=DROP%20TABLE', { token: admin }), 400, 'validation');

    // Neither passwords nor secrets are in the log.
    const everything = await call('GET', '/api/v1/audit?limit=500', { token: admin });
    for (const secret of [PASSWORD, admin, kimSession, adminToken.secret, created.json().token]) expect(everything.body).not.toContain(secret);
  });
});

describe('web access with WEB_AUTH=disabled', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await startTestRuntime('embedded', { WEB_AUTH: 'disabled' });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('answers requests without credentials as an anonymous problem-manager, but administration still needs an admin', async () => {
    expect((await rt.app.inject({ method: 'GET', url: '/api/v1/incidents' })).statusCode).toBe(200);
    const me = (await rt.app.inject({ method: 'GET', url: '/api/v1/auth/me' })).json();
    expect(me).toMatchObject({ kind: 'anonymous', role: 'problem-manager', webAuth: 'disabled' });
    expect(me.permissions).not.toContain('admin');
    const ws = await rt.app.injectWS('/api/v1/stream');
    ws.terminate();
    for (const url of ['/api/v1/users', '/api/v1/audit', '/api/v1/tokens']) {
      expectProblem(await rt.app.inject({ method: 'GET', url }), 401, 'unauthenticated');
    }
    expectProblem(await rt.app.inject({ method: 'PUT', url: '/api/v1/topology', payload: TOPOLOGY }), 401);
    // A credential that is sent must still be valid.
    expectProblem(await rt.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: { authorization: 'Bearer aiops_s_nope' } }), 401, 'invalid-token');
  });
});
