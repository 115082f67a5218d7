/**
 * Alert-storm figures: alert events received versus incidents opened, per minute over the
 * last minutes, read through the received_at and created_at indexes (migration 0013): two
 * range scans, whatever the size of the tables. `StormFigures` keeps the minutes that can no
 * longer change, so a refresh reads only the last minute or two: at 1,000 alerts/s a whole
 * 15-minute window is 900,000 events, a third of a second to count.
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

const MINUTE_MS = 60_000;

export class StormRepository {
  constructor(private readonly db: Executor) {}

  /** The last `minutes` whole-or-current minutes up to `now`, oldest first, zeros included. */
  async perMinute(minutes: number, now: Date): Promise<StormMinute[]> {
    const first = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS - (minutes - 1) * MINUTE_MS;
    return this.minutesFrom(first, minutes);
  }

  /** `count` minutes from the minute starting at `first` (ms), oldest first, zeros included. */
  async minutesFrom(first: number, count: number): Promise<StormMinute[]> {
    const minuteMs = MINUTE_MS;
    const minutes = count;
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

/**
 * The last `minutes` minutes, with the minutes that ended more than `sealAfterMs` ago kept in
 * memory (an event is stamped when it is received and committed moments later, so a minute
 * is final soon after it ends). One per process; overlapping reads only store the same minutes.
 */
export class StormFigures {
  private readonly sealed = new Map<number, StormMinute>();

  constructor(
    private readonly repository: StormRepository,
    private readonly minutes: number,
    private readonly sealAfterMs = 30_000,
  ) {}

  async read(now: Date): Promise<StormMinute[]> {
    const current = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
    const first = current - (this.minutes - 1) * MINUTE_MS;
    for (const t of this.sealed.keys()) if (t < first) this.sealed.delete(t);
    let from = first;
    while (from < current && this.sealed.has(from)) from += MINUTE_MS;
    const fresh = await this.repository.minutesFrom(from, (current - from) / MINUTE_MS + 1);
    for (const m of fresh) {
      const t = Date.parse(m.at);
      if (t + MINUTE_MS + this.sealAfterMs <= now.getTime()) this.sealed.set(t, m);
    }
    const out: StormMinute[] = [];
    for (let t = first; t < from; t += MINUTE_MS) out.push(this.sealed.get(t)!);
    return [...out, ...fresh];
  }
}
