/**
 * The online correlation engine behind live incidents (ADR 0005):
 * - every recorded alert event keeps the engine's decision and the incident it went to, so a
 *   restarted correlator rebuilds its memory by replaying them in recorded order;
 * - an incident keeps the engine's key (stable, derived from its first alert and time) and the
 *   topology component it lies in, and each member the figures behind its link;
 * - an alert says which rule suppressed it and whether it is flapping.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('alert_events')
    .addColumn('decision', 'text')
    .addColumn('incident_key', 'text')
    .execute();
  await db.schema
    .alterTable('incidents')
    .addColumn('correlation_key', 'text')
    .addColumn('component', 'text')
    .addColumn('root_causes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await db.schema.createIndex('incidents_correlation_key').on('incidents').column('correlation_key').unique().execute();
  await db.schema.alterTable('incident_alerts').addColumn('score', 'jsonb').execute();
  await db.schema
    .alterTable('alerts')
    .addColumn('suppressed_by', 'jsonb')
    .addColumn('flapping', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.createIndex('alert_events_event_time').on('alert_events').column('event_time').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('alert_events_event_time').execute();
  await db.schema.alterTable('alerts').dropColumn('flapping').dropColumn('suppressed_by').execute();
  await db.schema.alterTable('incident_alerts').dropColumn('score').execute();
  await db.schema.dropIndex('incidents_correlation_key').execute();
  await db.schema.alterTable('incidents').dropColumn('root_causes').dropColumn('component').dropColumn('correlation_key').execute();
  await db.schema.alterTable('alert_events').dropColumn('incident_key').dropColumn('decision').execute();
}
