/**
 * The relational store's two adapters as test harnesses, for contract suites that run
 * with `describe.each(relationalAdapters)`: real Postgres (a database of the file's own)
 * and embedded PGlite (a fresh folder).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Database, openDatabase } from '../../engine/db/database.ts';
import { createTestDatabase } from './isolation.ts';

export interface DatabaseHarness {
  /** Opens the store (again, for restart tests); migrations run. */
  open(): Promise<Database>;
  cleanup(): Promise<void>;
}

export const relationalAdapters: Array<[string, () => Promise<DatabaseHarness>]> = [
  [
    'postgres',
    async () => {
      const tdb = await createTestDatabase();
      return { open: () => openDatabase({ url: tdb.url, poolSize: 4 }), cleanup: () => tdb.drop() };
    },
  ],
  [
    'pglite',
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'pglite-'));
      return { open: () => openDatabase({ dataDir: dir }), cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
];
