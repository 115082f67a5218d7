/**
 * Alerts and their events. Deduplication lives here: one event per
 * (fingerprint, status, source event time), so a redelivered webhook or a retried job
 * records nothing twice; a repeat only bumps last-seen and the repeat counter.
 */
import { sql } from 'kysely';
import type { AlertEvent, AlertRecord, SuppressionRef } from './alert.ts';
import { type Executor, iso, isoOrNull } from '../db/executor.ts';
import { type CopyValue, copyIn } from '../db/copy-in.ts';
import { dedupKeyOf } from './alert-state.ts';
import { freshRecord } from './alert-state.ts';

export interface RecordResult {
  /** False when this exact event was seen before (a redelivery or a repeat), or was ignored. */
  isNewEvent: boolean;
  /** The alert's state after the event; undefined for an ignored ack of an unknown alert. */
  alert: AlertRecord | undefined;
  /** Its status and severity before the event; undefined for an alert seen for the first time. */
  previous?: { status: AlertRecord['status']; severity: string } | undefined;
  /** The alert_events row recorded for a new event. */
  eventId?: number;
}

/** One recorded event as a correlator rebuilding its memory replays it. */
export interface ReplayedEvent {
  eventId: number;
  event: AlertEvent;
  decision: string | null;
  incidentKey: string | null;
}

const ALERT_COLUMNS = [
  'fingerprint', 'source', 'source_fingerprint', 'name', 'severity', 'status', 'labels', 'annotations', 'starts_at', 'ends_at',
  'last_event_at', 'acknowledged_at', 'first_seen_at', 'last_seen_at', 'repeat_count', 'suppressed_by', 'flapping',
] as const;

/** An alert as a row of {@link ALERT_COLUMNS}, for COPY. */
function alertCopyRow(a: AlertRecord): CopyValue[] {
  return [
    a.fingerprint, a.source, a.sourceFingerprint, a.name, a.severity, a.status, a.labels, a.annotations, a.startsAt, a.endsAt,
    a.lastEventAt, a.acknowledgedAt, a.firstSeenAt, a.lastSeenAt, a.repeatCount, a.suppressedBy, a.flapping,
  ];
}

const EVENT_COLUMNS = ['fingerprint', 'status', 'event_time', 'received_at', 'batch_id', 'decision', 'incident_key'] as const;

export class AlertRepository {
  constructor(private readonly db: Executor) {}

  async record(ev: AlertEvent, batchId: string, receivedAt: string): Promise<RecordResult> {
    if (ev.status === 'acknowledged') return this.acknowledge(ev, batchId, receivedAt);
    const created = await this.db
      .insertInto('alerts')
      .values(newAlertRow(ev as AlertEvent & { status: AlertRecord['status'] }, receivedAt))
      .onConflict((oc) => oc.column('fingerprint').doNothing())
      .returning('fingerprint')
      .executeTakeFirst();

    const inserted = await this.db
      .insertInto('alert_events')
      .values({ fingerprint: ev.fingerprint, status: ev.status, event_time: ev.eventTime, received_at: receivedAt, batch_id: batchId })
      .onConflict((oc) => oc.constraint('alert_events_dedup').doNothing())
      .returning('id')
      .executeTakeFirst();
    const isNewEvent = inserted !== undefined;
    const eventId = inserted ? Number(inserted.id) : undefined;
    const before = created === undefined ? await this.get(ev.fingerprint) : undefined;
    const previous = before ? { status: before.status, severity: before.severity } : undefined;

    if (isNewEvent && created === undefined) {
      // A known alert. Only an event at least as new as the last one moves the alert's state: a late
      // delivery of an older event is recorded in history but does not rewind the alert (see stateUpdate).
      await this.db
        .updateTable('alerts')
        .set({ ...stateUpdate(ev), last_event_at: ev.eventTime, last_seen_at: receivedAt })
        .where('fingerprint', '=', ev.fingerprint)
        .where('last_event_at', '<=', new Date(ev.eventTime))
        .execute();
    } else if (!isNewEvent) {
      await this.db
        .updateTable('alerts')
        .set({ repeat_count: sql`repeat_count + 1`, last_seen_at: receivedAt })
        .where('fingerprint', '=', ev.fingerprint)
        .execute();
    }
    return { isNewEvent, alert: await this.get(ev.fingerprint), previous, eventId };
  }

