/**
 * Bulk rows into a table by `COPY … FROM STDIN`, on Postgres and on PGlite alike.
 *
 * The correlator writes thousands of new alerts and events per transaction. As an
 * `insert … select from json_to_recordset(…)`, Postgres parses one large JSON document,
 * looks each field up per row and inserts row by row; `COPY` reads tab-separated text and
 * inserts rows in batches (measured on 5,000 alert rows: 155–205 ms against 48–70 ms).
 *
 * Kysely has no COPY, so the statement travels as a compiled query of its own shape,
 * `copy <table> (<columns>) from stdin` with the rows' text as its single parameter, and
 * each dialect's connection recognises it: `pg` streams it with `pg-copy-streams`, PGlite
 * reads it from a blob. An executor that does not know the shape sends it to the server,
 * which refuses it (no data arrives), so nothing is written half.
 *
 * COPY has no `on conflict`: a row that breaks a constraint fails the whole statement,
 * and with it the caller's transaction.
 */
import { CompiledQuery } from 'kysely';
import type { Executor } from './executor.ts';

export type CopyValue = string | number | boolean | null | undefined | object;

const COPY_IN = /^copy [a-z_][a-z0-9_]* \([a-z0-9_, ]+\) from stdin$/;

/** Whether a compiled query is a COPY of rows built by {@link copyIn}. */
export function isCopyIn(sqlText: string, parameters: readonly unknown[]): parameters is readonly [string] {
  return parameters.length === 1 && typeof parameters[0] === 'string' && COPY_IN.test(sqlText);
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function field(v: CopyValue): string {
  switch (typeof v) {
    case 'string':
      return SPECIAL.test(v) ? v.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : v;
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError(`copy: ${v} is not a finite number`);
      return String(v);
    case 'boolean':
      return v ? 't' : 'f';
    case 'undefined':
      return '\\N';
    default: {
      if (v === null) return '\\N';
      // JSON has no raw tab, newline or carriage return: only its backslashes need doubling.
      const s = JSON.stringify(v);
      return s.includes('\\') ? s.replaceAll('\\', '\\\\') : s;
    }
  }
}

/**
 * Rows in COPY's text format: fields separated by tabs, rows ended by newlines, null as `\N`,
 * backslash, tab, newline and carriage return escaped; objects as JSON (for json and jsonb
 * columns).
 */
export function copyText(rows: ReadonlyArray<ReadonlyArray<CopyValue>>): string {
  let out = '';
  for (const row of rows) {
    out += field(row[0]);
    for (let i = 1; i < row.length; i++) out += '\t' + field(row[i]);
    out += '\n';
  }
  return out;
}

/**
 * Copies rows (values in `columns` order) into `table` in one statement and returns how
 * many were written: all of them, or the statement throws.
 */
export async function copyIn(db: Executor, table: string, columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<CopyValue>>): Promise<number> {
  if (rows.length === 0) return 0;
  const text = `copy ${table} (${columns.join(', ')}) from stdin`;
  if (!COPY_IN.test(text)) throw new Error(`copy: not a plain table and column list: ${text}`);
  const res = await db.executeQuery<{ copied: number }>(CompiledQuery.raw(text, [copyText(rows)]));
  return Number(res.rows[0]?.copied ?? 0);
}
