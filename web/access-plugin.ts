/**
 * Who is asking, for every web route group, in one place. Registered once (with
 * fastify-plugin) before the route groups; a group then guards its routes with
 *
 *     app.addHook('onRequest', requirePermission('incident:read'));        // every route of the group
 *     app.post('/x', { onRequest: requirePermission('incident:write') }, …); // one route
 *
 * and records what it changed with `audit(request, …)` (web/audit.ts). Permissions and
 * roles are in engine/auth/roles.ts.
 *
 * A request's credential, first found wins:
 * 1. `Authorization: Bearer <session secret or API token>`;
 * 2. `?access_token=<…>`, only where the route allows it (the websocket, whose browser
 *    API cannot set headers); it is removed from `request.query` before validation;
 * 3. the `aiops_session` cookie set by POST /api/v1/auth/login.
 * A header or query credential that is not valid is a 401 `invalid-token`; a stale cookie
 * is ignored (and cleared), as if none was sent. With no credential the request is
 * unauthenticated (401) under WEB_AUTH=required, and an anonymous problem-manager under
 * WEB_AUTH=disabled. Lacking the permission is a 403, or a 401 for an anonymous request
 * (signing in might help). The actor is cached on `request.actor`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor } from '../engine/auth/actor.ts';
import type { Authenticator } from '../engine/auth/authenticator.ts';
import { forbidden, tokenFromAuthorization, unauthenticated } from '../engine/auth/http-auth.ts';
import { type Permission, type UserRole, hasPermission } from '../engine/auth/roles.ts';
import type { SessionService } from '../engine/auth/session-service.ts';
import type { Database } from '../engine/db/database.ts';
import { clearedSessionCookie, readSessionCookie } from './session-cookie.ts';

/** What requests without credentials may do under WEB_AUTH=disabled: everything but administration. */
export const ANONYMOUS_ROLE: UserRole = 'problem-manager';
const QUERY_TOKEN_PARAM = 'access_token';

export interface WebAccess {
  mode: 'required' | 'disabled';
  authenticator: Authenticator;
  sessions: SessionService;
  database: Database;
  cookieSecure: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    access: WebAccess;
  }
  interface FastifyRequest {
    /** Set by `requirePermission`/`requireActor` (or a login); null before, or when nobody is identified. */
    actor: Actor | null;
  }
}

export type AccessHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface IdentifyOptions {
  /** Accept `?access_token=` (the websocket only). */
  queryToken?: boolean;
}

/** An onRequest hook: 401/403 problem+json unless the request's actor holds `permission`. */
export function requirePermission(permission: Permission, opts: IdentifyOptions = {}): AccessHook {
  return async function checkPermission(request, reply) {
    const actor = await identify(request, reply, opts);
    if (actor === null) throw unauthenticated(reply, SIGN_IN);
    if (hasPermission(actor.role, permission)) return;
    if (actor.kind === 'anonymous') throw unauthenticated(reply, `${permission} needs a signed-in user or an API token with that permission: ${SIGN_IN}`);
    throw forbidden(`${actor.kind === 'user' ? 'user' : 'token'} ${actor.name} (role ${actor.role ?? 'none'}) lacks the ${permission} permission`);
  };
}

/** An onRequest hook: 401 unless someone (or, under WEB_AUTH=disabled, anonymous) is identified. */
export function requireActor(opts: IdentifyOptions = {}): AccessHook {
  return async function checkActor(request, reply) {
    if ((await identify(request, reply, opts)) === null) throw unauthenticated(reply, SIGN_IN);
  };
}

const SIGN_IN = 'sign in with POST /api/v1/auth/login, or send a session or API token as Authorization: Bearer <token>';

/** The request's actor, authenticating it once; null when no credential was sent and auth is required. */
export async function identify(request: FastifyRequest, reply: FastifyReply, opts: IdentifyOptions = {}): Promise<Actor | null> {
  if (request.actor !== null) return request.actor;
  const access = accessOf(request);
  const fromQuery = opts.queryToken ? takeQueryToken(request) : undefined;
  const header = request.headers.authorization;
  const presented = tokenFromAuthorization(typeof header === 'string' ? header : undefined) ?? fromQuery;
  let actor: Actor | undefined;
  if (presented !== undefined) {
    actor = await access.authenticator.authenticate(presented);
    if (!actor) throw unauthenticated(reply, 'the token or session is unknown, expired or revoked', true);
  } else {
    const cookie = readSessionCookie(request.headers.cookie);
    if (cookie !== undefined) {
      actor = await access.authenticator.authenticate(cookie);
      if (!actor) reply.header('set-cookie', clearedSessionCookie(access.cookieSecure));
    }
  }
  actor ??= access.mode === 'disabled' ? { kind: 'anonymous', id: null, name: 'anonymous', role: ANONYMOUS_ROLE } : undefined;
  request.actor = actor ?? null;
  return request.actor;
}

export function accessOf(request: FastifyRequest): WebAccess {
  const access = request.server.access as WebAccess | undefined;
  if (access === undefined) throw new Error('the web access plugin is not registered before this route group');
  return access;
}

function takeQueryToken(request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  if (!query || typeof query !== 'object') return undefined;
  const value = query[QUERY_TOKEN_PARAM];
  delete query[QUERY_TOKEN_PARAM];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

async function accessPlugin(app: FastifyInstance, opts: WebAccess): Promise<void> {
  app.decorate('access', opts);
  app.decorateRequest('actor', null);
  if (opts.mode === 'disabled') {
    app.log.warn(`WEB_AUTH=disabled: the web API and console answer requests without credentials as an anonymous ${ANONYMOUS_ROLE}; use this only for local trials`);
  }
}

export const webAccess = fp(accessPlugin, { name: 'web-access' });
