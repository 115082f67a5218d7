/** GET /api/v1/incidents and /api/v1/incidents/:id, and GET /api/v1/alerts: permission `incident:read`. */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AlertRepository } from '../engine/alert/alert-repository.ts';
import type { Database } from '../engine/db/database.ts';
import { badRequest, notFound } from '../engine/errors/app-error.ts';
import { stringEnum } from '../engine/http/string-enum.ts';
import type { IncidentStatus } from '../engine/incident/incident.ts';
import { IncidentRepository } from '../engine/incident/incident-repository.ts';
import { requirePermission } from './access-plugin.ts';

const STATUSES: IncidentStatus[] = ['open', 'acknowledged', 'resolved', 'closed'];

const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ description: 'comma-separated: open,acknowledged,resolved,closed' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);
const AlertQuery = Type.Object(
  {
    status: Type.Optional(stringEnum(['firing', 'resolved'])),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const incidentRoutes: FastifyPluginAsync<{ database: Database }> = async (app, { database }) => {
  app.addHook('onRequest', requirePermission('incident:read'));

  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/v1/incidents', { schema: { querystring: ListQuery } }, async (request) => {
    const statuses = parseStatuses(request.query.status);
    const items = await new IncidentRepository(database.db).list({ statuses, limit: request.query.limit, offset: request.query.offset });
    return { items, limit: request.query.limit, offset: request.query.offset };
  });

  app.get<{ Params: Static<typeof IdParams> }>('/api/v1/incidents/:id', { schema: { params: IdParams } }, async (request) => {
    const incident = await new IncidentRepository(database.db).get(request.params.id);
    if (!incident) throw notFound(`incident ${request.params.id}`);
    return incident;
  });

  app.get<{ Querystring: Static<typeof AlertQuery> }>('/api/v1/alerts', { schema: { querystring: AlertQuery } }, async (request) => {
    const { status, limit, offset } = request.query;
    const items = await new AlertRepository(database.db).list({ ...(status ? { status } : {}), limit, offset });
    return { items, limit, offset };
  });
};

function parseStatuses(value: string | undefined): IncidentStatus[] | undefined {
  if (value === undefined || value === '') return undefined;
  const list = value.split(',').map((s) => s.trim());
  const bad = list.filter((s) => !(STATUSES as string[]).includes(s));
  if (bad.length > 0) {
    throw badRequest(`unknown status ${bad.join(', ')}; use ${STATUSES.join(', ')}`, [{ field: 'querystring/status', message: `must be among ${STATUSES.join(', ')}` }]);
  }
  return list as IncidentStatus[];
}
