/**
 * Incident summaries are kept incrementally: a count of firing members per severity
 * (the incident's severity is the worst with a count), so correlating one more alert
 * costs the same however large its incident has grown. Existing incidents are filled in
 * once here. Members are read in link order through an index, never sorted in full.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('incidents').addColumn('severity_counts', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`)).execute();
  await sql`
    update incidents i set severity_counts = coalesce((
      select jsonb_object_agg(s.severity, s.n)
      from (
        select a.severity, count(*) as n
        from incident_alerts ia join alerts a on a.fingerprint = ia.fingerprint
        where ia.incident_id = i.id and a.status = 'firing'
        group by a.severity
      ) s
    ), '{}'::jsonb)
  `.execute(db);
  await db.schema.createIndex('incident_alerts_link_order').on('incident_alerts').columns(['incident_id', 'linked_at', 'fingerprint']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('incident_alerts_link_order').execute();
  await db.schema.alterTable('incidents').dropColumn('severity_counts').execute();
}
