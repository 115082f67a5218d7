/**
 * GET /api/v1/audit?actor=&action=&since=&limit=&cursor=: the audit log, newest first,
 * for admins. `actor` is a user or token id, or a username or token name; `action` an
 * exact action or a prefix such as `auth.*`; `since` an RFC 3339 time; `cursor` the
 * `nextCursor` of the previous page (null on the last).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AuditRepository, BadCursorError } from '../engine/auth/audit-repository.ts';
import { badRequest } from '../engine/errors/app-error.ts';
import { accessOf, requirePermission } from './access-plugin.ts';

const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    action: Type.Optional(Type.String({ pattern: '^[a-z0-9_:-]+(\\.[a-z0-9_:-]+)*(\\.\\*)?$', maxLength: 128, description: 'e.g. auth.login, or auth.* for a prefix' })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const auditRoutes: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', requirePermission('admin'));

  app.get<{ Querystring: Static<typeof AuditQuery> }>('/api/v1/audit', { schema: { querystring: AuditQuery } }, async (request) => {
    const { actor, action, since, limit, cursor } = request.query;
    try {
      return await new AuditRepository(accessOf(request).database.db).list(
        { ...(actor !== undefined ? { actor } : {}), ...(action !== undefined ? { action } : {}), ...(since !== undefined ? { since: new Date(since) } : {}) },
        { limit, ...(cursor !== undefined ? { cursor } : {}) },
      );
    } catch (err) {
      if (err instanceof BadCursorError) throw badRequest(err.message, [{ field: 'querystring/cursor', message: 'is not a cursor this API returned' }]);
      throw err;
    }
  });
};
