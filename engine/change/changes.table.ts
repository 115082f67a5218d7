/**
 * The `changes` table (migration 2026-11-21-0003-changes). Kept beside its repository
 * until `DB` in engine/db/tables.ts lists it; the repository widens its Kysely with it.
 */
import type { ColumnType } from 'kysely';
import type { ChangeLink } from './change.ts';

export interface ChangesTable {
  id: string;
  source: string;
  summary: string;
  service: string | null;
  timestamp: ColumnType<Date, Date | string, Date | string>;
  links: ColumnType<ChangeLink[], string, string>;
  details: ColumnType<Record<string, unknown>, string, string>;
  received_at: ColumnType<Date, Date | string, Date | string>;
}
