/**
 * Typed messages carried on the event bus and pushed to websocket clients.
 * `seq` is the global sequence number from the stream_events table, so a client can
 * resume after a dropped connection.
 */
import type { IncidentSummary } from '../incident/incident.ts';
import type { SlaState } from '../sla/sla-state.ts';
import type { SuppressionKind } from '../suppression/suppression.ts';

export type StreamMessage =
  | { type: 'incident.created'; seq: number; at: string; incident: IncidentSummary }
  | { type: 'incident.updated'; seq: number; at: string; incident: IncidentSummary }
  | ProblemAttachedMessage;

/** Everything the stream log holds and the websocket carries. */
export type LoggedMessage = StreamMessage | IncidentSlaMessage;

/**
 * An incident's SLA changed: timers scheduled or moved, a target breached, an escalation
 * level fired or cancelled. Carries the whole SLA state, so a console patches its row.
 */
export type IncidentSlaMessage = { type: 'incident.sla'; seq: number; at: string; incidentId: string; sla: SlaState };

/**
 * A known error (a problem with a workaround) was attached to an incident whose signature
 * contains the problem's (docs/problems.md). Carries the incident's summary as it was, like
 * the incident messages, so a console can mark the incident without a read.
 */
export type ProblemAttachedMessage = {
  type: 'problem.attached';
  seq: number;
  at: string;
  problemId: string;
  title: string;
  workaround: string;
  incidentId: string;
  incident: IncidentSummary;
};

/** Anything JSON may travel on the bus; stream messages are the main tenant. */
export type BusMessage = StreamMessage | { type: string; [key: string]: unknown };

export const STREAM_TOPIC = 'stream';

/** Topology writes: correlators reload when `version` is newer than the one they hold. */
export type TopologyMessage = { type: 'topology.updated'; version: number };

export const TOPOLOGY_TOPIC = 'topology';

/**
 * Suppression rule writes (maintenance windows, silences, inhibition rules): correlators
 * reload with `SuppressionRepository.loadRules` when `version` is newer than the one they
 * hold. `action` and the rule's `kind` and `id` say what changed, for logs and consoles.
 */
export type SuppressionMessage = { type: 'suppression.updated'; version: number; kind: SuppressionKind; id: string; action: 'created' | 'expired' };

export const SUPPRESSION_TOPIC = 'suppression';

/**
 * Login sessions ended before their time: a logout (`sessionIds`), a user disabled or a
 * password changed (`userId`, all of their sessions but `exceptSessionId`). Web processes
 * close the websockets those sessions opened; `reason` is the close reason they give.
 */
export type SessionsEndedMessage = {
  type: 'sessions.ended';
  reason: 'signed out' | 'user disabled' | 'password changed';
  sessionIds?: string[];
  userId?: string;
  exceptSessionId?: string;
};

export const SESSION_TOPIC = 'sessions';
