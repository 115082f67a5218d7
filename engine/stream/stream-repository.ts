/**
 * The durable log behind the live stream: every message gets a global sequence number
 * in the same transaction as the change it reports, so a console that reconnects can
 * ask for everything after the last number it saw, and nothing is lost or doubled.
 */
import type { StreamMessage } from '../bus/events.ts';
import { type Executor, iso } from '../db/executor.ts';

type Unsequenced = StreamMessage extends infer M ? (M extends StreamMessage ? Omit<M, 'seq' | 'at'> : never) : never;

export class StreamRepository {
  constructor(private readonly db: Executor) {}

  async append(message: Unsequenced): Promise<StreamMessage> {
    const row = await this.db
      .insertInto('stream_events')
      .values({ type: message.type, payload: JSON.stringify(message) })
      .returning(['seq', 'created_at'])
      .executeTakeFirstOrThrow();
    return { ...message, seq: Number(row.seq), at: iso(row.created_at) } as StreamMessage;
  }

  /** Messages with seq > after, oldest first. */
  async since(after: number, limit: number): Promise<StreamMessage[]> {
    const rows = await this.db
      .selectFrom('stream_events')
      .select(['seq', 'payload', 'created_at'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...(r.payload as object), seq: Number(r.seq), at: iso(r.created_at) }) as StreamMessage);
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
