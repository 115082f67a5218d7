/**
 * The correlation workflow for one batch of alert events. It owns the transactions;
 * the repositories do the SQL. Each event runs in its own transaction under a Postgres
 * advisory lock on its group key, so several correlator processes working on the same
 * group serialize and produce the same incidents as one (see docs/adr/0001).
 * Idempotent: a redelivered batch finds its events already recorded and changes nothing.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AlertEvent } from '../engine/alert/alert.ts';
import { AlertRepository } from '../engine/alert/alert-repository.ts';
import type { StreamMessage } from '../engine/bus/events.ts';
import type { DB } from '../engine/db/tables.ts';
import { IncidentRepository } from '../engine/incident/incident-repository.ts';
import { StreamRepository } from '../engine/stream/stream-repository.ts';
import { formatGap, groupKeyOf } from './group-key.ts';

export interface CorrelateOptions {
  windowMs: number;
  now?: () => Date;
}

export interface BatchOutcome {
  /** Messages to publish on the bus, in commit order. */
  messages: StreamMessage[];
  /** Events that were already recorded (redeliveries, repeats) or ignored (an ack of a silent alert). */
  duplicates: number;
  /** The same, per source. */
  duplicatesBySource: Record<string, number>;
}

export async function correlateBatch(
  db: Kysely<DB>,
  batch: { batchId: string; receivedAt: string; events: AlertEvent[] },
  opts: CorrelateOptions,
): Promise<BatchOutcome> {
  const now = opts.now ?? (() => new Date());
  const ordered = [...batch.events].sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime));
  const messages: StreamMessage[] = [];
  let duplicates = 0;
  const duplicatesBySource: Record<string, number> = {};
  for (const ev of ordered) {
    const out = await db.transaction().execute((trx) => correlateEvent(trx, ev, batch, opts.windowMs, now().toISOString()));
    if (out === 'duplicate') {
      duplicates++;
      duplicatesBySource[ev.source] = (duplicatesBySource[ev.source] ?? 0) + 1;
    } else messages.push(...out);
  }
  return { messages, duplicates, duplicatesBySource };
}

async function correlateEvent(
  trx: Transaction<DB>,
  ev: AlertEvent,
  batch: { batchId: string; receivedAt: string },
  windowMs: number,
  now: string,
): Promise<StreamMessage[] | 'duplicate'> {
  const group = groupKeyOf(ev);
  await sql`select pg_advisory_xact_lock(hashtext(${group.key}))`.execute(trx);

  const alerts = new AlertRepository(trx);
  const incidents = new IncidentRepository(trx);
  const stream = new StreamRepository(trx);

  const { isNewEvent, alert, previous } = await alerts.record(ev, batch.batchId, batch.receivedAt);
  if (!isNewEvent || !alert) return 'duplicate';
  // An acknowledgement at the source is kept on the alert; it does not change the incident.
  if (ev.status === 'acknowledged') return [];
  const member = { ...alert, lastEventAt: ev.eventTime };

  const current = await incidents.findActiveByMember(ev.fingerprint);
  if (current) {
    const incident = await incidents.memberChanged(current.id, previous, member, now);
    return [await stream.append({ type: 'incident.updated', incident })];
  }
  // A resolve for an alert in no active incident is recorded above and goes no further.
  if (ev.status === 'resolved') return [];

  const target = await incidents.findActiveForGroup(group.key, ev.eventTime, windowMs);
  if (target) {
    const gap = formatGap(Date.parse(ev.eventTime) - Date.parse(target.startedAt));
    const incident = await incidents.addMember(target.id, member, `${group.describe}, ${gap} the incident's first alert`, now);
    return [await stream.append({ type: 'incident.updated', incident })];
  }

  const id = await incidents.create({ title: `${ev.name} on ${group.key.split('=')[1]}`, groupKey: group.key, severity: ev.severity, eventTime: ev.eventTime, now });
  const incident = await incidents.addMember(id, member, `first alert of the incident (${group.describe.replace(/^same /, '')})`, now);
  return [await stream.append({ type: 'incident.created', incident })];
}
