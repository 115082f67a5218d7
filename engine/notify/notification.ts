/**
 * What an outbound notification says, independent of where it goes. A message is plain
 * JSON: it travels in `notify.send` job payloads and is stored in `incident_notifications`.
 * Target URLs never travel with it (they often carry a secret): a job names its target by
 * `key`, which the sending process looks up in its own configuration.
 */
import { createHash } from 'node:crypto';
import type { NotifyConfig } from '../config/config.ts';
import type { IncidentStatus, IncidentSummary } from '../incident/incident.ts';

export type NotificationEvent = 'opened' | 'escalated' | 'resolved';
export type SlaKind = 'ack' | 'resolve';
export type TargetKind = 'webhook' | 'slack';

/** The incident as the notification reports it, at the time of the event. */
export interface IncidentSnapshot {
  id: string;
  title: string;
  status: IncidentStatus;
  severity: string;
  /** The incident's grouping key. */
  service: string;
  alertCount: number;
  startedAt: string;
  createdAt: string;
  resolvedAt: string | null;
  /** Link to the incident, when PUBLIC_URL is configured. */
  url: string | null;
}

export interface SlaBreach {
  kind: SlaKind;
  /** The severity the target was taken from. */
  severity: string;
  targetMinutes: number;
  dueAt: string;
  breachedAt: string;
}

export interface NotificationMessage {
  event: NotificationEvent;
  /** When the event happened (opened: creation, resolved: resolution, escalated: breach). */
  at: string;
  incident: IncidentSnapshot;
  breach?: SlaBreach;
  /**
   * The escalation level this notification is, and the channels it goes to (see
   * engine/sla/escalation-policy.ts); absent: every configured target.
   */
  escalation?: { level: number; channels: string[] };
}

export interface NotifyTarget {
  kind: TargetKind;
  /** Stable name of the target without its secret: kind and a hash of the URL. */
  key: string;
  url: string;
}

/** Every target the configuration names: webhooks, then Slack-compatible ones. */
export function configuredTargets(config: Pick<NotifyConfig, 'webhookUrls' | 'slackWebhookUrls'>): NotifyTarget[] {
  return [...config.webhookUrls.map((u) => targetOf('webhook', u)), ...config.slackWebhookUrls.map((u) => targetOf('slack', u))];
}

export function targetOf(kind: TargetKind, url: string): NotifyTarget {
  return { kind, url, key: `${kind}-${createHash('sha256').update(url).digest('hex').slice(0, 12)}` };
}

export function snapshotOf(incident: Pick<IncidentSummary, 'id' | 'title' | 'status' | 'severity' | 'groupKey' | 'alertCount' | 'startedAt' | 'createdAt' | 'resolvedAt'>, publicUrl: string | undefined): IncidentSnapshot {
  return {
    id: incident.id,
    title: incident.title,
    status: incident.status,
    severity: incident.severity,
    service: incident.groupKey,
    alertCount: incident.alertCount,
    startedAt: incident.startedAt,
    createdAt: incident.createdAt,
    resolvedAt: incident.resolvedAt,
    url: publicUrl === undefined ? null : `${publicUrl}/api/v1/incidents/${encodeURIComponent(incident.id)}`,
  };
}

/**
 * Which occurrence of its event a message is: an incident opens once, breaches each SLA
 * kind once, and resolves once per resolution (a reopened incident can resolve again).
 */
export function occurrenceOf(message: NotificationMessage): string {
  switch (message.event) {
    case 'opened':
      return 'first';
    case 'escalated': {
      // Level 1 keeps the key it had before escalation levels existed.
      const kind = message.breach?.kind ?? 'unknown';
      const level = message.escalation?.level ?? 1;
      return level > 1 ? `${kind}-level-${level}` : kind;
    }
    case 'resolved':
      return String(Date.parse(message.incident.resolvedAt ?? message.at));
  }
}

/**
 * A job id part from any string: kept when BullMQ can carry it (no `:`), else hashed.
 * Incident ids are hex or UUIDs in practice; this only guards the odd one.
 */
export function jobIdPart(s: string): string {
  return /^[A-Za-z0-9._-]{1,100}$/.test(s) ? s : createHash('sha256').update(s).digest('hex').slice(0, 32);
}
