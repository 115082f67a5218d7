/**
 * The durable log behind the live stream: every message gets a global sequence number
 * in the same transaction as the change it reports, so a console that reconnects can
 * ask for everything after the last number it saw, and nothing is lost or doubled.
 *
 * Sequence order is commit order. A bigserial alone does not give that: two writers
 * (the correlator leader, the known-error matcher, SLA escalations…) take numbers inside
 * their own transactions, and 8 can commit before 7; a reader that saw 8 and asks for
 * "after 8" never sees 7. So `append` takes a transaction-scoped advisory lock on one
 * fixed key in the same statement that draws the number: a second writer waits there
 * until the first has committed or rolled back, and draws a higher number afterwards.
 * Once a reader sees seq N committed, every lower number is committed or gone for good.
 * The lock is held from a transaction's first append to its end, so writers append last,
 * after their other writes (none of which may wait on another appender's rows).
 * PGlite runs one connection, where the lock is always free; the contract is the same.
 */
import { sql } from 'kysely';
import type { LoggedMessage, StreamMessage } from '../bus/events.ts';
import { type Executor, iso } from '../db/executor.ts';

type Unsequenced<T extends LoggedMessage = StreamMessage> = T extends LoggedMessage ? Omit<T, 'seq' | 'at'> : never;

/** The advisory lock key (two int4) that serializes appends; no other lock uses it. */
const APPEND_LOCK = sql`hashtext('aiops'), hashtext('stream_events.append')`;

export class StreamRepository {
  constructor(private readonly db: Executor) {}

  /**
   * Appends in the caller's transaction (the lock is held to its end); outside of one,
   * in a transaction of its own, since a lock taken in autocommit would end with its statement.
   */
  async append<T extends LoggedMessage = StreamMessage>(message: Unsequenced<T>): Promise<T> {
    if (!this.db.isTransaction) return this.db.transaction().execute((trx) => new StreamRepository(trx).append<T>(message));
    // One round trip: the lock is taken while producing the row, before its seq default is drawn.
    const result = await sql<{ seq: string | number; created_at: Date }>`
      insert into stream_events (type, payload)
      select ${message.type}, ${JSON.stringify(message)}::jsonb
      from (select pg_advisory_xact_lock(${APPEND_LOCK})) as serialized
      returning seq, created_at`.execute(this.db);
    const row = result.rows[0]!;
    return { ...message, seq: Number(row.seq), at: iso(row.created_at) } as unknown as T;
  }

  /**
   * Appends many messages in one statement, numbered in the given order, under the same lock
   * as `append` (and, like it, in the caller's transaction or one of its own). What a writer
   * appends at once costs one round trip, not one per message.
   */
  async appendMany<T extends LoggedMessage = StreamMessage>(messages: ReadonlyArray<Unsequenced<T>>): Promise<T[]> {
    if (messages.length === 0) return [];
    if (!this.db.isTransaction) return this.db.transaction().execute((trx) => new StreamRepository(trx).appendMany<T>(messages));
    // The lock is taken before any row is produced; numbers are drawn above the sort, so they follow `n`.
    const result = await sql<{ seq: string | number; created_at: Date }>`
      insert into stream_events (type, payload)
      select m.payload ->> 'type', m.payload
      from (select pg_advisory_xact_lock(${APPEND_LOCK})) as serialized,
        jsonb_array_elements(${JSON.stringify(messages)}::jsonb) with ordinality as m(payload, n)
      order by m.n
      returning seq, created_at`.execute(this.db);
    const rows = result.rows.map((r) => ({ seq: Number(r.seq), at: iso(r.created_at) })).sort((a, b) => a.seq - b.seq);
    if (rows.length !== messages.length) throw new Error(`stream append wrote ${rows.length} of ${messages.length} messages`);
    return messages.map((m, i) => ({ ...m, seq: rows[i]!.seq, at: rows[i]!.at }) as unknown as T);
  }

  /** Messages with seq > after, oldest first. */
  async since(after: number, limit: number, upTo?: number): Promise<LoggedMessage[]> {
    let q = this.db.selectFrom('stream_events').select(['seq', 'payload', 'created_at']).where('seq', '>', after);
    if (upTo !== undefined) q = q.where('seq', '<=', upTo);
    const rows = await q.orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({ ...(r.payload as object), seq: Number(r.seq), at: iso(r.created_at) }) as LoggedMessage);
  }

  /** Deletes entries created before `before`; returns how many. */
  async prune(before: Date): Promise<number> {
    const res = await this.db.deleteFrom('stream_events').where('created_at', '<', before).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** The oldest sequence number still kept, or null when the log is empty. */
  async firstSeq(): Promise<number | null> {
    const row = await this.db.selectFrom('stream_events').select((eb) => eb.fn.min('seq').as('min')).executeTakeFirst();
    return row?.min == null ? null : Number(row.min);
  }

  async lastSeq(): Promise<number> {
    const row = await this.db.selectFrom('stream_events').select((eb) => eb.fn.max('seq').as('max')).executeTakeFirst();
    return row?.max == null ? 0 : Number(row.max);
  }
}
