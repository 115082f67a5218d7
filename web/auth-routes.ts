/**
 * POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/auth/me.
 *
 * A login answers `{token, user, expiresAt}` and sets the session cookie (see
 * web/session-cookie.ts); the same token works as `Authorization: Bearer` for API
 * clients. A failed login is a 401 `invalid-credentials` that never says whether the
 * username or the password was wrong (or the user disabled). After `throttle.maxFailures`
 * failures for one username from one address, that pair gets a 429 with Retry-After
 * until the window ends (in-memory, per process: engine/auth/login-throttle.ts). Password
 * checks are bounded per process; past the bound a login is a 503 with Retry-After.
 * Every login, failed or not, and every logout is in the audit log.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Actor } from '../engine/auth/actor.ts';
import type { SessionsEndedMessage } from '../engine/bus/events.ts';
import { LoginThrottle } from '../engine/auth/login-throttle.ts';
import { MAX_PASSWORD_LENGTH } from '../engine/auth/password-hash.ts';
import { permissionsOf } from '../engine/auth/roles.ts';
import { normalizeUsername } from '../engine/auth/user.ts';
import { UserRepository } from '../engine/auth/user-repository.ts';
import { GateFullError } from '../engine/auth/work-gate.ts';
import { AppError, unavailable } from '../engine/errors/app-error.ts';
import { accessOf, identify, requireActor } from './access-plugin.ts';
import { audit } from './audit.ts';
import { clearedSessionCookie, sessionCookie } from './session-cookie.ts';

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 256 }),
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
  },
  { additionalProperties: false },
);

export interface AuthRoutesOptions {
  throttle: LoginThrottle;
  /** Tells every web process a session ended, so its websockets close. */
  sessionsEnded: (message: SessionsEndedMessage) => Promise<void>;
}

export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (app, { throttle, sessionsEnded }) => {
  app.post<{ Body: Static<typeof LoginBody> }>('/api/v1/auth/login', { schema: { body: LoginBody } }, async (request, reply) => {
    const access = accessOf(request);
    const { username, password } = request.body;
    const key = LoginThrottle.key(username, request.ip);
    const wait = throttle.retryAfterSeconds(key);
    if (wait > 0) {
      throw new AppError({
        code: 'too-many-failed-logins',
        status: 429,
        title: 'Too many failed logins',
        detail: `too many failed logins for this username from this address; try again in ${wait} s`,
        retryAfterSeconds: wait,
      });
    }

    let result;
    try {
      result = await access.sessions.login(username, password);
    } catch (err) {
      if (err instanceof GateFullError) throw unavailable('too many logins at once; try again in a moment', 2);
      throw err;
    }
    if (!result.ok) {
      const exhausted = throttle.fail(key);
      const failedActor: Actor = { kind: 'anonymous', id: null, name: 'anonymous', role: null };
      await audit(
        request,
        'auth.login.failed',
        result.user ? { type: 'user', id: result.user.id } : null,
        { username: normalizeUsername(username).slice(0, 64), reason: result.reason, ...(exhausted ? { throttled: true } : {}) },
        { actor: failedActor },
      );
      throw new AppError({ code: 'invalid-credentials', status: 401, title: 'Authentication failed', detail: 'the username or password is wrong' });
    }

    throttle.succeed(key);
    const { user, session, secret } = result;
    request.actor = { kind: 'user', id: user.id, name: user.username, role: user.role, session: { id: session.id, expiresAt: session.expiresAt } };
    await audit(request, 'auth.login', { type: 'user', id: user.id }, { session: session.id, expiresAt: session.expiresAt });
    const maxAge = (Date.parse(session.expiresAt) - Date.now()) / 1000;
    return reply
      .header('set-cookie', sessionCookie(secret, maxAge, access.cookieSecure))
      .header('cache-control', 'no-store')
      .send({ token: secret, user, expiresAt: session.expiresAt });
  });

  app.post('/api/v1/auth/logout', async (request, reply) => {
    const access = accessOf(request);
    const actor = await identify(request, reply);
    if (actor?.session && (await access.sessions.logout(actor.session.id))) {
      await audit(request, 'auth.logout', { type: 'user', id: actor.id! }, { session: actor.session.id });
      await sessionsEnded({ type: 'sessions.ended', reason: 'signed out', sessionIds: [actor.session.id] });
    }
    return reply.header('set-cookie', clearedSessionCookie(access.cookieSecure)).code(204).send();
  });

  app.get('/api/v1/auth/me', { onRequest: requireActor() }, async (request, reply) => {
    const actor = request.actor!;
    const user = actor.kind === 'user' && actor.id !== null ? await new UserRepository(accessOf(request).database.db).get(actor.id) : undefined;
    reply.header('cache-control', 'no-store');
    return {
      kind: actor.kind,
      id: actor.id,
      name: actor.name,
      role: actor.role,
      permissions: permissionsOf(actor.role),
      ...(user ? { user } : {}),
      ...(actor.session ? { expiresAt: actor.session.expiresAt } : {}),
      webAuth: accessOf(request).mode,
    };
  });
};
