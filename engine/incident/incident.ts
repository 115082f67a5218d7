/** Fingerprints listed in an incident summary at most; the detail lists every member. */
export const SUMMARY_FINGERPRINT_LIMIT = 100;

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved' | 'closed';

export interface IncidentMember {
  fingerprint: string;
  source: string;
  sourceFingerprint: string;
  name: string;
  status: 'firing' | 'resolved';
  severity: string;
  labels: Record<string, string>;
  /** Why this alert was linked to the incident, in words. */
  linkReason: string;
  linkedAt: string;
}

export interface IncidentSummary {
  id: string;
  title: string;
  status: IncidentStatus;
  severity: string;
  /** The grouping key (the service), shown on the board. */
  groupKey: string;
  alertCount: number;
  firingCount: number;
  /** Event time of the first member alert. */
  startedAt: string;
  /** Event time of the latest member alert event. */
  lastEventAt: string;
  resolvedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /**
   * Source fingerprints of the members (e.g. Alertmanager's), sorted, at most
   * SUMMARY_FINGERPRINT_LIMIT of them: a storm's summary stays small on every stream
   * message. `sourceFingerprintsTruncated` says when there are more (alertCount has the total).
   */
  sourceFingerprints: string[];
  sourceFingerprintsTruncated: boolean;
}

export interface Incident extends IncidentSummary {
  members: IncidentMember[];
}
