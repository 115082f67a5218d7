/**
 * Stores a member's score breakdown (`incident_alerts.score`) as `json`, not `jsonb`. Nothing
 * queries inside it: it is written once per linked alert and read back whole for the incident
 * view. As `jsonb` every row's breakdown was parsed and rebuilt on insert; on 5,000-member
 * inserts that was two thirds of the statement's cost (ADR 0005, addendum on the write path).
 * Existing rows are converted in place. Frozen once landed.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table incident_alerts alter column score type json using score::json`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table incident_alerts alter column score type jsonb using score::jsonb`.execute(db);
}
