/**
 * GET /api/v1/stats/storm (permission `incident:read`): the alert-storm indicator of the
 * console. Alert events received versus incidents opened over the last 5 and 15 minutes and
 * per minute, the active incidents and their firing alerts, and `storm` once alerts arrive
 * faster than STORM_ALERTS_PER_MINUTE over the last 5 minutes. Read at most once per
 * CACHE_MS per process, however many screens poll it; minutes that can no longer change are
 * kept, so a read counts only the last minute or two.
 */
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { Database } from '../engine/db/database.ts';
import { StormFigures, StormRepository } from '../engine/incident/storm-repository.ts';
import { requirePermission } from './access-plugin.ts';
import { shortCache } from './short-cache.ts';

export const STORM_ALERTS_PER_MINUTE = 100;
const WINDOWS = [5, 15] as const;
const CACHE_MS = 3_000;

export const statsRoutes: FastifyPluginAsync<{ database: Database }> = async (app, { database }) => {
  const figures = new StormFigures(new StormRepository(database.db), WINDOWS[WINDOWS.length - 1]!);
  const storm = shortCache(CACHE_MS, async () => {
    const now = new Date();
    const minutes = await figures.read(now);
    const active = await sql<{ incidents: number; firing: number }>`
      select count(*)::int as incidents, coalesce(sum(firing_count), 0)::int as firing
      from incidents where status in ('open', 'acknowledged')`.execute(database.db);
    const windows = WINDOWS.map((m) => {
      const last = minutes.slice(-m);
      const alertsIn = last.reduce((n, x) => n + x.alertsIn, 0);
      const firingIn = last.reduce((n, x) => n + x.firingIn, 0);
      const incidentsOut = last.reduce((n, x) => n + x.incidentsOut, 0);
      return { minutes: m, alertsIn, firingIn, incidentsOut, alertsPerIncident: incidentsOut > 0 ? Math.round((alertsIn / incidentsOut) * 10) / 10 : null };
    });
    const five = windows[0]!;
    return {
      at: now.toISOString(),
      storm: five.alertsIn / five.minutes >= STORM_ALERTS_PER_MINUTE,
      threshold: { alertsPerMinute: STORM_ALERTS_PER_MINUTE, overMinutes: five.minutes },
      active: { incidents: Number(active.rows[0]?.incidents ?? 0), firingAlerts: Number(active.rows[0]?.firing ?? 0) },
      windows,
      perMinute: minutes,
    };
  });

  app.get('/api/v1/stats/storm', { onRequest: requirePermission('incident:read') }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return storm();
  });
};
