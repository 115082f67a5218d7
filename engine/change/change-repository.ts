/**
 * Changes. Recording is idempotent: the id is a hash of the content, and a second insert
 * of the same id changes nothing (its first arrival time is kept).
 */
import type { Kysely, Selectable } from 'kysely';
import type { Change } from './change.ts';
import type { ChangesTable } from './changes.table.ts';
import { type Executor, iso } from '../db/executor.ts';
import type { DB } from '../db/tables.ts';

export class ChangeRepository {
  private readonly db: Kysely<DB & { changes: ChangesTable }>;

  constructor(db: Executor) {
    // A Transaction is a Kysely too; widening keeps the caller's transaction.
    this.db = (db as Kysely<DB>).withTables<{ changes: ChangesTable }>();
  }

  /** Stores the change unless a change with its id is already stored. */
  async record(change: Change): Promise<{ inserted: boolean }> {
    const row = await this.db
      .insertInto('changes')
      .values({
        id: change.id,
        source: change.source,
        summary: change.summary,
        service: change.service,
        timestamp: change.timestamp,
        links: JSON.stringify(change.links),
        details: JSON.stringify(change.details),
        received_at: change.receivedAt,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return { inserted: row !== undefined };
  }

  /** Changes naming a service or item, from `from` to `to` (event time), newest first. */
  async between(from: Date, to: Date, limit: number): Promise<Array<{ id: string; service: string; summary: string; timestamp: string }>> {
    const rows = await this.db
      .selectFrom('changes')
      .select(['id', 'service', 'summary', 'timestamp'])
      .where('timestamp', '>=', from)
      .where('timestamp', '<=', to)
      .where('service', 'is not', null)
      .orderBy('timestamp', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, service: r.service!, summary: r.summary, timestamp: iso(r.timestamp) }));
  }

  /**
   * Changes to any of `services` (or, with `includeUnscoped`, to no named service) with a
   * timestamp in [from, to], newest first: what may have led to an incident.
   */
  async near(opts: { services: readonly string[]; from: string; to: string; limit: number; includeUnscoped?: boolean }): Promise<Change[]> {
    if (opts.services.length === 0 && !opts.includeUnscoped) return [];
    const rows = await this.db
      .selectFrom('changes')
      .selectAll()
      .where('timestamp', '>=', new Date(opts.from))
      .where('timestamp', '<=', new Date(opts.to))
      .where((eb) => {
        const terms = [];
        if (opts.services.length > 0) terms.push(eb('service', 'in', [...opts.services]));
        if (opts.includeUnscoped) terms.push(eb('service', 'is', null));
        return eb.or(terms);
      })
      .orderBy('timestamp', 'desc')
      .orderBy('id')
      .limit(opts.limit)
      .execute();
    return rows.map(toChange);
  }

  async get(id: string): Promise<Change | undefined> {
    const row = await this.db.selectFrom('changes').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toChange(row) : undefined;
  }
}

function toChange(row: Selectable<ChangesTable>): Change {
  return {
    id: row.id,
    source: row.source,
    summary: row.summary,
    service: row.service,
    timestamp: iso(row.timestamp),
    links: row.links,
    details: row.details,
    receivedAt: iso(row.received_at),
  };
}