  /**
   * `record` for many events at once, with the same outcome as recording them one by one in
   * order, in a handful of statements whatever their number: the correlator's batch path.
   * The events' fingerprints must be distinct (split a batch where one repeats).
   */
  async recordBatch(items: ReadonlyArray<{ event: AlertEvent; batchId: string; receivedAt: string }>): Promise<RecordResult[]> {
    const events = items.map((x) => x.event);
    const results = new Array<RecordResult>(events.length);
    const plain: number[] = [];
    for (let i = 0; i < events.length; i++) {
      if (events[i]!.status === 'acknowledged') results[i] = await this.acknowledge(events[i]!, items[i]!.batchId, items[i]!.receivedAt);
      else plain.push(i);
    }
    if (plain.length === 0) return results;
    const fps = plain.map((i) => events[i]!.fingerprint);
    const existing = new Map<string, AlertRecord>();
    for (const row of await this.db.selectFrom('alerts').selectAll().where('fingerprint', 'in', fps).execute()) existing.set(row.fingerprint, toRecord(row));
    const fresh = plain.filter((i) => !existing.has(events[i]!.fingerprint));
    const created = new Set<string>();
    if (fresh.length > 0) {
      const rows = await this.db
        .insertInto('alerts')
        .values(fresh.map((i) => newAlertRow(events[i]! as AlertEvent & { status: AlertRecord['status'] }, items[i]!.receivedAt)))
        .onConflict((oc) => oc.column('fingerprint').doNothing())
        .returning('fingerprint')
        .execute();
      for (const r of rows) created.add(r.fingerprint);
    }
    const inserted = await this.db
      .insertInto('alert_events')
      .values(plain.map((i) => ({ fingerprint: events[i]!.fingerprint, status: events[i]!.status, event_time: events[i]!.eventTime, received_at: items[i]!.receivedAt, batch_id: items[i]!.batchId })))
      .onConflict((oc) => oc.constraint('alert_events_dedup').doNothing())
      .returning(['id', 'fingerprint'])
      .execute();
    const eventIds = new Map(inserted.map((r) => [r.fingerprint, Number(r.id)]));
    const repeats: string[] = [];
    for (const i of plain) {
      const ev = events[i]!;
      const receivedAt = items[i]!.receivedAt;
      const before = existing.get(ev.fingerprint);
      const eventId = eventIds.get(ev.fingerprint);
      const previous = before ? { status: before.status, severity: before.severity } : undefined;
      if (created.has(ev.fingerprint)) {
        results[i] = { isNewEvent: eventId !== undefined, alert: freshRecord(ev, receivedAt), previous: undefined, eventId };
      } else if (eventId === undefined) {
        repeats.push(ev.fingerprint);
        results[i] = { isNewEvent: false, alert: before, previous };
      } else {
        // A new event of a known alert: the same update as `record`, one statement per alert.
        const updated = await this.db
          .updateTable('alerts')
          .set({ ...stateUpdate(ev), last_event_at: ev.eventTime, last_seen_at: receivedAt })
          .where('fingerprint', '=', ev.fingerprint)
          .where('last_event_at', '<=', new Date(ev.eventTime))
          .returningAll()
          .executeTakeFirst();
        results[i] = { isNewEvent: true, alert: updated ? toRecord(updated) : (before ?? (await this.get(ev.fingerprint))), previous, eventId };
      }
    }
    if (repeats.length > 0) {
      const lastSeen = items.reduce((m, x) => (x.receivedAt > m ? x.receivedAt : m), items[0]!.receivedAt);
      await this.db.updateTable('alerts').set({ repeat_count: sql`repeat_count + 1`, last_seen_at: lastSeen }).where('fingerprint', 'in', repeats).execute();
    }
    return results;
  }

