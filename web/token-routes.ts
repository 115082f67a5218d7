/**
 * POST /api/v1/tokens, GET /api/v1/tokens, DELETE /api/v1/tokens/:id: create, list and
 * revoke API tokens. Every route needs the `admin` permission (an admin user, or a token
 * with the `admin` scope as before), checked by the one hook of this encapsulated group;
 * a token only in a URL is not taken. A secret is returned once, by POST; nothing returns
 * a secret or its hash afterwards. Creating and revoking are in the audit log.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { SOURCE_PATTERN, TOKEN_SCOPES, newTokenSecret } from '../engine/auth/api-token.ts';
import { TokenRepository } from '../engine/auth/token-repository.ts';
import type { TokenVerifier } from '../engine/auth/token-verifier.ts';
import type { Database } from '../engine/db/database.ts';
import { notFound } from '../engine/errors/app-error.ts';
import { stringEnum } from '../engine/http/string-enum.ts';
import { requirePermission } from './access-plugin.ts';
import { audit } from './audit.ts';
import { OffsetPageQuery, UuidParams } from './common-schemas.ts';

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(stringEnum(TOKEN_SCOPES), { minItems: 1, maxItems: TOKEN_SCOPES.length, uniqueItems: true }),
    sources: Type.Optional(Type.Array(Type.String({ pattern: SOURCE_PATTERN }), { minItems: 1, maxItems: 100, uniqueItems: true, description: 'omit for every source' })),
  },
  { additionalProperties: false },
);

export interface TokenRoutesOptions {
  database: Database;
  verifier: TokenVerifier;
}

export const tokenRoutes: FastifyPluginAsync<TokenRoutesOptions> = async (app, { database, verifier }) => {
  app.addHook('onRequest', requirePermission('admin'));

  app.post<{ Body: Static<typeof CreateBody> }>('/api/v1/tokens', { schema: { body: CreateBody } }, async (request, reply) => {
    const { secret, hash } = newTokenSecret();
    const token = await database.db.transaction().execute(async (trx) => {
      const created = await new TokenRepository(trx).insert({ name: request.body.name, scopes: request.body.scopes, sources: request.body.sources ?? null, hash });
      await audit(request, 'token.created', { type: 'token', id: created.id }, { name: created.name, scopes: created.scopes, sources: created.sources }, { db: trx });
      return created;
    });
    return reply.code(201).send({ ...token, token: secret });
  });

  app.get<{ Querystring: Static<typeof OffsetPageQuery> }>('/api/v1/tokens', { schema: { querystring: OffsetPageQuery } }, async (request) => {
    const { limit, offset } = request.query;
    const items = await new TokenRepository(database.db).list({ limit, offset });
    return { items, limit, offset };
  });

  app.delete<{ Params: Static<typeof UuidParams> }>('/api/v1/tokens/:id', { schema: { params: UuidParams } }, async (request, reply) => {
    const outcome = await database.db.transaction().execute(async (trx) => {
      const result = await new TokenRepository(trx).revoke(request.params.id);
      if (result === 'revoked') await audit(request, 'token.revoked', { type: 'token', id: request.params.id }, {}, { db: trx });
      return result;
    });
    if (outcome === 'not-found') throw notFound(`token ${request.params.id}`);
    // Other processes stop trusting it when their cache entry expires (AUTH_CACHE_SECONDS).
    verifier.forget(request.params.id);
    return reply.code(204).send();
  });
};
