/**
 * Authentication, per-source rate limits and body signatures for every ingest route, in
 * one place. Registered with fastify-plugin inside the (encapsulated) ingest plugin,
 * before its routes, so its hooks cover exactly the ingest routes and nothing else.
 *
 * For each request, in order:
 * 1. onRequest: the token — `Authorization: Bearer|Token <t>`, Basic with the token as
 *    password, or `?token=<t>` / InfluxDB 1.x `?p=<t>` for senders that cannot set
 *    headers — must be active, hold scope `ingest` and be allowed for the route's source.
 *    Missing → 401 with `WWW-Authenticate`; unknown or revoked → 401; wrong scope or
 *    source → 403. Credentials in the query are removed from `request.query` so no
 *    handler can store them (and the request log serializer redacts the URL).
 * 2. onRequest: the rate limit, per source and token (per source and client address
 *    when auth is disabled): 429 problem+json with `Retry-After` past the limit. Shared by
 *    every ingest process through Redis when REDIS_URL is set, else in memory.
 * 3. onRequest → preParsing → preValidation: where the source has an HMAC secret, the
 *    signature header must be present (401 before the body is read), the raw body is
 *    hashed as it is parsed, and a mismatch is a 401 before validation or the handler.
 *    A body that does not parse fails first, with the parser's 400.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { allows, type Principal } from '../../engine/auth/api-token.ts';
import { forbidden, tokenFromAuthorization, unauthenticated } from '../../engine/auth/http-auth.ts';
import type { TokenVerifier } from '../../engine/auth/token-verifier.ts';
import { AppError } from '../../engine/errors/app-error.ts';
import { BodySignature, presentedSignature } from './hmac-signature.ts';
import { ingestSourceOf } from './ingest-source.ts';

export interface IngestAuthOptions {
  /** `disabled` lets requests in without a token: an explicit opt-in for local trials. */
  mode: 'required' | 'disabled';
  verifier: TokenVerifier;
  /** HMAC-SHA256 secrets by source; a source listed must sign its bodies. */
  hmacSecrets: Readonly<Record<string, string>>;
  rateLimit: {
    perMinute: number;
    /** Shares the counters between ingest processes; the client is created and closed here. */
    redisUrl: string | undefined;
    /** Key prefix in Redis (the queue prefix keeps a test's or deployment's keys together). */
    keyPrefix: string;
  };
}

/** Query parameters that may carry the token. */
const QUERY_TOKEN_PARAMS = ['token', 'p'] as const;
const REDIS_READY_MS = 5000;

