/**
 * Problems: the cause behind recurring incidents (docs/problems.md).
 * - `problems`: one row per problem, mined from history (`origin` 'mined', `suggested` until a
 *   person accepts or rejects it) or filed by hand ('manual'). `signature` is the normalized
 *   key of its incidents (engine/problem/signature.ts), `signature_parts` the parts a new
 *   incident must contain to match it; `evidence` is what the miner found (JSON).
 *   `rejected_at` lets a rejected suggestion come back only after enough new recurrences;
 *   `resolved_at` lets a resolved problem's old incidents not count again.
 * - `problem_incidents`: the incidents linked to a problem and how (mined, manual, known-error).
 * - `problem_timeline`: every change, with who and when.
 * At most one mined problem per signature is not resolved (partial unique index): two miners
 * running at once cannot suggest the same problem twice. Frozen once landed.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('problems')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('signature_parts', 'jsonb', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('suggested', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('workaround', 'text')
    .addColumn('root_cause_notes', 'text')
    .addColumn('evidence', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('occurrences', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_seen', 'timestamptz')
    .addColumn('last_seen', 'timestamptz')
    .addColumn('rejected_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('problems_status', sql`status in ('new', 'investigating', 'known_error', 'resolved', 'rejected')`)
    .addCheckConstraint('problems_origin', sql`origin in ('mined', 'manual')`)
    .execute();
  await db.schema
    .createIndex('problems_mined_signature')
    .on('problems')
    .column('signature')
    .unique()
    .where(sql.ref('origin'), '=', 'mined')
    .where(sql.ref('status'), '<>', 'resolved')
    .execute();
  await db.schema.createIndex('problems_signature').on('problems').column('signature').execute();
  await db.schema.createIndex('problems_status_last_seen').on('problems').columns(['status', 'last_seen']).execute();

  await db.schema
    .createTable('problem_incidents')
    .addColumn('problem_id', 'text', (c) => c.notNull().references('problems.id').onDelete('cascade'))
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('linked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('how', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('problem_incidents_pk', ['problem_id', 'incident_id'])
    .addCheckConstraint('problem_incidents_how', sql`how in ('mined', 'manual', 'known-error')`)
    .execute();
  await db.schema.createIndex('problem_incidents_incident').on('problem_incidents').column('incident_id').execute();

  await db.schema
    .createTable('problem_timeline')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('problem_id', 'text', (c) => c.notNull().references('problems.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('who', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text')
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('problem_timeline_problem').on('problem_timeline').columns(['problem_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['problem_timeline', 'problem_incidents', 'problems']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
