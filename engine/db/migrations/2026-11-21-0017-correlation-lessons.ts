/**
 * `correlation_lessons`: what each confirmed (resolved) incident taught the correlator's
 * learned models, one row per incident key, in the order learned. A rebuilt correlator reads
 * the latest of them back, so learning survives a restart or a change of leader. Bounded by
 * the correlator, which deletes all but the latest rows as it writes.
 * Frozen once landed.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('correlation_lessons')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('incident_key', 'text', (c) => c.notNull().unique())
    .addColumn('learned_at', 'timestamptz', (c) => c.notNull())
    .addColumn('types', 'jsonb', (c) => c.notNull())
    .addColumn('on_root', 'jsonb', (c) => c.notNull())
    .addColumn('elsewhere', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('correlation_lessons').execute();
}
