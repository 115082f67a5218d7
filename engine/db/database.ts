/**
 * The relational store: Postgres through `pg` when a URL is given, else PGlite under
 * the data folder. Both are reached through the same Kysely<DB>, so every repository
 * runs unchanged on either; migrations run on open (the Migrator's lock makes
 * concurrent starts of several processes safe).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Kysely, Migrator, sql, type Dialect } from 'kysely';
import { migrations } from './migrations/index.ts';
import type { DB } from './tables.ts';

export interface Database {
  db: Kysely<DB>;
  kind: 'postgres' | 'pglite';
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type DatabaseOptions = { url: string; poolSize?: number } | { dataDir: string } | { inMemory: true };

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  let dialect: Dialect;
  let kind: Database['kind'];
  if ('url' in opts) {
    // Drivers are imported lazily: an embedded install never loads pg, and vice versa.
    const [{ default: pg }, { PostgresDialect }, { copyingPool }] = await Promise.all([import('pg'), import('kysely'), import('./copying-pool.ts')]);
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      // int8 (bigserial sequence numbers, counts) as numbers, as PGlite returns them;
      // set per pool, not on pg's process-wide type registry.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it. Query errors surface to callers.
    });
    dialect = new PostgresDialect({ pool: copyingPool(pool) });
    kind = 'postgres';
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    const { PgliteDialect } = await import('./pglite-dialect.ts');
    let pglite;
    if ('dataDir' in opts) {
      const dir = path.join(opts.dataDir, 'pglite');
      await mkdir(dir, { recursive: true });
      pglite = await PGlite.create(dir);
    } else {
      pglite = await PGlite.create();
    }
    dialect = new PgliteDialect(pglite);
    kind = 'pglite';
  }
  const db = new Kysely<DB>({ dialect });
  try {
    await migrate(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return {
    db,
    kind,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

async function migrate(db: Kysely<DB>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed`, { cause: error });
  }
}
