/**
 * Incident figures over a time range, computed in SQL (Postgres and PGlite alike):
 * incidents, the alerts grouped into them, compression (1 − incidents/alerts), MTTA
 * (creation → acknowledgement) and MTTR (first alert → resolution), per time bucket and
 * per service (the incident's grouping key).
 *
 * An incident counts in the range, and in the bucket, where it started (its first alert's
 * event time), so a replay of history lands where it happened. `alerts` counts the member
 * alerts of those incidents: alerts muted or never correlated are not in it. MTTA and MTTR
 * average the incidents that have an acknowledgement / a resolution time (null when none).
 */
import { type RawBuilder, sql } from 'kysely';
import type { Executor } from '../db/executor.ts';

export type FigureBucket = 'hour' | 'day';

export interface IncidentFigures {
  incidents: number;
  alerts: number;
  /** 1 − incidents/alerts; null without alerts. */
  compression: number | null;
  acknowledged: number;
  mttaSeconds: number | null;
  resolved: number;
  mttrSeconds: number | null;
}

export interface FiguresQuery {
  from: Date;
  to: Date;
  bucket: FigureBucket;
  /** A grouping key, e.g. `service=orders-api`; all services when absent. */
  service?: string;
}

export interface FiguresReport {
  totals: IncidentFigures;
  /** Every bucket from the one holding `from` up to `to`, empty ones included, oldest first. */
  buckets: Array<IncidentFigures & { start: string }>;
  /** Services with incidents in the range, most incidents first. */
  services: Array<IncidentFigures & { service: string }>;
}

export const BUCKET_MS: Record<FigureBucket, number> = { hour: 3_600_000, day: 86_400_000 };

interface AggregateRow {
  incidents: number | string;
  alerts: number | string | null;
  acknowledged: number | string;
  mtta: number | string | null;
  resolved: number | string;
  mttr: number | string | null;
}

export class IncidentFiguresRepository {
  constructor(private readonly db: Executor) {}

  async figures(q: FiguresQuery): Promise<FiguresReport> {
    // A literal, never a parameter: the same expression must appear in select and group by.
    const unit = sql.lit(q.bucket);
    const bucketStart = sql<Date>`(date_trunc(${unit}, i.started_at at time zone 'UTC') at time zone 'UTC')`;
    const [totals, byBucket, byService] = await Promise.all([
      this.aggregate(q, null).executeTakeFirst(),
      this.aggregate(q, bucketStart).execute(),
      this.aggregate(q, sql<string>`i.group_key`).execute(),
    ]);
    const filled = new Map(byBucket.map((r) => [new Date(r.key as Date).getTime(), toFigures(r)]));
    const buckets: FiguresReport['buckets'] = [];
    const step = BUCKET_MS[q.bucket];
    for (let t = Math.floor(q.from.getTime() / step) * step; t < q.to.getTime(); t += step) {
      buckets.push({ start: new Date(t).toISOString(), ...(filled.get(t) ?? toFigures(undefined)) });
    }
    const services = byService
      .map((r) => ({ service: String(r.key), ...toFigures(r) }))
      .sort((a, b) => b.incidents - a.incidents || a.service.localeCompare(b.service));
    return { totals: toFigures(totals), buckets, services };
  }

  private aggregate(q: FiguresQuery, key: RawBuilder<unknown> | null) {
    let query = this.db
      .selectFrom('incidents as i')
      .select([
        sql<number>`count(*)`.as('incidents'),
        sql<number | null>`sum(i.alert_count)`.as('alerts'),
        sql<number>`count(i.acknowledged_at)`.as('acknowledged'),
        // greatest() skips nulls (greatest(0, null) is 0): the filter keeps incidents without the time out.
        sql<number | null>`(avg(greatest(0, extract(epoch from (i.acknowledged_at - i.created_at)))) filter (where i.acknowledged_at is not null))::float8`.as('mtta'),
        sql<number>`count(i.resolved_at)`.as('resolved'),
        sql<number | null>`(avg(greatest(0, extract(epoch from (i.resolved_at - i.started_at)))) filter (where i.resolved_at is not null))::float8`.as('mttr'),
      ])
      .where('i.started_at', '>=', q.from)
      .where('i.started_at', '<', q.to);
    if (q.service !== undefined) query = query.where('i.group_key', '=', q.service);
    if (key === null) return query.select(sql<unknown>`null`.as('key'));
    return query.select(key.as('key')).groupBy(key).orderBy(key);
  }
}

function toFigures(r: AggregateRow | undefined): IncidentFigures {
  const incidents = Number(r?.incidents ?? 0);
  const alerts = Number(r?.alerts ?? 0);
  const num = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000);
  return {
    incidents,
    alerts,
    compression: alerts > 0 ? Math.round((1 - incidents / alerts) * 10_000) / 10_000 : null,
    acknowledged: Number(r?.acknowledged ?? 0),
    mttaSeconds: num(r?.mtta),
    resolved: Number(r?.resolved ?? 0),
    mttrSeconds: num(r?.mttr),
  };
}