  /**
   * What deciding a batch in memory needs (see alert-state.ts): the stored state of the given
   * alerts, and which of the given events are already recorded. Two statements at most.
   */
  async loadForEvents(events: ReadonlyArray<Pick<AlertEvent, 'fingerprint' | 'status' | 'eventTime'>>): Promise<{ alerts: Map<string, AlertRecord>; recorded: Set<string> }> {
    const alerts = new Map<string, AlertRecord>();
    const recorded = new Set<string>();
    if (events.length === 0) return { alerts, recorded };
    const fps = [...new Set(events.map((e) => e.fingerprint))];
    for (const row of await this.db.selectFrom('alerts').selectAll().where('fingerprint', 'in', fps).execute()) alerts.set(row.fingerprint, toRecord(row));
    // Only known alerts can have recorded events (they reference their alert).
    const probes = events.filter((e) => alerts.has(e.fingerprint)).map((e) => ({ fingerprint: e.fingerprint, status: e.status, event_time: e.eventTime }));
    if (probes.length > 0) {
      const found = await sql<{ fingerprint: string; status: string; event_time: Date | string }>`
        select e.fingerprint, e.status, e.event_time
        from json_to_recordset(${JSON.stringify(probes)}::json) as p(fingerprint text, status text, event_time timestamptz)
        join alert_events e on e.fingerprint = p.fingerprint and e.status = p.status and e.event_time = p.event_time`.execute(this.db);
      for (const r of found.rows) recorded.add(dedupKeyOf(r.fingerprint, r.status, new Date(r.event_time)));
    }
    return { alerts, recorded };
  }

  /**
   * Writes what a batch decided in memory: new alerts, the final state of changed known alerts,
   * and the new events with the engine's decision, in recorded order. One statement each. Throws
   * when the store disagrees with what was read (an event already there, an alert gone), so the
   * caller's transaction rolls back and the batch is decided anew. New alerts and events go in
   * by COPY (copy-in.ts). Changed alerts come as one `json` parameter (not `jsonb`): read once,
   * it need not be built and key-sorted as a jsonb value first (measured: 15 → 12–16 µs of
   * Postgres CPU an alert row; where a row is mostly one nested value stored as jsonb, as
   * stream payloads, jsonb is the cheaper input).
   */
  async writeDecided(plan: {
    created: readonly AlertRecord[];
    updated: readonly AlertRecord[];
    events: ReadonlyArray<{ fingerprint: string; status: string; eventTime: string; receivedAt: string; batchId: string; decision: string | null; incidentKey: string | null }>;
  }): Promise<void> {
    const rowOf = (a: AlertRecord) => ({
      fingerprint: a.fingerprint,
      source: a.source,
      source_fingerprint: a.sourceFingerprint,
      name: a.name,
      severity: a.severity,
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      starts_at: a.startsAt,
      ends_at: a.endsAt,
      last_event_at: a.lastEventAt,
      acknowledged_at: a.acknowledgedAt,
      first_seen_at: a.firstSeenAt,
      last_seen_at: a.lastSeenAt,
      repeat_count: a.repeatCount,
      suppressed_by: a.suppressedBy,
      flapping: a.flapping,
    });
    const columns = sql.raw(`fingerprint text, source text, source_fingerprint text, name text, severity text, status text, labels jsonb, annotations jsonb,
      starts_at timestamptz, ends_at timestamptz, last_event_at timestamptz, acknowledged_at timestamptz, first_seen_at timestamptz, last_seen_at timestamptz,
      repeat_count integer, suppressed_by jsonb, flapping boolean`);
    if (plan.created.length > 0) {
      // COPY (copy-in.ts): a new alert that is already stored breaks the primary key and fails the statement.
      const copied = await copyIn(this.db, 'alerts', ALERT_COLUMNS, plan.created.map(alertCopyRow));
      if (copied !== plan.created.length) throw new Error('alerts changed under the correlator: a new alert was already stored');
    }
    if (plan.updated.length > 0) {
      const res = await sql`
        update alerts a set severity = x.severity, status = x.status, labels = x.labels, annotations = x.annotations, starts_at = x.starts_at,
          ends_at = x.ends_at, last_event_at = x.last_event_at, acknowledged_at = x.acknowledged_at, last_seen_at = x.last_seen_at,
          repeat_count = x.repeat_count, suppressed_by = x.suppressed_by, flapping = x.flapping
        from json_to_recordset(${JSON.stringify(plan.updated.map(rowOf))}::json) as x(${columns})
        where a.fingerprint = x.fingerprint`.execute(this.db);
      if (Number(res.numAffectedRows ?? plan.updated.length) !== plan.updated.length) throw new Error('alerts changed under the correlator: a known alert is gone');
    }
    if (plan.events.length > 0) {
      // COPY keeps the given order, so ids follow it (a rebuild replays events in recorded order);
      // an event already recorded breaks alert_events_dedup and fails the statement.
      const rows = plan.events.map((e) => [e.fingerprint, e.status, e.eventTime, e.receivedAt, e.batchId, e.decision, e.incidentKey]);
      const copied = await copyIn(this.db, 'alert_events', EVENT_COLUMNS, rows);
      if (copied !== rows.length) throw new Error('alert events changed under the correlator: an event was already recorded');
    }
  }

