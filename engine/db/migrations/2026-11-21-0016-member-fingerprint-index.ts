/**
 * Drops `incident_alerts_fingerprint`: every linked alert writes an entry into it, and no
 * query reads it (members are always found from their incident: the primary key and
 * `incident_alerts_link_order` lead with incident_id; pg_stat_user_indexes shows no scan of
 * it under the end-to-end benchmark). It served only the ON DELETE CASCADE from alerts, and
 * nothing deletes alerts; a manual delete of alerts now scans incident_alerts instead.
 * Frozen once landed.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('incident_alerts_fingerprint').ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('incident_alerts_fingerprint').ifNotExists().on('incident_alerts').column('fingerprint').execute();
}
