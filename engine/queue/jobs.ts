/**
 * The typed map from job name to payload and result. Payloads are plain JSON.
 */
import type { AlertEvent } from '../alert/alert.ts';

export interface JobMap {
  /** A batch of normalized alert events from one ingest request. */
  'alerts.ingest': { data: { batchId: string; receivedAt: string; events: AlertEvent[] }; result: { incidents: string[] } };
  /** An operator's action on an incident (row in incident_commands), run by the leading correlator. */
  'incidents.command': { data: { commandId: string }; result: { status: 'done' | 'failed' | 'unknown' } };
  /** Deletes stream log entries older than the retention; reschedules itself. */
  'stream.prune': { data: { slot: number }; result: { deleted: number } };
  /** Mines recurring incidents into problems (correlator/problems); reschedules itself. */
  'problems.mine': { data: { slot: number }; result: { signatures: number; created: number; linked: number; resuggested: number; attached: number } };
  /** Used by the contract suite only; carries arbitrary JSON. */
  'test.echo': { data: { value: unknown }; result: { value: unknown } };
}

export type JobName = keyof JobMap;
