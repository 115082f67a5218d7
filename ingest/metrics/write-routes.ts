/**
 * The metric write paths that speak text or JSON:
 * - InfluxDB line protocol at /api/v1/write, and at /write and /api/v2/write so Telegraf
 *   and InfluxDB clients can point at us unchanged. Every line is validated first: one
 *   bad line rejects the request with its line number and nothing is stored.
 * - JSON points at /api/v1/metrics: `[{measurement, tags, fields, time}]`, our own API,
 *   so strict (unknown fields are a 400); one invalid point rejects the request.
 *
 * Both answer 204 once the points are in the metric store's buffer, and 503 with
 * Retry-After (from the store) when that buffer is full. Line protocol first waits up to
 * ROOM_WAIT_MS for room for as many points as the body has lines, and is refused unchecked
 * if none comes.
 *
 * Limits: `Content-Encoding: gzip` is decompressed as it arrives; the app's body limit
 * (BODY_LIMIT_BYTES) applies to the body both as sent and once decompressed (413 past
 * it). At most MAX_JSON_POINTS points per JSON request.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AppError, type FieldError, badRequest } from '../../engine/errors/app-error.ts';
import { stringEnum } from '../../engine/http/string-enum.ts';
import { invalidPointReason } from '../../engine/metrics/line-protocol.ts';
import { validateLineProtocol } from '../../engine/metrics/validate-line-protocol.ts';
import type { FieldValue, MetricPoint, MetricStore } from '../../engine/metrics/metric-store.ts';
import type { AppMetrics } from '../../engine/observability/metrics-registry.ts';
import { gunzipBody } from './gunzip-body.ts';

export interface WriteRoutesOptions {
  metricStore: MetricStore;
  metrics: AppMetrics;
}

const PRECISIONS = { ns: 'ns', n: 'ns', us: 'us', u: 'us', ms: 'ms', s: 's' } as const;

const WriteQuery = Type.Object({
  precision: Type.Optional(stringEnum(Object.keys(PRECISIONS))),
  // Accepted for compatibility with InfluxDB clients; the store's own target is configured.
  db: Type.Optional(Type.String()),
  bucket: Type.Optional(Type.String()),
  org: Type.Optional(Type.String()),
  rp: Type.Optional(Type.String()),
  consistency: Type.Optional(Type.String()),
});

/**
 * How long a line-protocol write waits for room in a full metric buffer before its 503:
 * well inside the 5 s that Telegraf and the InfluxDB clients give a write by default.
 */
const ROOM_WAIT_MS = 2_000;

/** Errors listed in one response at most; the count says how many there were. */
const MAX_REPORTED_ERRORS = 50;

/** Points in one JSON request. */
export const MAX_JSON_POINTS = 10_000;

/** Line protocol is UTF-8 by definition; these media types carry it (none: Telegraf). */
const LINE_PROTOCOL_TYPES = new Set(['text/plain', 'application/octet-stream']);
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/** Epoch milliseconds whose nanoseconds still fit in int64. */
const MAX_EPOCH_MS = 9_223_372_036_854;

const JsonPoint = Type.Object(
  {
    measurement: Type.String({ minLength: 1, maxLength: 256 }),
    tags: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 4096 }), { maxProperties: 64, propertyNames: { minLength: 1, maxLength: 256 } }),
    ),
    fields: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String({ maxLength: 65_536 }), Type.Boolean()]), {
      minProperties: 1,
      maxProperties: 256,
      propertyNames: { minLength: 1, maxLength: 256 },
    }),
    /** RFC 3339 with a time zone (nanosecond fractions kept), or epoch milliseconds; default: now. */
    time: Type.Optional(
      Type.Union([Type.String({ format: 'date-time' }), Type.Integer({ minimum: -MAX_EPOCH_MS, maximum: MAX_EPOCH_MS })]),
    ),
  },
  { additionalProperties: false },
);
const JsonPoints = Type.Array(JsonPoint, { minItems: 1, maxItems: MAX_JSON_POINTS });
type JsonPoints = Static<typeof JsonPoints>;

export const writeRoutes: FastifyPluginAsync<WriteRoutesOptions> = async (app, opts) => {
  const maxBytes = app.initialConfig.bodyLimit ?? 1024 * 1024;
  // Registered here, so it covers both route groups below and nothing outside this plugin.
  app.addHook('preParsing', gunzipBody(maxBytes));
  await app.register(lineProtocolRoutes, opts);
  await app.register(jsonPointRoutes, opts);
};

