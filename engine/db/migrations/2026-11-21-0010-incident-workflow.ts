/**
 * The incident workflow (issue 5) and operators' corrections (issue 4):
 * - incidents get an owner, acknowledgement and closing facts, and where a merge sent them;
 * - every change is an event on the incident's timeline, with who and when;
 * - operator actions are commands executed by the leading correlator, so they serialize with
 *   correlation; the requester waits on the command row for the outcome;
 * - merges and splits are remembered as feedback between alert types, which the correlator
 *   loads at start so corrections keep shaping grouping after a restart.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('incidents')
    .addColumn('assignee', 'text')
    .addColumn('acknowledged_at', 'timestamptz')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_by', 'text')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('merged_into', 'text')
    .addColumn('severity_override', 'text')
    .execute();
  await db.schema
    .createTable('incident_timeline')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('incident_timeline_incident').on('incident_timeline').columns(['incident_id', 'id']).execute();
  await db.schema
    .createTable('incident_commands')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('result', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('done_at', 'timestamptz')
    .execute();
  await db.schema
    .createTable('correlation_feedback')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('type_a', 'text', (c) => c.notNull())
    .addColumn('type_b', 'text', (c) => c.notNull())
    .addColumn('weight', 'real', (c) => c.notNull())
    .addColumn('command_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('correlation_feedback').execute();
  await db.schema.dropTable('incident_commands').execute();
  await db.schema.dropTable('incident_timeline').execute();
  await db.schema
    .alterTable('incidents')
    .dropColumn('severity_override')
    .dropColumn('merged_into')
    .dropColumn('closed_at')
    .dropColumn('resolved_by')
    .dropColumn('acknowledged_by')
    .dropColumn('acknowledged_at')
    .dropColumn('assignee')
    .execute();
}
