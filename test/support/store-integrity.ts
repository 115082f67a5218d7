/**
 * What the per-alert tables' dropped foreign keys used to enforce (migration 0018), asserted
 * instead: every recorded event names a stored alert, and every member a stored alert and a
 * stored incident. Suites that write through the correlator, the engine's merges and the
 * operators' merges and splits end with it.
 */
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { Executor } from '../../engine/db/executor.ts';

export async function expectNoOrphans(db: Executor): Promise<void> {
  const { rows } = await sql<{ events: number; memberAlerts: number; memberIncidents: number; members: number }>`
    select
      (select count(*)::int from alert_events e where not exists (select 1 from alerts a where a.fingerprint = e.fingerprint)) as "events",
      (select count(*)::int from incident_alerts m where not exists (select 1 from alerts a where a.fingerprint = m.fingerprint)) as "memberAlerts",
      (select count(*)::int from incident_alerts m where not exists (select 1 from incidents i where i.id = m.incident_id)) as "memberIncidents",
      (select count(*)::int from incident_alerts) as "members"`.execute(db);
  const r = rows[0]!;
  // An empty store would pass vacuously: the suites that call this have written members.
  expect(r.members).toBeGreaterThan(0);
  expect({ events: r.events, memberAlerts: r.memberAlerts, memberIncidents: r.memberIncidents }).toEqual({ events: 0, memberAlerts: 0, memberIncidents: 0 });
}
