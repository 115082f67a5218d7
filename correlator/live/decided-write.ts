/**
 * What the live correlator decided for a group of batches (or a tick), as rows to write, and
 * the one transaction that writes them (ADR 0005). Everything that needs the engine (decisions,
 * titles, root-cause rankings, whether a flapping alert reopens its incident) is settled before
 * this runs, so the engine can decide the next group while this one commits.
 *
 * Statements per transaction, whatever the number of events: one COPY of new alerts, one
 * update of changed known alerts, one COPY of events (with the decision and incident key),
 * one insert of incidents, one COPY of new members and one insert of members that may exist,
 * one locking read and one update of touched incidents, one insert of timeline entries, one
 * update of root causes, two or three reads for the summaries (members of incidents the write
 * opened come from the write); then one append of a stream message per touched incident
 * (StreamRepository.appendMany).
 * Incidents resolved by the engine and flapping reopens add one statement each, engine-made
 * merges seven each (rare).
 */
import type { AlertRecord } from '../../engine/alert/alert.ts';
import { AlertRepository } from '../../engine/alert/alert-repository.ts';
import type { StreamMessage } from '../../engine/bus/events.ts';
import type { Executor } from '../../engine/db/executor.ts';
import { IncidentRepository, type MemberChange } from '../../engine/incident/incident-repository.ts';
import { StreamRepository } from '../../engine/stream/stream-repository.ts';
import type { Lesson } from '../engine/correlation-engine.ts';
import { LessonRepository } from './lesson-repository.ts';

type Opened = Parameters<IncidentRepository['createMany']>[0][number];
type TimelineEntry = Parameters<IncidentRepository['addTimelineMany']>[0][number];

export interface DecidedEvent {
  fingerprint: string;
  status: string;
  eventTime: string;
  receivedAt: string;
  batchId: string;
  decision: string | null;
  incidentKey: string | null;
}

export interface DecidedWrite {
  /** The wall-clock time written as updated_at. */
  now: string;
  alerts: { created: AlertRecord[]; updated: AlertRecord[]; events: DecidedEvent[] };
  opened: Opened[];
  changes: MemberChange[];
  /** In decision order; an entry with `ifReopened` is written only when that reopen happened. */
  timeline: Array<TimelineEntry & { ifReopened?: true }>;
  /** Incidents a flapping member may reopen (when the store has them resolved). */
  reopen: string[];
  /**
   * Incidents the engine merged into another (Decision.absorbed), in decision order: their
   * members move, their recorded events are pinned to the key they went into, and they close.
   */
  merged: Array<{ fromId: string; fromKey: string; intoId: string; intoKey: string; reason: string }>;
  /** Incidents the engine resolved: id, key and when. */
  resolved: Array<{ id: string; key: string; at: string }>;
  /** Incidents touched by a decision: created in this write or updated. */
  touched: Map<string, { created: boolean; key: string }>;
  /** Ranked root-cause candidates per incident, for those touched (resolved ones included). */
  rootCauses: Map<string, unknown[]>;
  /** What incidents the engine resolved taught its learned models, in learned order. */
  lessons: Lesson[];
  /** Also delete all but the latest stored lessons (now and then, to keep the table bounded). */
  pruneLessons: boolean;
}

export async function writeDecided(trx: Executor, w: DecidedWrite): Promise<StreamMessage[]> {
  const alerts = new AlertRepository(trx);
  const incidents = new IncidentRepository(trx);
  // Alerts first: events and members reference them.
  await alerts.writeDecided(w.alerts);
  await incidents.createMany(w.opened);
  await incidents.applyChanges(w.changes, w.now);
  for (const m of w.merged) {
    const moved = await incidents.moveMembers(m.fromId, m.intoId, null, m.reason, w.now);
    await alerts.repinEvents(moved, m.intoKey, m.fromKey);
    await incidents.close(m.fromId, w.now, m.intoId);
    await incidents.recount(m.fromId, w.now);
    await incidents.recount(m.intoId, w.now);
    await incidents.addTimeline(m.fromId, 'correlator', 'merged', { into: m.intoId, reason: m.reason });
    await incidents.addTimeline(m.intoId, 'correlator', 'merged', { from: m.fromId, alerts: moved.length, reason: m.reason });
  }
  const reopened = new Set<string>();
  for (const id of w.reopen) if (await incidents.reopen(id, w.now)) reopened.add(id);
  const lessons = new LessonRepository(trx);
  await lessons.addMany(w.lessons);
  if (w.pruneLessons) await lessons.prune();
  await incidents.addTimelineMany(w.timeline.filter((e) => !e.ifReopened || reopened.has(e.incidentId)).map(({ ifReopened: _, ...e }) => e));
  const touched = new Map(w.touched);
  for (const r of w.resolved) {
    if (await incidents.resolve(r.id, r.at, w.now)) {
      touched.set(r.id, { created: touched.get(r.id)?.created ?? false, key: r.key });
      await incidents.addTimeline(r.id, 'correlator', 'resolved', { reason: 'every member resolved and the hold time passed' });
    }
  }
  if (touched.size === 0) return [];
  await incidents.setRootCausesMany([...touched.keys()].flatMap((id) => (w.rootCauses.has(id) ? [{ id, candidates: w.rootCauses.get(id)! }] : [])));
  const summaries = await incidents.getSummaries([...touched.keys()], linkedTogether(w, touched));
  return new StreamRepository(trx).appendMany<StreamMessage>(summaries.map((incident) => ({ type: touched.get(incident.id)!.created ? 'incident.created' : 'incident.updated', incident })));
}

