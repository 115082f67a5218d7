/**
 * InfluxDB line protocol at /api/v1/write, and at /write and /api/v2/write so Telegraf
 * and InfluxDB clients can point at us unchanged. Every line is validated first: one
 * bad line rejects the request with its line number and nothing is stored.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { badRequest } from '../../engine/errors/app-error.ts';
import { stringEnum } from '../../engine/http/string-enum.ts';
import { parseLineProtocol } from '../../engine/metrics/line-protocol.ts';
import type { MetricStore } from '../../engine/metrics/metric-store.ts';
import type { AppMetrics } from '../../engine/observability/metrics-registry.ts';

const PRECISIONS = { ns: 'ns', n: 'ns', us: 'us', u: 'us', ms: 'ms', s: 's' } as const;

const WriteQuery = Type.Object({
  precision: Type.Optional(stringEnum(Object.keys(PRECISIONS))),
  // Accepted for compatibility with InfluxDB clients; the store's own target is configured.
  db: Type.Optional(Type.String()),
  bucket: Type.Optional(Type.String()),
  org: Type.Optional(Type.String()),
  rp: Type.Optional(Type.String()),
});

/** Errors listed in one response at most; the count says how many there were. */
const MAX_REPORTED_ERRORS = 50;

export const writeRoutes: FastifyPluginAsync<{ metricStore: MetricStore; metrics: AppMetrics }> = async (app, opts) => {
  app.addContentTypeParser(['text/plain', 'application/octet-stream'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const handler = async (request: { body: unknown; query: Static<typeof WriteQuery> }, reply: { code(n: number): { send(): unknown } }) => {
    if (typeof request.body !== 'string') throw badRequest('the body must be InfluxDB line protocol sent as text/plain');
    const precision = PRECISIONS[(request.query.precision ?? 'ns') as keyof typeof PRECISIONS];
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const { points, errors } = parseLineProtocol(request.body, precision, nowNs);
    if (errors.length > 0) {
      opts.metrics.pointsRejected.inc(errors.length);
      throw badRequest(
        `${errors.length} line(s) are not valid line protocol; nothing was written`,
        errors.slice(0, MAX_REPORTED_ERRORS).map((e) => ({ field: `line ${e.line}`, message: e.message })),
      );
    }
    opts.metricStore.write(points);
    opts.metrics.pointsAccepted.inc(points.length);
    return reply.code(204).send();
  };

  for (const url of ['/api/v1/write', '/write', '/api/v2/write']) {
    app.post<{ Querystring: Static<typeof WriteQuery> }>(url, { schema: { querystring: WriteQuery } }, handler);
  }
};
