/**
 * A console websocket opened with a login session closes when that session ends, with
 * 4401 and a reason saying why: logout (`signed out`), the user disabled (`user disabled`),
 * a password change elsewhere (`password changed`), and a session removed behind the API's
 * back, found by the periodic check (`session ended`). Other sockets stay open. Real
 * Postgres and Redis (the message goes through Redis pub/sub).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { systemActor } from '../../engine/auth/actor.ts';
import { newTokenSecret } from '../../engine/auth/api-token.ts';
import type { UserRole } from '../../engine/auth/roles.ts';
import { TokenRepository } from '../../engine/auth/token-repository.ts';
import type { User } from '../../engine/auth/user.ts';
import { UserService } from '../../engine/auth/user-service.ts';
import { type TestRuntime, startTestRuntime } from '../support/test-runtime.ts';

const PASSWORD = 'the-right-password-1';
const CHECK_SECONDS = 2;

describe('stream sockets close when their session ends (real services)', () => {
  let rt: TestRuntime;
  let admin: string;
  const users: Record<string, User> = {};

  beforeAll(async () => {
    rt = await startTestRuntime('real', { WEB_AUTH: 'required', STREAM_SESSION_CHECK_SECONDS: String(CHECK_SECONDS) });
    await rt.app.ready();
    const service = new UserService(rt.adapters.database.db, { N: 2 ** 12, r: 8, p: 1 });
    for (const [name, role] of [['ann', 'viewer'], ['bob', 'operator'], ['cid', 'viewer'], ['dee', 'viewer']] as Array<[string, UserRole]>) {
      users[name] = await service.create({ username: name, role, password: PASSWORD }, { actor: systemActor('test'), ip: null });
    }
    const token = newTokenSecret();
    await new TokenRepository(rt.adapters.database.db).insert({ name: 'admin', scopes: ['admin'], sources: null, hash: token.hash });
    admin = token.secret;
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  const login = async (username: string): Promise<string> => {
    const res = await rt.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: PASSWORD } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().token;
  };
  /** A socket, with a promise of how it closed (and when). */
  const open = async (headers: Record<string, string>) => {
    let hello!: () => void;
    const said = new Promise<void>((r) => (hello = r));
    const ws: WebSocket = await rt.app.injectWS('/api/v1/stream', { headers }, { onInit: (s) => s.once('message', () => hello()) });
    const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason), at: Date.now() })));
    await said;
    return { ws, closed, isOpen: () => ws.readyState === ws.OPEN };
  };

  it('closes the socket of a session that signs out (4401 signed out), not the same user’s other session', async () => {
    const first = await login('ann');
    const second = await login('ann');
    const a = await open({ cookie: `aiops_session=${first}` });
    const b = await open({ authorization: `Bearer ${second}` });
    const asked = Date.now();
    const out = await rt.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: `Bearer ${first}` } });
    expect(out.statusCode).toBe(204);
    const closed = await a.closed;
    expect(closed).toMatchObject({ code: 4401, reason: 'signed out' });
    // Announced on the bus: well before the periodic check could have found it.
    expect(closed.at - asked).toBeLessThan(CHECK_SECONDS * 1000);
    await new Promise((r) => setTimeout(r, CHECK_SECONDS * 1000 + 1000));
    expect(b.isOpen()).toBe(true);
    b.ws.terminate();
  });

  it('closes every socket of a user who is disabled (4401 user disabled), and none of an API token', async () => {
    const session = await login('bob');
    const s = await open({ cookie: `aiops_session=${session}` });
    const t = await open({ authorization: `Bearer ${admin}` });
    const res = await rt.app.inject({ method: 'PATCH', url: `/api/v1/users/${users.bob!.id}`, headers: { authorization: `Bearer ${admin}` }, payload: { disabled: true } });
    expect(res.statusCode, res.body).toBe(200);
    expect(await s.closed).toMatchObject({ code: 4401, reason: 'user disabled' });
    expect(t.isOpen()).toBe(true);
    t.ws.terminate();
  });

  it('closes the other sessions’ sockets on a password change, keeping the session it was made from', async () => {
    const here = await login('dee');
    const there = await login('dee');
    const keep = await open({ authorization: `Bearer ${here}` });
    const other = await open({ authorization: `Bearer ${there}` });
    const res = await rt.app.inject({ method: 'PUT', url: `/api/v1/users/${users.dee!.id}/password`, headers: { authorization: `Bearer ${here}` }, payload: { password: 'another-good-password-2', currentPassword: PASSWORD } });
    expect(res.statusCode, res.body).toBe(204);
    expect(await other.closed).toMatchObject({ code: 4401, reason: 'password changed' });
    expect(keep.isOpen()).toBe(true);
    keep.ws.terminate();
  });

  it('closes a socket whose session was removed without a message, at the next check (4401 session ended)', async () => {
    // Checks run while no socket has a session must not stop later ones.
    await new Promise((r) => setTimeout(r, CHECK_SECONDS * 1000 + 500));
    const session = await login('cid');
    const s = await open({ cookie: `aiops_session=${session}` });
    await rt.adapters.database.db.deleteFrom('sessions').where('user_id', '=', users.cid!.id).execute();
    const removed = Date.now();
    const closed = await s.closed;
    expect(closed).toMatchObject({ code: 4401, reason: 'session ended' });
    expect(closed.at - removed).toBeLessThan(CHECK_SECONDS * 1000 + 2000);
  });
});