/**
 * The incidents this write opened whose members all came by its links (one `linked_at`, as
 * applyChanges writes them), with those members, so their summaries need not read them back.
 * Incidents an engine merge moved members into or out of are read from the store.
 */
function linkedTogether(w: DecidedWrite, touched: ReadonlyMap<string, { created: boolean }>): Map<string, Array<{ fingerprint: string; sourceFingerprint: string }>> {
  const moved = new Set(w.merged.flatMap((m) => [m.fromId, m.intoId]));
  const out = new Map<string, Array<{ fingerprint: string; sourceFingerprint: string }>>();
  const seen = new Set<string>();
  for (const c of w.changes) {
    if (!c.link || !touched.get(c.incidentId)?.created || moved.has(c.incidentId)) continue;
    const sourceFingerprint = c.member.sourceFingerprint;
    if (sourceFingerprint === undefined) {
      moved.add(c.incidentId);
      out.delete(c.incidentId);
      continue;
    }
    const key = `${c.incidentId}\u0000${c.member.fingerprint}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const list = out.get(c.incidentId);
    if (list) list.push({ fingerprint: c.member.fingerprint, sourceFingerprint });
    else out.set(c.incidentId, [{ fingerprint: c.member.fingerprint, sourceFingerprint }]);
  }
  return out;
}

/**
 * Whether a decided write must be the last of the writes merged into one transaction: engine
 * merges, reopens and resolves are written after every member change of the write, so only
 * the last write of a merge may carry them (its own steps then keep their order).
 */
export function endsMerge(w: DecidedWrite): boolean {
  return w.merged.length + w.reopen.length + w.resolved.length > 0;
}

/**
 * Several decided writes, in decision order, as one: what a transaction writing them one after
 * another would leave. An alert updated by more than one keeps its latest state (one created by
 * an earlier write and updated by a later one is inserted, then updated); member changes,
 * timeline entries and lessons keep their order; a later ranking of an incident's root causes
 * replaces an earlier one. Throws unless only the last may carry merges, reopens or resolves
 * (`endsMerge`).
 */
export function mergeDecided(writes: readonly DecidedWrite[]): DecidedWrite {
  if (writes.length === 1) return writes[0]!;
  if (writes.slice(0, -1).some(endsMerge)) throw new Error('only the last decided write of a merge may carry merges, reopens or resolves');
  const last = writes[writes.length - 1]!;
  const updated = new Map<string, AlertRecord>();
  const touched = new Map<string, { created: boolean; key: string }>();
  const rootCauses = new Map<string, unknown[]>();
  for (const w of writes) {
    for (const a of w.alerts.updated) updated.set(a.fingerprint, a);
    for (const [id, t] of w.touched) touched.set(id, { created: t.created || (touched.get(id)?.created ?? false), key: t.key });
    for (const [id, c] of w.rootCauses) rootCauses.set(id, c);
  }
  return {
    now: last.now,
    alerts: { created: writes.flatMap((w) => w.alerts.created), updated: [...updated.values()], events: writes.flatMap((w) => w.alerts.events) },
    opened: writes.flatMap((w) => w.opened),
    changes: writes.flatMap((w) => w.changes),
    timeline: writes.flatMap((w) => w.timeline),
    reopen: last.reopen,
    merged: last.merged,
    resolved: last.resolved,
    touched,
    rootCauses,
    lessons: writes.flatMap((w) => w.lessons),
    pruneLessons: writes.some((w) => w.pruneLessons),
  };
}
