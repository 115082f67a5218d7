/**
 * Escalation levels (paging policy):
 * - `escalation_policy`: the one stored policy (id 1), its rules as JSON as the admin API
 *   accepted them; absent: the built-in default (level 1 at breach, every channel).
 * - `incident_escalations`: one row per incident and level once the level is scheduled
 *   (level 1 fires at the acknowledgement breach; later levels after their delay while the
 *   incident stays unacknowledged). `status` goes scheduled → fired or cancelled, once.
 * Frozen once landed.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('escalation_policy')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('rules', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addCheckConstraint('escalation_policy_single', sql`id = 1`)
    .execute();

  await db.schema
    .createTable('incident_escalations')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('channels', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('settled_at', 'timestamptz')
    .addColumn('reason', 'text')
    .addPrimaryKeyConstraint('incident_escalations_pk', ['incident_id', 'level'])
    .addCheckConstraint('incident_escalations_status', sql`status in ('scheduled', 'fired', 'cancelled')`)
    .execute();
  // The reconcile looks for scheduled levels past due whose job never ran.
  await db.schema
    .createIndex('incident_escalations_scheduled')
    .on('incident_escalations')
    .column('due_at')
    .where(sql.ref('status'), '=', 'scheduled')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('incident_escalations').ifExists().execute();
  await db.schema.dropTable('escalation_policy').ifExists().execute();
}
