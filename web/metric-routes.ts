/**
 * Reading series from the metric store for people (permission `incident:read`):
 *
 *   GET /api/v1/metrics/query?measurement=&field=value&tag=name=value&from=&to=&points=
 *       one field of one measurement, one series per tag set, exact tag filters (repeat `tag`),
 *       averaged into at most `points` buckets per series for a chart
 *   GET /api/v1/incidents/:id/metrics?from=&to=&points=
 *       the series an incident's members point at: a member alert names its metric with the
 *       label or annotation `metric` (the measurement) and optionally `metric_field` (default
 *       `value`); the series are those of the topology item its labels map to (the item's
 *       labels as tag filters), else of its `host`, `instance` or `service` label. The window
 *       runs from 30 minutes before the incident to its resolution (or now).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../engine/db/database.ts';
import { badRequest, notFound } from '../engine/errors/app-error.ts';
import { IncidentRepository } from '../engine/incident/incident-repository.ts';
import type { MetricSeries, MetricStore } from '../engine/metrics/metric-store.ts';
import type { TopologySnapshots } from '../engine/problem/topology-snapshot.ts';
import { requirePermission } from './access-plugin.ts';

const MAX_RANGE_MS = 31 * 86_400_000;
const MAX_SERIES = 20;
const MAX_INCIDENT_QUERIES = 6;
/** Raw points read per series before bucketing; the store keeps the newest when it cuts. */
const RAW_LIMIT = 10_000;
/** Members looked at for metric names, in link order. */
const MAX_MEMBERS_READ = 2_000;
const BEFORE_INCIDENT_MS = 30 * 60_000;
const AFTER_INCIDENT_MS = 15 * 60_000;

const Name = Type.String({ minLength: 1, maxLength: 256 });
const Window = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'inclusive start; default `to` minus one hour' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'exclusive end; default now' })),
  points: Type.Integer({ minimum: 10, maximum: 2_000, default: 300, description: 'buckets per series at most' }),
};
const QueryString = Type.Object(
  {
    measurement: Name,
    field: Type.String({ minLength: 1, maxLength: 256, default: 'value' }),
    tag: Type.Optional(Type.Array(Type.String({ minLength: 3, maxLength: 1_024, pattern: '^[^=]+=.*$' }), { maxItems: 32, description: 'name=value, repeatable' })),
    ...Window,
  },
  { additionalProperties: false },
);
const IncidentWindow = Type.Object(Window, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export interface SeriesQuery {
  measurement: string;
  field: string;
  tags: Record<string, string>;
}

export interface MetricRoutesOptions {
  database: Database;
  metricStore: MetricStore;
  topology: TopologySnapshots;
}

export const metricRoutes: FastifyPluginAsync<MetricRoutesOptions> = async (app, { database, metricStore, topology }) => {
  app.addHook('onRequest', requirePermission('incident:read'));

  app.get<{ Querystring: Static<typeof QueryString> }>('/api/v1/metrics/query', { schema: { querystring: QueryString } }, async (request) => {
    const q = request.query;
    const toMs = q.to ? Date.parse(q.to) : Date.now();
    const fromMs = q.from ? Date.parse(q.from) : toMs - 3_600_000;
    checkRange(fromMs, toMs);
    const tags: Record<string, string> = {};
    for (const t of q.tag ?? []) {
      const i = t.indexOf('=');
      tags[t.slice(0, i)] = t.slice(i + 1);
    }
    const query: SeriesQuery = { measurement: q.measurement, field: q.field, tags };
    const series = await read(metricStore, query, fromMs, toMs, q.points);
    return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), query, series };
  });

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof IncidentWindow> }>(
    '/api/v1/incidents/:id/metrics',
    { schema: { params: IdParams, querystring: IncidentWindow } },
    async (request) => {
      const incidents = new IncidentRepository(database.db);
      const incident = await incidents.getSummary(request.params.id);
      if (!incident) throw notFound(`incident ${request.params.id}`);
      const end = incident.resolvedAt ? Date.parse(incident.resolvedAt) + AFTER_INCIDENT_MS : Date.now();
      const toMs = request.query.to ? Date.parse(request.query.to) : Math.min(end, Date.now());
      const fromMs = request.query.from ? Date.parse(request.query.from) : Date.parse(incident.startedAt) - BEFORE_INCIDENT_MS;
      checkRange(fromMs, toMs);
      const snapshot = await topology.current(database.db);
      const members = await incidents.memberLabels(incident.id, MAX_MEMBERS_READ);
      const queries = seriesQueriesOf(members, (labels) =>
        (snapshot.matcher?.match(labels) ?? []).map((id) => snapshot.items.get(id)?.labels).find((l) => l !== undefined && Object.keys(l).length > 0),
      );
      const results = [];
      for (const { query, alert } of queries) {
        results.push({ ...query, alert, series: await read(metricStore, query, fromMs, toMs, request.query.points) });
      }
      const found = results.reduce((n, r) => n + r.series.length, 0);
      const note =
        queries.length === 0
          ? 'no member alert names a metric (label or annotation `metric`, optionally `metric_field`)'
          : found === 0
            ? 'the metric store has no points for these series in this window'
            : null;
      return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), queries: results, note };
    },
  );
};