async function ingestAuthPlugin(app: FastifyInstance, opts: IngestAuthOptions): Promise<void> {
  const principals = new WeakMap<FastifyRequest, Principal>();
  const signatures = new WeakMap<FastifyRequest, BodySignature>();

  // Every route of the ingest scope must have a source; an unnamed one fails the start.
  app.addHook('onRoute', (route) => {
    if (ingestSourceOf(route.url) === undefined) {
      throw new Error(`ingest route ${route.method} ${route.url} has no source for authentication and rate limits: name it in ingest/auth/ingest-source.ts`);
    }
  });

  if (opts.mode === 'disabled') {
    app.log.warn('INGEST_AUTH=disabled: ingest endpoints accept requests without a token; use this only for local trials');
  }

  const redis = opts.rateLimit.redisUrl ? await connectRedis(app, opts.rateLimit.redisUrl) : undefined;
  await app.register(rateLimit, {
    global: false,
    max: opts.rateLimit.perMinute,
    timeWindow: 60_000,
    // Without Redis, at most this many (source, token) counters are kept in memory.
    cache: 10_000,
    ...(redis ? { redis, nameSpace: opts.rateLimit.keyPrefix } : {}),
    // A Redis outage must not turn ingest into 500s: the queue answers 503 on its own then.
    skipOnError: true,
    keyGenerator: (request) => {
      const source = sourceOf(request);
      const principal = principals.get(request);
      return principal ? `${source}:token:${principal.id}` : `${source}:ip:${request.ip}`;
    },
    errorResponseBuilder: (request, ctx) =>
      new AppError({
        code: 'rate-limited',
        status: 429,
        title: 'Too many requests',
        detail: `more than ${ctx.max} requests a minute to source ${sourceOf(request)} with this credential; retry in ${ctx.after}`,
        retryAfterSeconds: Math.max(1, Math.ceil(ctx.ttl / 1000)),
      }),
  });
  const limit = app.rateLimit();

  app.addHook('onRequest', async (request, reply) => {
    const source = sourceOf(request);
    const secret = takeCredential(request);
    if (opts.mode === 'required') principals.set(request, await authenticate(secret, source, reply));
    await limit.call(app, request, reply);

    const hmacSecret = opts.hmacSecrets[source];
    if (hmacSecret !== undefined) {
      const presented = presentedSignature(request.headers);
      if (presented === 'missing') throw unauthenticated(reply, `source ${source} signs its requests: send X-Signature-256: sha256=<HMAC-SHA256 of the body>`);
      if (presented === 'malformed') throw unauthenticated(reply, 'X-Signature-256 must be sha256=<64 hex digits>');
      signatures.set(request, new BodySignature(hmacSecret, presented));
    }
  });

  app.addHook('preParsing', async (request, _reply, payload) => {
    const signature = signatures.get(request);
    return signature ? signature.tee(payload) : payload;
  });

  app.addHook('preValidation', async (request, reply) => {
    const signature = signatures.get(request);
    if (signature && !signature.matches()) throw unauthenticated(reply, 'the body signature does not match X-Signature-256');
  });

  async function authenticate(secret: string | undefined, source: string, reply: FastifyReply): Promise<Principal> {
    if (secret === undefined) throw unauthenticated(reply, 'send an ingest token as Authorization: Bearer <token>, or as ?token=<token> where headers cannot be set');
    const principal = await opts.verifier.verify(secret);
    if (!principal) throw unauthenticated(reply, 'the token is unknown or revoked', true);
    if (!allows(principal, 'ingest', source)) {
      throw forbidden(principal.scopes.includes('ingest') ? `this token may not send to source ${source}` : 'this token lacks the ingest scope');
    }
    return principal;
  }
}

function sourceOf(request: FastifyRequest): string {
  // onRoute guarantees every ingest route has one.
  return ingestSourceOf(request.routeOptions.url ?? '') ?? 'unknown';
}

/**
 * The presented token, header first. Query credentials are deleted from `request.query`
 * either way, so a handler that keeps query parameters (as labels, say) never sees them.
 */
function takeCredential(request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  let fromQuery: string | undefined;
  if (query && typeof query === 'object') {
    for (const name of QUERY_TOKEN_PARAMS) {
      const value = query[name];
      if (fromQuery === undefined && typeof value === 'string' && value !== '') fromQuery = value;
      delete query[name];
    }
  }
  const header = request.headers.authorization;
  return tokenFromAuthorization(typeof header === 'string' ? header : undefined) ?? fromQuery;
}

async function connectRedis(app: FastifyInstance, url: string) {
  const { Redis } = await import('ioredis');
  const { waitForReady } = await import('../../engine/redis/wait-for-ready.ts');
  // Fails fast while Redis is down (skipOnError lets the request through) instead of queueing behind the outage.
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: REDIS_READY_MS });
  client.on('error', (err) => app.log.warn({ err }, 'rate limit: redis connection error'));
  app.addHook('onClose', async () => {
    await client.quit().catch(() => client.disconnect());
  });
  try {
    await waitForReady(client, REDIS_READY_MS);
  } catch (err) {
    app.log.warn({ err }, 'rate limit: redis is not ready; requests are not counted until it is');
  }
  return client;
}

export const ingestAuth = fp(ingestAuthPlugin, { name: 'ingest-auth' });
