/**
 * How one event moves an alert, computed in memory: the same outcome as
 * `AlertRepository.record` (dedup per fingerprint, status and source event time; a late event is
 * kept in history but does not rewind the alert; an ack acts only on a firing alert), so the
 * correlator can decide a whole batch before writing it, in a few set-based statements.
 */
import type { AlertEvent, AlertRecord } from './alert.ts';
import { iso } from '../db/executor.ts';

/** The identity of an event for deduplication (the alert_events_dedup constraint). */
export function dedupKeyOf(fingerprint: string, status: string, eventTime: string | Date): string {
  const ms = eventTime instanceof Date ? eventTime.getTime() : Date.parse(eventTime);
  return `${fingerprint}\u0000${status}\u0000${ms}`;
}

export interface AppliedEvent {
  /** False for a repeat of a recorded event and for an ignored ack (of an unknown or not firing alert). */
  isNewEvent: boolean;
  /** The alert after the event; undefined for an ignored ack of an unknown alert. */
  alert: AlertRecord | undefined;
  /** Status and severity before the event; undefined for an alert first seen now. */
  previous: { status: AlertRecord['status']; severity: string } | undefined;
  /** Whether the alert row changed (and must be written). */
  changed: boolean;
}

/**
 * Applies `ev` (received at `receivedAt`) to `current`. `seen` says whether this exact event
 * was already recorded. Never mutates `current`.
 */
export function applyAlertEvent(current: AlertRecord | undefined, ev: AlertEvent, receivedAt: string, seen: boolean): AppliedEvent {
  const previous = current ? { status: current.status, severity: current.severity } : undefined;
  if (ev.status === 'acknowledged') {
    if (!current || current.status !== 'firing' || seen) return { isNewEvent: false, alert: current, previous, changed: false };
    return { isNewEvent: true, alert: { ...current, acknowledgedAt: iso(ev.eventTime), lastSeenAt: iso(receivedAt) }, previous, changed: true };
  }
  if (!current) {
    // First seen: `seen` cannot hold (events reference their alert).
    return { isNewEvent: true, alert: freshRecord(ev, receivedAt), previous: undefined, changed: true };
  }
  if (seen) {
    return { isNewEvent: false, alert: { ...current, repeatCount: current.repeatCount + 1, lastSeenAt: iso(receivedAt) }, previous, changed: true };
  }
  // A late event (older than the last one applied) is recorded in history only.
  if (Date.parse(current.lastEventAt) > Date.parse(ev.eventTime)) return { isNewEvent: true, alert: current, previous, changed: false };
  const common = { lastEventAt: iso(ev.eventTime), lastSeenAt: iso(receivedAt) };
  if (ev.status === 'firing') {
    const continuing = current.status === 'firing';
    return {
      isNewEvent: true,
      previous,
      changed: true,
      alert: {
        ...current,
        ...common,
        status: 'firing',
        severity: ev.severity,
        labels: ev.labels,
        annotations: ev.annotations,
        endsAt: null,
        startsAt: continuing ? current.startsAt : iso(ev.startsAt),
        acknowledgedAt: continuing ? current.acknowledgedAt : null,
        repeatCount: continuing ? current.repeatCount + 1 : current.repeatCount,
      },
    };
  }
  return {
    isNewEvent: true,
    previous,
    changed: true,
    alert: { ...current, ...common, status: 'resolved', endsAt: iso(ev.endsAt ?? ev.eventTime), annotations: { ...current.annotations, ...ev.annotations } },
  };
}

/** The state of an alert created by its first (firing or resolved) event. */
export function freshRecord(ev: AlertEvent, receivedAt: string): AlertRecord {
  // Each normalization parses a date: done once where two fields share their input (usual for a first event).
  const lastEventAt = iso(ev.eventTime);
  const seenAt = iso(receivedAt);
  return {
    fingerprint: ev.fingerprint,
    source: ev.source,
    sourceFingerprint: ev.sourceFingerprint,
    name: ev.name,
    severity: ev.severity,
    status: ev.status as AlertRecord['status'],
    labels: ev.labels,
    annotations: ev.annotations,
    startsAt: ev.startsAt === ev.eventTime ? lastEventAt : iso(ev.startsAt),
    endsAt: ev.endsAt === null ? null : iso(ev.endsAt),
    lastEventAt,
    acknowledgedAt: null,
    firstSeenAt: seenAt,
    lastSeenAt: seenAt,
    repeatCount: 0,
    suppressedBy: null,
    flapping: false,
  };
}
