/**
 * What the console reads often: the board (active incidents by latest activity) and the
 * alert-storm figures (alert events received and incidents opened in the last minutes).
 * Frozen once landed.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('incidents_status_last_event_at').on('incidents').columns(['status', 'last_event_at']).execute();
  await db.schema.createIndex('incidents_created_at').on('incidents').column('created_at').execute();
  // With status, the storm figures are read from the index alone.
  await db.schema.createIndex('alert_events_received_at').on('alert_events').columns(['received_at', 'status']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('alert_events_received_at').ifExists().execute();
  await db.schema.dropIndex('incidents_created_at').ifExists().execute();
  await db.schema.dropIndex('incidents_status_last_event_at').ifExists().execute();
}