const lineProtocolRoutes: FastifyPluginAsync<WriteRoutesOptions> = async (app, opts) => {
  // Checked before the body is read; '*' then also takes requests with no Content-Type.
  app.addHook('onRequest', async (request) => checkLineProtocolType(request));
  // Bytes, not text: the validator reads them, and a tidy body is forwarded as it came.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser(['text/plain', 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const handler = async (request: FastifyRequest<{ Querystring: Static<typeof WriteQuery> }>, reply: { code(n: number): { send(): unknown } }) => {
    if (!Buffer.isBuffer(request.body)) throw badRequest('the body must be InfluxDB line protocol sent as text/plain');
    // At most this many lines. A full buffer holds the request (as InfluxDB would, taking
    // longer to answer) and refuses it unchecked if no room comes in time.
    await opts.metricStore.waitForRoom(lineBreaks(request.body) + 1, ROOM_WAIT_MS);
    const precision = PRECISIONS[(request.query.precision ?? 'ns') as keyof typeof PRECISIONS];
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    // Checked here, once; the store gets the lines as bytes, not as points to check again.
    const { batch, errors } = validateLineProtocol(request.body, precision, nowNs);
    if (errors.length > 0) {
      opts.metrics.pointsRejected.inc(errors.length);
      throw badRequest(
        `${errors.length} line(s) are not valid line protocol; nothing was written`,
        errors.slice(0, MAX_REPORTED_ERRORS).map((e) => ({ field: `line ${e.line}`, message: e.message })),
      );
    }
    if (batch.count > 0) opts.metricStore.writeLines(batch);
    opts.metrics.pointsAccepted.inc(batch.count);
    return reply.code(204).send();
  };

  for (const url of ['/api/v1/write', '/write', '/api/v2/write']) {
    app.post<{ Querystring: Static<typeof WriteQuery> }>(url, { schema: { querystring: WriteQuery } }, handler);
  }
};

const jsonPointRoutes: FastifyPluginAsync<WriteRoutesOptions> = async (app, opts) => {
  app.post<{ Body: JsonPoints }>('/api/v1/metrics', { schema: { body: JsonPoints } }, async (request, reply) => {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const points: MetricPoint[] = [];
    const errors: FieldError[] = [];
    for (let i = 0; i < request.body.length; i++) {
      const p = request.body[i] as JsonPoints[number];
      const timeNs = p.time === undefined ? nowNs : typeof p.time === 'number' ? BigInt(p.time) * 1_000_000n : isoToNs(p.time);
      if (timeNs === undefined) {
        errors.push({ field: `/${i}/time`, message: `${JSON.stringify(p.time)} is not a time this server can represent` });
        continue;
      }
      const point: MetricPoint = { measurement: p.measurement, tags: p.tags ?? {}, fields: p.fields as Record<string, FieldValue>, timeNs };
      const reason = invalidPointReason(point);
      if (reason !== undefined) errors.push({ field: `/${i}`, message: reason });
      else points.push(point);
    }
    if (errors.length > 0) {
      opts.metrics.pointsRejected.inc(errors.length);
      throw badRequest(`${errors.length} point(s) cannot be stored; nothing was written`, errors.slice(0, MAX_REPORTED_ERRORS));
    }
    opts.metricStore.write(points);
    opts.metrics.pointsAccepted.inc(points.length);
    return reply.code(204).send();
  });
};

function lineBreaks(body: Buffer): number {
  let n = 0;
  for (let i = body.indexOf(0x0a); i !== -1; i = body.indexOf(0x0a, i + 1)) n++;
  return n;
}

function checkLineProtocolType(request: FastifyRequest): void {
  const header = request.headers['content-type'];
  if (header === undefined) return;
  const [type = '', ...params] = header.split(';').map((s) => s.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/^"|"$/g, '');
  if (LINE_PROTOCOL_TYPES.has(type) && (charset === undefined || UTF8_CHARSETS.has(charset))) return;
  throw new AppError({
    code: 'unsupported-media-type',
    status: 415,
    title: 'The request was rejected',
    detail: `line protocol must be sent as text/plain (UTF-8) or with no Content-Type, not ${JSON.stringify(header)}`,
  });
}

/**
 * An RFC 3339 date-time (already validated by the schema) to epoch nanoseconds, keeping
 * fractions finer than the millisecond that Date would drop. Zone offsets are whole
 * minutes, so the fraction of the second is the same in every zone.
 */
function isoToNs(iso: string): bigint | undefined {
  const ms = Date.parse(iso);
  // The format admits what Date cannot read, such as a leap second (:60).
  if (!Number.isFinite(ms)) return undefined;
  const fraction = /^[^.]*T\d{2}:\d{2}:\d{2}\.(\d+)/i.exec(iso)?.[1] ?? '';
  const secondsMs = Math.floor(ms / 1000) * 1000;
  return BigInt(secondsMs) * 1_000_000n + BigInt(fraction.slice(0, 9).padEnd(9, '0'));
}
