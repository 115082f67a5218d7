/**
 * Alert-storm figures: alert events received versus incidents opened, per minute over the
 * last minutes, read through the received_at and created_at indexes (migration 0013): two
 * range scans, whatever the size of the tables.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';

export interface StormMinute {
  /** Start of the minute, ISO 8601. */
  at: string;
  /** Alert events received (firing, resolved and acknowledged ones; duplicates collapsed). */
  alertsIn: number;
  /** Of those, firing events. */
  firingIn: number;
  incidentsOut: number;
}

export class StormRepository {
  constructor(private readonly db: Executor) {}

  /** The last `minutes` whole-or-current minutes up to `now`, oldest first, zeros included. */
  async perMinute(minutes: number, now: Date): Promise<StormMinute[]> {
    const minuteMs = 60_000;
    const first = Math.floor(now.getTime() / minuteMs) * minuteMs - (minutes - 1) * minuteMs;
    const since = new Date(first);
    const alerts = await sql<{ m: string; n: number; firing: number }>`
      select floor(extract(epoch from received_at) / 60)::bigint as m, count(*)::int as n, count(*) filter (where status = 'firing')::int as firing
      from alert_events where received_at >= ${since} group by 1`.execute(this.db);
    const incidents = await sql<{ m: string; n: number }>`
      select floor(extract(epoch from created_at) / 60)::bigint as m, count(*)::int as n
      from incidents where created_at >= ${since} group by 1`.execute(this.db);
    const out: StormMinute[] = [];
    const index = new Map<number, StormMinute>();
    for (let i = 0; i < minutes; i++) {
      const t = first + i * minuteMs;
      const row: StormMinute = { at: new Date(t).toISOString(), alertsIn: 0, firingIn: 0, incidentsOut: 0 };
      out.push(row);
      index.set(t / minuteMs, row);
    }
    for (const r of alerts.rows) {
      const row = index.get(Number(r.m));
      if (row) {
        row.alertsIn = Number(r.n);
        row.firingIn = Number(r.firing);
      }
    }
    for (const r of incidents.rows) {
      const row = index.get(Number(r.m));
      if (row) row.incidentsOut = Number(r.n);
    }
    return out;
  }
}
