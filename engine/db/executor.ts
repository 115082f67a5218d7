import type { Kysely, Transaction } from 'kysely';
import type { DB } from './tables.ts';
import { canonicalTime } from './canonical-time.ts';

/** What a repository runs on: the database, or a transaction a workflow owns. */
export type Executor = Kysely<DB> | Transaction<DB>;

/** A time as the canonical ISO string; a string already in that form is returned as it is. */
export function iso(d: Date | string): string {
  return d instanceof Date ? d.toISOString() : canonicalTime(d);
}

export function isoOrNull(d: Date | string | null): string | null {
  return d === null ? null : iso(d);
}
