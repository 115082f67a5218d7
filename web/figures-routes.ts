/**
 * GET /api/v1/figures?from=&to=&bucket=hour|day&service=: MTTA, MTTR, incidents, alerts
 * and compression per time bucket and per service (see IncidentFiguresRepository for what
 * each figure counts). `to` defaults to now, `from` to a day (hourly buckets) or a week
 * (daily buckets) before `to`. At most MAX_BUCKETS buckets per request.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../engine/db/database.ts';
import { badRequest } from '../engine/errors/app-error.ts';
import { BUCKET_MS, IncidentFiguresRepository } from '../engine/figures/incident-figures-repository.ts';
import { stringEnum } from '../engine/http/string-enum.ts';

export const MAX_BUCKETS = 1000;
const DEFAULT_SPAN_BUCKETS = { hour: 24, day: 7 } as const;

const FiguresQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'start of the range (inclusive), RFC 3339' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'end of the range (exclusive), RFC 3339; default now' })),
    bucket: Type.Optional(stringEnum(['hour', 'day'] as const, 'bucket width, in UTC; default hour')),
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: "an incident's grouping key, e.g. service=orders-api" })),
  },
  { additionalProperties: false },
);

export const figuresRoutes: FastifyPluginAsync<{ database: Database }> = async (app, { database }) => {
  app.get<{ Querystring: Static<typeof FiguresQuery> }>('/api/v1/figures', { schema: { querystring: FiguresQuery } }, async (request) => {
    const { service } = request.query;
    const bucket = request.query.bucket ?? 'hour';
    const to = request.query.to === undefined ? new Date() : new Date(request.query.to);
    const from = request.query.from === undefined ? new Date(to.getTime() - DEFAULT_SPAN_BUCKETS[bucket] * BUCKET_MS[bucket]) : new Date(request.query.from);
    if (from.getTime() >= to.getTime()) throw badRequest('from must be before to', [{ field: 'querystring/from', message: 'must be before to' }]);
    const count = Math.ceil((to.getTime() - Math.floor(from.getTime() / BUCKET_MS[bucket]) * BUCKET_MS[bucket]) / BUCKET_MS[bucket]);
    if (count > MAX_BUCKETS) {
      throw badRequest(`the range holds ${count} ${bucket} buckets; at most ${MAX_BUCKETS}`, [{ field: 'querystring/from', message: `at most ${MAX_BUCKETS} buckets` }]);
    }
    const report = await new IncidentFiguresRepository(database.db).figures({ from, to, bucket, ...(service !== undefined ? { service } : {}) });
    return { from: from.toISOString(), to: to.toISOString(), bucket, service: service ?? null, ...report };
  });
};
