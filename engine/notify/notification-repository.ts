/**
 * `incident_notifications`: which notification-worthy events of an incident have been
 * recorded (and so will be, or were, sent), and the reconcile's queries for what the
 * bus did not announce. The caller owns the transaction.
 */
import { sql } from 'kysely';
import { type Executor, iso, isoOrNull } from '../db/executor.ts';
import type { IncidentSummary } from '../incident/incident.ts';
import { type NotificationMessage, occurrenceOf } from './notification.ts';

/** The incident fields a notification reports. */
export type IncidentFacts = Pick<IncidentSummary, 'id' | 'title' | 'status' | 'severity' | 'groupKey' | 'alertCount' | 'startedAt' | 'createdAt' | 'resolvedAt'>;

export class NotificationRepository {
  constructor(private readonly db: Executor) {}

  /** Records the event; false when it was recorded before (nothing is sent twice). */
  async record(message: NotificationMessage): Promise<boolean> {
    const row = await this.db
      .insertInto('incident_notifications')
      .values({ incident_id: message.incident.id, event: message.event, occurrence: occurrenceOf(message), message: JSON.stringify(message) })
      .onConflict((oc) => oc.columns(['incident_id', 'event', 'occurrence']).doNothing())
      .returning('incident_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async markEnqueued(message: NotificationMessage, at: Date): Promise<void> {
    await this.db
      .updateTable('incident_notifications')
      .set({ enqueued_at: at })
      .where('incident_id', '=', message.incident.id)
      .where('event', '=', message.event)
      .where('occurrence', '=', occurrenceOf(message))
      .execute();
  }

  /** Recorded before `before` and still not queued: the process died in between, or the queue was down. */
  async unqueued(before: Date, limit: number): Promise<NotificationMessage[]> {
    const rows = await this.db
      .selectFrom('incident_notifications')
      .select('message')
      .where('enqueued_at', 'is', null)
      .where('created_at', '<', before)
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.message as unknown as NotificationMessage);
  }

  /** Incidents created since `since` whose opening was never recorded. */
  async openedMissing(since: Date, limit: number): Promise<IncidentFacts[]> {
    const rows = await this.incidents()
      .where('i.created_at', '>=', since)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('incident_notifications as n').select('n.incident_id').whereRef('n.incident_id', '=', 'i.id').where('n.event', '=', 'opened'))),
      )
      .orderBy('i.created_at')
      .limit(limit)
      .execute();
    return rows.map(toFacts);
  }

  /** Incidents resolved (or closed with a resolution time), changed since `since`, whose current resolution was never recorded. */
  async resolvedMissing(since: Date, limit: number): Promise<IncidentFacts[]> {
    const rows = await this.incidents()
      .where('i.status', 'in', ['resolved', 'closed'])
      .where('i.resolved_at', 'is not', null)
      .where('i.updated_at', '>=', since)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('incident_notifications as n')
              .select('n.incident_id')
              .whereRef('n.incident_id', '=', 'i.id')
              .where('n.event', '=', 'resolved')
              // The occurrence of a resolution is its time in epoch milliseconds (occurrenceOf).
              .where('n.occurrence', '=', sql<string>`(floor(extract(epoch from i.resolved_at) * 1000))::bigint::text`),
          ),
        ),
      )
      .orderBy('i.updated_at')
      .limit(limit)
      .execute();
    return rows.map(toFacts);
  }

  private incidents() {
    return this.db
      .selectFrom('incidents as i')
      .select(['i.id', 'i.title', 'i.status', 'i.severity', 'i.group_key', 'i.alert_count', 'i.started_at', 'i.created_at', 'i.resolved_at']);
  }
}

function toFacts(r: {
  id: string;
  title: string;
  status: IncidentFacts['status'];
  severity: string;
  group_key: string;
  alert_count: number;
  started_at: Date;
  created_at: Date;
  resolved_at: Date | null;
}): IncidentFacts {
  return {
    id: r.id,
    title: r.title,
    status: r.status,
    severity: r.severity,
    groupKey: r.group_key,
    alertCount: r.alert_count,
    startedAt: iso(r.started_at),
    createdAt: iso(r.created_at),
    resolvedAt: isoOrNull(r.resolved_at),
  };
}
