/**
 * Changes reported by senders (PagerDuty change events first): what changed, where and
 * when. The id is a hash of the content, so a redelivered change is stored once.
 * Frozen once landed.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('changes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('service', 'text')
    .addColumn('timestamp', 'timestamptz', (c) => c.notNull())
    .addColumn('links', 'jsonb', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .execute();
  // Change-risk and correlation look changes up by service and time.
  await db.schema.createIndex('changes_service_timestamp').on('changes').columns(['service', 'timestamp']).execute();
  await db.schema.createIndex('changes_timestamp').on('changes').column('timestamp').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('changes').ifExists().execute();
}