function checkRange(fromMs: number, toMs: number): void {
  if (!(fromMs < toMs)) throw badRequest('`from` must be before `to`', [{ field: 'querystring/from', message: 'must be before to' }]);
  if (toMs - fromMs > MAX_RANGE_MS) throw badRequest('the window is longer than 31 days', [{ field: 'querystring/from', message: 'at most 31 days before to' }]);
}

/** The distinct series the members name (label first, then annotation), at most MAX_INCIDENT_QUERIES, in member order. */
export function seriesQueriesOf(
  members: ReadonlyArray<{ name: string; labels: Record<string, string>; annotations?: Record<string, string> }>,
  itemLabels: (labels: Record<string, string>) => Record<string, string> | undefined,
): Array<{ query: SeriesQuery; alert: string }> {
  const out = new Map<string, { query: SeriesQuery; alert: string }>();
  for (const m of members) {
    const measurement = m.labels.metric ?? m.annotations?.metric;
    if (!measurement) continue;
    const field = m.labels.metric_field ?? m.annotations?.metric_field ?? 'value';
    const fromItem = itemLabels(m.labels);
    const tags = fromItem ?? firstOf(m.labels, ['host', 'instance', 'service']);
    const query: SeriesQuery = { measurement, field, tags };
    const key = JSON.stringify([measurement, field, Object.entries(tags).sort()]);
    if (!out.has(key)) out.set(key, { query, alert: m.name });
    if (out.size >= MAX_INCIDENT_QUERIES) break;
  }
  return [...out.values()];
}

function firstOf(labels: Record<string, string>, names: string[]): Record<string, string> {
  for (const n of names) if (labels[n] !== undefined) return { [n]: labels[n] };
  return {};
}

async function read(store: MetricStore, q: SeriesQuery, fromMs: number, toMs: number, points: number): Promise<Array<MetricSeries & { raw: number }>> {
  const series = await store.query({ measurement: q.measurement, field: q.field, tags: q.tags, startMs: fromMs, endMs: toMs, limit: RAW_LIMIT });
  return series.slice(0, MAX_SERIES).map((s) => ({ tags: s.tags, raw: s.points.length, points: bucket(s.points, fromMs, toMs, points) }));
}

/** Numeric points averaged into at most `n` equal time buckets (each at its mean time); others dropped. */
export function bucket(points: ReadonlyArray<[number, unknown]>, fromMs: number, toMs: number, n: number): Array<[number, number]> {
  const numeric = points.filter((p): p is [number, number] => typeof p[1] === 'number' && Number.isFinite(p[1]));
  if (numeric.length <= n) return numeric;
  const width = (toMs - fromMs) / n;
  const sums = new Map<number, { t: number; v: number; c: number }>();
  for (const [t, v] of numeric) {
    const b = Math.min(n - 1, Math.floor((t - fromMs) / width));
    const s = sums.get(b);
    if (s) {
      s.t += t;
      s.v += v;
      s.c++;
    } else sums.set(b, { t, v, c: 1 });
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => [Math.round(s.t / s.c), s.v / s.c]);
}
