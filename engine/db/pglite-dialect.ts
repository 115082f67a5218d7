/**
 * A kysely dialect for PGlite (Postgres compiled to WebAssembly), the embedded
 * relational store. PGlite is one session, so the driver hands out one connection at a
 * time: a transaction holds it until commit or rollback, and other queries wait.
 * Written here because the published kysely-pglite packages have peer-range or
 * dependency-weight problems.
 */
import type { PGlite } from '@electric-sql/pglite';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from 'kysely';
import { isCopyIn } from './copy-in.ts';

/**
 * PGlite runs in this thread, and its queries settle as microtasks: a workflow issuing
 * query after query would never let the event loop reach I/O, and HTTP requests (ingest's
 * 202s) would wait seconds behind a busy correlator. Each query first yields one turn.
 */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

class PgliteConnection implements DatabaseConnection {
  constructor(private readonly pg: PGlite) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    await yieldToEventLoop();
    if (isCopyIn(compiled.sql, compiled.parameters)) {
      // PGlite reads COPY data from a blob named '/dev/blob' (copy-in.ts).
      const copied = await this.pg.query(compiled.sql.replace(/stdin$/, "'/dev/blob'"), [], { blob: new Blob([compiled.parameters[0]]) });
      return { rows: [{ copied: copied.affectedRows ?? 0 } as R] };
    }
    const res = await this.pg.query<R>(compiled.sql, [...compiled.parameters]);
    const command = res as unknown as { command?: string };
    const isWrite = command.command !== undefined && ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(command.command);
    return {
      rows: res.rows,
      ...(isWrite ? { numAffectedRows: BigInt(res.affectedRows ?? 0) } : {}),
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported by the PGlite dialect');
  }
}

/** A FIFO lock: PGlite has a single session, so connections are handed out one at a time. */
class SessionLock {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return ready;
  }
}

class PgliteDriver implements Driver {
  private readonly lock = new SessionLock();
  private readonly releases = new WeakMap<DatabaseConnection, () => void>();
  private readonly connection: PgliteConnection;

  constructor(private readonly pg: PGlite) {
    this.connection = new PgliteConnection(pg);
  }

  async init(): Promise<void> {
    await this.pg.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.lock.acquire();
    this.releases.set(this.connection, release);
    return this.connection;
  }

  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery({ sql: 'begin', parameters: [], query: { kind: 'RawNode' } } as unknown as CompiledQuery);
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery({ sql: 'commit', parameters: [], query: { kind: 'RawNode' } } as unknown as CompiledQuery);
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery({ sql: 'rollback', parameters: [], query: { kind: 'RawNode' } } as unknown as CompiledQuery);
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    const release = this.releases.get(conn);
    this.releases.delete(conn);
    release?.();
  }

  async destroy(): Promise<void> {
    await this.pg.close();
  }
}

export class PgliteDialect implements Dialect {
  constructor(private readonly pg: PGlite) {}
  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PgliteDriver(this.pg);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
