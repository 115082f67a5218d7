/**
 * The typed map from job name to payload and result. Payloads are plain JSON.
 */
import type { AlertEvent } from '../alert/alert.ts';
import type { NotificationMessage, SlaKind, TargetKind } from '../notify/notification.ts';

/** One ingest request's normalized alert events (or a part of a large request's), with its batch id. */
export interface IngestBatch {
  batchId: string;
  receivedAt: string;
  events: AlertEvent[];
}

export interface JobMap {
  /**
   * Ingest requests' batches, in arrival order, at most 200 alerts in all (ingest/shared/enqueue-alerts.ts).
   * A job queued by an earlier version holds one batch's fields at the top level; the correlator takes both.
   */
  'alerts.ingest': { data: { batches: IngestBatch[] }; result: { incidents: string[] } };
  /** An operator's action on an incident (row in incident_commands), run by the leading correlator. */
  'incidents.command': { data: { commandId: string }; result: { status: 'done' | 'failed' | 'unknown' } };
  /** Deletes stream log entries older than the retention; reschedules itself. */
  'stream.prune': { data: { slot: number }; result: { deleted: number } };
  /** Mines recurring incidents into problems (correlator/problems); reschedules itself. */
  'problems.mine': { data: { slot: number }; result: { signatures: number; created: number; linked: number; resuggested: number; attached: number } };
  /**
   * Checks one SLA timer of an incident when it falls due (jobId `sla-<kind>-<incidentId>`,
   * or with `-<dueMs>` appended when a severity change moved the due time).
   */
  'sla.check': { data: { incidentId: string; kind: SlaKind }; result: { outcome: SlaCheckOutcome } };
  /**
   * Fires escalation level `level` (2 and up) of an incident still unacknowledged, or
   * cancels it (jobId `esc-<incidentId>-<level>`); see engine/sla/escalation-service.ts.
   */
  'sla.escalate': { data: { incidentId: string; level: number }; result: { outcome: EscalateOutcome } };
  /** Every minute: timers for incidents the bus did not announce, overdue checks; reschedules itself. */
  'sla.reconcile': { data: { slot: number }; result: { scheduled: number; checked: number } };
  /** Delivers one notification to one target; the target's URL is looked up by key, never carried. */
  'notify.send': { data: { target: { kind: TargetKind; key: string }; message: NotificationMessage }; result: { status: number } };
  /** Every minute: notifications recorded but not queued, and events the bus did not announce; reschedules itself. */
  'notify.reconcile': { data: { slot: number }; result: { enqueued: number } };
  /** Used by the contract suite only; carries arbitrary JSON. */
  'test.echo': { data: { value: unknown }; result: { value: unknown } };
}

export type JobName = keyof JobMap;

/** met/breached: settled now or before; pending: not due yet (rescheduled); none: no target; gone: no such incident. */
/** fired: notified now; fired/cancelled before: settled already; pending: not due yet; gone: no such level. */
export type EscalateOutcome = 'fired' | 'cancelled' | 'pending' | 'gone';

export type SlaCheckOutcome = 'met' | 'breached' | 'pending' | 'none' | 'gone';
