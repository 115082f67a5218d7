/**
 * POST /api/v1/tokens, GET /api/v1/tokens, DELETE /api/v1/tokens/:id: create, list and
 * revoke API tokens. Every route needs a token with scope `admin`, checked by the one
 * hook of this encapsulated group (header only: an admin token never goes in a URL).
 * A secret is returned once, by POST; nothing returns a secret or its hash afterwards.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { SOURCE_PATTERN, TOKEN_SCOPES, allows, newTokenSecret } from '../engine/auth/api-token.ts';
import { forbidden, tokenFromAuthorization, unauthenticated } from '../engine/auth/http-auth.ts';
import { TokenRepository } from '../engine/auth/token-repository.ts';
import type { TokenVerifier } from '../engine/auth/token-verifier.ts';
import type { Database } from '../engine/db/database.ts';
import { notFound } from '../engine/errors/app-error.ts';
import { stringEnum } from '../engine/http/string-enum.ts';

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(stringEnum(TOKEN_SCOPES), { minItems: 1, maxItems: TOKEN_SCOPES.length, uniqueItems: true }),
    sources: Type.Optional(Type.Array(Type.String({ pattern: SOURCE_PATTERN }), { minItems: 1, maxItems: 100, uniqueItems: true, description: 'omit for every source' })),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export interface TokenRoutesOptions {
  database: Database;
  verifier: TokenVerifier;
}

export const tokenRoutes: FastifyPluginAsync<TokenRoutesOptions> = async (app, { database, verifier }) => {
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    const secret = tokenFromAuthorization(typeof header === 'string' ? header : undefined);
    if (secret === undefined) throw unauthenticated(reply, 'send an admin token as Authorization: Bearer <token>');
    const principal = await verifier.verify(secret);
    if (!principal) throw unauthenticated(reply, 'the token is unknown or revoked', true);
    if (!allows(principal, 'admin')) throw forbidden('managing tokens needs a token with the admin scope');
  });

  app.post<{ Body: Static<typeof CreateBody> }>('/api/v1/tokens', { schema: { body: CreateBody } }, async (request, reply) => {
    const { secret, hash } = newTokenSecret();
    const token = await new TokenRepository(database.db).insert({ name: request.body.name, scopes: request.body.scopes, sources: request.body.sources ?? null, hash });
    return reply.code(201).send({ ...token, token: secret });
  });

  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/v1/tokens', { schema: { querystring: ListQuery } }, async (request) => {
    const { limit, offset } = request.query;
    const items = await new TokenRepository(database.db).list({ limit, offset });
    return { items, limit, offset };
  });

  app.delete<{ Params: Static<typeof IdParams> }>('/api/v1/tokens/:id', { schema: { params: IdParams } }, async (request, reply) => {
    const outcome = await new TokenRepository(database.db).revoke(request.params.id);
    if (outcome === 'not-found') throw notFound(`token ${request.params.id}`);
    // Other processes stop trusting it when their cache entry expires (AUTH_CACHE_SECONDS).
    verifier.forget(request.params.id);
    return reply.code(204).send();
  });
};
