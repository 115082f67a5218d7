import type { Kysely, Transaction } from 'kysely';
import type { DB } from './tables.ts';

/** What a repository runs on: the database, or a transaction a workflow owns. */
export type Executor = Kysely<DB> | Transaction<DB>;

export function iso(d: Date | string): string {
  return (d instanceof Date ? d : new Date(d)).toISOString();
}

export function isoOrNull(d: Date | string | null): string | null {
  return d === null ? null : iso(d);
}
