/**
 * The topology: configuration items, the typed relations between them, and one
 * `topology_meta` row whose `version` goes up with every accepted write, so correlators
 * can tell whether the topology they hold is current. Relations carry no foreign keys:
 * writers are serialized on the meta row, and the repository checks every endpoint
 * inside that transaction (row-by-row foreign-key checks would slow a 200k-relation
 * replace several times over). Frozen once landed.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('config_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('labels', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // GET /api/v1/topology?kind=…
  await db.schema.createIndex('config_items_kind').on('config_items').column('kind').execute();

  await db.schema
    .createTable('relations')
    .addColumn('from_id', 'text', (c) => c.notNull())
    .addColumn('to_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('relations_pk', ['from_id', 'to_id', 'kind'])
    .execute();
  // Lookups by from_id use the primary key (from_id leads it); a separate index would only slow writes.
  await db.schema.createIndex('relations_to_id').on('relations').column('to_id').execute();

  await db.schema
    .createTable('topology_meta')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('topology_meta_single_row', sql`id = 1`)
    .execute();
  await db.insertInto('topology_meta').values({ id: 1, version: 0 }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['topology_meta', 'relations', 'config_items']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
