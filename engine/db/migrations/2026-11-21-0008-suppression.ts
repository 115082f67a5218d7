/**
 * Suppression rules: maintenance windows, silences and inhibition rules, one table each
 * with the same columns. `definition` is the rule as JSON (times in epoch ms);
 * `starts_at`/`ends_at` repeat its lifetime (null: open on that side) so active, pending
 * and expired rules are found by index. Expiring a rule (DELETE in the API) ends its
 * lifetime now and sets `expired_at`; rows are kept, so expired rules stay listable. One
 * `suppression_meta` row's `version` goes up with every write and serializes writers
 * (the per-kind count limit is checked under it). Frozen once landed.
 */
import { type Kysely, sql } from 'kysely';

const RULE_TABLES = ['maintenance_windows', 'silences', 'inhibit_rules'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of RULE_TABLES) {
    await db.schema
      .createTable(table)
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('definition', 'jsonb', (c) => c.notNull())
      .addColumn('comment', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('starts_at', 'timestamptz')
      .addColumn('ends_at', 'timestamptz')
      .addColumn('expired_at', 'timestamptz')
      .execute();
    // Rules are loaded and listed in (created_at, id) order.
    await db.schema.createIndex(`${table}_created_at_id`).on(table).columns(['created_at', 'id']).execute();
    // Rules still in force (ends_at null or later than now) and expired ones, apart.
    await db.schema.createIndex(`${table}_ends_at`).on(table).column('ends_at').execute();
  }

  await db.schema
    .createTable('suppression_meta')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('suppression_meta_single_row', sql`id = 1`)
    .execute();
  await db.insertInto('suppression_meta').values({ id: 1, version: 0 }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['suppression_meta', ...RULE_TABLES]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
