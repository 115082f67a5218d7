/**
 * The `pg` pool as Kysely's Postgres dialect sees it, with one addition: a compiled
 * `copy … from stdin` of {@link copyIn} streams its parameter to the server through
 * `pg-copy-streams` (`pg` itself has no COPY FROM STDIN). Every other query passes through.
 */
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { isCopyIn } from './copy-in.ts';

function copy<R>(client: pg.PoolClient, text: string, data: string): Promise<PostgresQueryResult<R>> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(text));
    stream.on('error', reject);
    stream.on('finish', () => resolve({ command: 'COPY' as 'INSERT', rowCount: stream.rowCount, rows: [{ copied: stream.rowCount } as R] }));
    stream.end(data);
  });
}

function withCopy(client: pg.PoolClient): PostgresPoolClient {
  return {
    query(sqlOrCursor: unknown, parameters?: ReadonlyArray<unknown>) {
      if (typeof sqlOrCursor === 'string' && parameters && isCopyIn(sqlOrCursor, parameters)) return copy(client, sqlOrCursor, parameters[0]);
      return (client.query as (a: unknown, b?: unknown) => unknown)(sqlOrCursor, parameters);
    },
    release() {
      client.release();
    },
  } as PostgresPoolClient;
}

export function copyingPool(pool: pg.Pool): PostgresPool {
  // Kysely keeps one connection object per client it is handed: hand it the same wrapper each time.
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let w = wrapped.get(client);
      if (!w) wrapped.set(client, (w = withCopy(client)));
      return w;
    },
    end: () => pool.end(),
  };
}
