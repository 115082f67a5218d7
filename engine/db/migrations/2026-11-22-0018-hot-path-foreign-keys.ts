/**
 * Drops the three foreign keys on the per-alert tables: `alert_events.fingerprint`,
 * `incident_alerts.fingerprint` and `incident_alerts.incident_id`. Postgres checks a foreign
 * key with a row-level trigger that runs a locking lookup of the parent for every inserted
 * row; on 5,000-row inserts that tripled the cost of both tables (ADR 0005, addendum on the
 * write path). Every row of these tables is written by the live correlator in the same
 * transaction as the alert and incident it names (or moved by an operator's merge or split
 * into an incident that is read first), and nothing deletes alerts or incidents, so the
 * cascades never fired. The store contract asserts that no event or member is orphaned.
 * Frozen once landed.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table alert_events drop constraint if exists alert_events_fingerprint_fkey`.execute(db);
  await sql`alter table incident_alerts drop constraint if exists incident_alerts_fingerprint_fkey`.execute(db);
  await sql`alter table incident_alerts drop constraint if exists incident_alerts_incident_id_fkey`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table alert_events add constraint alert_events_fingerprint_fkey foreign key (fingerprint) references alerts (fingerprint) on delete cascade`.execute(db);
  await sql`alter table incident_alerts add constraint incident_alerts_fingerprint_fkey foreign key (fingerprint) references alerts (fingerprint) on delete cascade`.execute(db);
  await sql`alter table incident_alerts add constraint incident_alerts_incident_id_fkey foreign key (incident_id) references incidents (id) on delete cascade`.execute(db);
}