  /** An acknowledgement acts only on a firing alert; otherwise nothing is recorded. */
  private async acknowledge(ev: AlertEvent, batchId: string, receivedAt: string): Promise<RecordResult> {
    const current = await this.get(ev.fingerprint);
    if (!current || current.status !== 'firing') return { isNewEvent: false, alert: current };
    const inserted = await this.db
      .insertInto('alert_events')
      .values({ fingerprint: ev.fingerprint, status: 'acknowledged', event_time: ev.eventTime, received_at: receivedAt, batch_id: batchId })
      .onConflict((oc) => oc.constraint('alert_events_dedup').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return { isNewEvent: false, alert: current };
    await this.db
      .updateTable('alerts')
      .set({ acknowledged_at: ev.eventTime, last_seen_at: receivedAt })
      .where('fingerprint', '=', ev.fingerprint)
      .execute();
    return { isNewEvent: true, alert: await this.get(ev.fingerprint), eventId: Number(inserted.id) };
  }

  /** Stores the correlation engine's decision on recorded events, in one statement. */
  async markDecisions(rows: ReadonlyArray<{ eventId: number; decision: string; incidentKey: string | null }>): Promise<void> {
    if (rows.length === 0) return;
    await sql`
      update alert_events e set decision = v.decision, incident_key = v.incident_key
      from (values ${sql.join(rows.map((r) => sql`(${r.eventId}::bigint, ${r.decision}::text, ${r.incidentKey}::text)`))}) as v(id, decision, incident_key)
      where e.id = v.id`.execute(this.db);
  }

  /**
   * Records that these alerts' episodes recorded in the incident `fromKey` now belong to the
   * incident `key` (a merge or split moved them), so a rebuilt engine restores them there. Their
   * older episodes, recorded in other incidents, stay where they were. Without `fromKey` (an
   * incident from before the engine) every recorded episode of the alerts moves.
   */
  async repinEvents(fingerprints: readonly string[], key: string, fromKey: string | null): Promise<void> {
    if (fingerprints.length === 0) return;
    let q = this.db.updateTable('alert_events').set({ incident_key: key }).where('fingerprint', 'in', [...fingerprints]);
    q = fromKey === null ? q.where('incident_key', 'is not', null) : q.where('incident_key', '=', fromKey);
    await q.execute();
  }

  /** What the engine says of the alert's current episode: the rule muting it, and flapping. */
  async setCorrelationState(fingerprint: string, suppressedBy: SuppressionRef | null, flapping: boolean): Promise<void> {
    await this.db
      .updateTable('alerts')
      .set({ suppressed_by: suppressedBy === null ? null : JSON.stringify(suppressedBy), flapping })
      .where('fingerprint', '=', fingerprint)
      .execute();
  }

  /**
   * Recorded events in recorded order, for a correlator rebuilding its memory: those at or after
   * `sinceEventTime`, and every event of the alerts in `alsoFingerprints` (members of incidents
   * still open, whose episode may have begun earlier). The alert's stored labels and
   * annotations stand in for the event's own.
   */
  async replayLog(sinceEventTime: Date, alsoFingerprints: readonly string[], afterId: number, limit: number): Promise<ReplayedEvent[]> {
    let q = this.db
      .selectFrom('alert_events as e')
      .innerJoin('alerts as a', 'a.fingerprint', 'e.fingerprint')
      .select([
        'e.id',
        'e.status as event_status',
        'e.event_time',
        'e.decision',
        'e.incident_key',
        'a.fingerprint',
        'a.source',
        'a.source_fingerprint',
        'a.name',
        'a.severity',
        'a.labels',
        'a.annotations',
        'a.starts_at',
      ])
      .where('e.id', '>', afterId);
    q = q.where((eb) =>
      alsoFingerprints.length > 0 ? eb.or([eb('e.event_time', '>=', sinceEventTime), eb('e.fingerprint', 'in', [...alsoFingerprints])]) : eb('e.event_time', '>=', sinceEventTime),
    );
    const rows = await q.orderBy('e.id').limit(limit).execute();
    return rows.map((r) => {
      const eventTime = iso(r.event_time);
      return {
        eventId: Number(r.id),
        decision: r.decision,
        incidentKey: r.incident_key,
        event: {
          source: r.source,
          sourceFingerprint: r.source_fingerprint,
          fingerprint: r.fingerprint,
          status: r.event_status,
          name: r.name,
          severity: r.severity,
          labels: r.labels,
          annotations: r.annotations,
          startsAt: r.event_status === 'firing' ? eventTime : iso(r.starts_at),
          endsAt: r.event_status === 'resolved' ? eventTime : null,
          eventTime,
          generatorUrl: null,
        },
      };
    });
  }

  async get(fingerprint: string): Promise<AlertRecord | undefined> {
    const row = await this.db.selectFrom('alerts').selectAll().where('fingerprint', '=', fingerprint).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async list(opts: { status?: 'firing' | 'resolved'; limit: number; offset: number }): Promise<AlertRecord[]> {
    let q = this.db.selectFrom('alerts').selectAll();
    if (opts.status) q = q.where('status', '=', opts.status);
    const rows = await q.orderBy('last_event_at', 'desc').orderBy('fingerprint').limit(opts.limit).offset(opts.offset).execute();
    return rows.map(toRecord);
  }
}

/**
 * How an event moves a known alert. A firing event carries the alert's identity: on a resolved
 * alert it begins a new episode (an earlier acknowledgement no longer holds), on a firing one it
 * continues the episode (same start, one more repeat). A resolve only ends the episode, keeping
 * the labels, severity and start it fired with (some sources resolve with no payload).
 */
function stateUpdate(ev: AlertEvent) {
  return ev.status === 'firing'
    ? {
        status: 'firing' as const,
        severity: ev.severity,
        labels: JSON.stringify(ev.labels),
        annotations: JSON.stringify(ev.annotations),
        ends_at: null,
        starts_at: sql<Date>`case when status = 'firing' then starts_at else ${ev.startsAt}::timestamptz end`,
        acknowledged_at: sql<Date | null>`case when status = 'firing' then acknowledged_at else null end`,
        repeat_count: sql<number>`case when status = 'firing' then repeat_count + 1 else repeat_count end`,
      }
    : {
        status: 'resolved' as const,
        ends_at: ev.endsAt ?? ev.eventTime,
        annotations: sql<string>`annotations || ${JSON.stringify(ev.annotations)}::jsonb`,
      };
}

/** The row of an alert first seen in this (firing or resolved) event. */
function newAlertRow(ev: AlertEvent & { status: AlertRecord['status'] }, receivedAt: string) {
  return {
    fingerprint: ev.fingerprint,
    source: ev.source,
    source_fingerprint: ev.sourceFingerprint,
    name: ev.name,
    severity: ev.severity,
    status: ev.status,
    labels: JSON.stringify(ev.labels),
    annotations: JSON.stringify(ev.annotations),
    starts_at: ev.startsAt,
    ends_at: ev.endsAt,
    last_event_at: ev.eventTime,
    first_seen_at: receivedAt,
    last_seen_at: receivedAt,
  };
}

function toRecord(row: {
  fingerprint: string;
  source: string;
  source_fingerprint: string;
  name: string;
  severity: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  starts_at: Date;
  ends_at: Date | null;
  last_event_at: Date;
  acknowledged_at: Date | null;
  first_seen_at: Date;
  last_seen_at: Date;
  repeat_count: number;
  suppressed_by?: SuppressionRef | null;
  flapping?: boolean;
}): AlertRecord {
  return {
    fingerprint: row.fingerprint,
    source: row.source,
    sourceFingerprint: row.source_fingerprint,
    name: row.name,
    severity: row.severity,
    status: row.status,
    labels: row.labels,
    annotations: row.annotations,
    startsAt: iso(row.starts_at),
    endsAt: isoOrNull(row.ends_at),
    lastEventAt: iso(row.last_event_at),
    acknowledgedAt: isoOrNull(row.acknowledged_at),
    firstSeenAt: iso(row.first_seen_at),
    lastSeenAt: iso(row.last_seen_at),
    repeatCount: row.repeat_count,
    suppressedBy: row.suppressed_by ?? null,
    flapping: row.flapping ?? false,
  };
}
