/**
 * SLA timers and outbound notifications:
 * - `sla_timers`: one row per incident and kind (`ack`, `resolve`) once its timer is
 *   scheduled; `due_at` follows the incident's current severity (null: no target for it);
 *   `outcome` is `met` or `breached` once settled, after which it never changes.
 * - `incident_notifications`: one row per notification-worthy event of an incident
 *   (`opened`, `escalated` per breach kind, `resolved` per resolution time), with the
 *   message as sent; the key is what keeps a repeated bus message from notifying twice.
 *   `enqueued_at` stays null until the per-target jobs are queued, so a crash in between
 *   is finished by the periodic reconcile.
 * - `incidents.acknowledged_at` (nullable, for MTTA): added only if the incident
 *   lifecycle work has not added it already.
 * Frozen once landed.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table incidents add column if not exists acknowledged_at timestamptz`.execute(db);
  // The reconcile reads active incidents by creation; figures read incidents by start.
  await sql`create index if not exists incidents_status_created_at on incidents (status, created_at)`.execute(db);
  await sql`create index if not exists incidents_started_at on incidents (started_at)`.execute(db);

  await db.schema
    .createTable('sla_timers')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('outcome', 'text')
    .addColumn('settled_at', 'timestamptz')
    .addPrimaryKeyConstraint('sla_timers_pk', ['incident_id', 'kind'])
    .addCheckConstraint('sla_timers_kind', sql`kind in ('ack', 'resolve')`)
    .addCheckConstraint('sla_timers_outcome', sql`outcome is null or outcome in ('met', 'breached')`)
    .execute();
  await db.schema.createIndex('sla_timers_breached').on('sla_timers').columns(['outcome', 'settled_at']).execute();

  await db.schema
    .createTable('incident_notifications')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('occurrence', 'text', (c) => c.notNull())
    .addColumn('message', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('enqueued_at', 'timestamptz')
    .addPrimaryKeyConstraint('incident_notifications_pk', ['incident_id', 'event', 'occurrence'])
    .execute();
  await db.schema
    .createIndex('incident_notifications_unqueued')
    .on('incident_notifications')
    .column('created_at')
    .where(sql.ref('enqueued_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('incident_notifications').ifExists().execute();
  await db.schema.dropTable('sla_timers').ifExists().execute();
  await sql`drop index if exists incidents_started_at`.execute(db);
  await sql`drop index if exists incidents_status_created_at`.execute(db);
  // acknowledged_at stays: the incident lifecycle may own it by now.
}
