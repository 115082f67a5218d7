/**
 * Operators' incident actions as rows: the web role writes one (pending) and queues it; the
 * leading correlator runs it and writes the outcome; the requester reads the outcome back.
 */
import { randomUUID } from 'node:crypto';
import type { Executor } from '../db/executor.ts';

export interface StoredCommand {
  id: string;
  incidentId: string;
  kind: string;
  payload: Record<string, unknown>;
  actor: string;
  status: 'pending' | 'done' | 'failed';
  result: Record<string, unknown> | null;
}

export class CommandRepository {
  constructor(private readonly db: Executor) {}

  async create(c: { incidentId: string; kind: string; payload: Record<string, unknown>; actor: string }): Promise<string> {
    const id = `cmd_${randomUUID().replaceAll('-', '')}`;
    await this.db
      .insertInto('incident_commands')
      .values({ id, incident_id: c.incidentId, kind: c.kind, payload: JSON.stringify(c.payload), actor: c.actor, status: 'pending' })
      .execute();
    return id;
  }

  async get(id: string): Promise<StoredCommand | undefined> {
    const r = await this.db.selectFrom('incident_commands').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? { id: r.id, incidentId: r.incident_id, kind: r.kind, payload: r.payload, actor: r.actor, status: r.status, result: r.result } : undefined;
  }

  /** Records the outcome once; a second finish (a redelivered job) changes nothing. */
  async finish(id: string, status: 'done' | 'failed', result: Record<string, unknown>): Promise<boolean> {
    const res = await this.db
      .updateTable('incident_commands')
      .set({ status, result: JSON.stringify(result), done_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }
}
