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
  /** The figures behind the link (time, topology, labels, text, learned, total); null for the first member. */
  linkScore: Record<string, unknown> | null;
  /** The rule muting this alert's current episode, if any, and whether it flaps. */
  suppressedBy: { kind: string; ruleId: string; reason: string } | null;
  flapping: boolean;
}

/** A ranked root-cause candidate with the evidence behind its place. */
export interface RootCauseCandidateView {
  itemId: string;
  name: string;
  rank: number;
  score: number;
  alerting: boolean;
  evidence: string[];
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
  /** The topology component the incident lies in (the correlator's partition key); null without topology. */
  component: string | null;
  /** Person or team who owns it. */
  assignee: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  /** Set on a closed incident an operator merged into another. */
  mergedInto: string | null;
}

export interface TimelineEntry {
  at: string;
  /** `user:<id>`, `token:<id>` or `correlator`. */
  actor: string;
  kind: string;
  detail: Record<string, unknown>;
}

export interface Incident extends IncidentSummary {
  members: IncidentMember[];
  /** Ranked, best first (at most 5); empty without a topology. */
  rootCauses: RootCauseCandidateView[];
  /** Every change, oldest first (at most 500). */
  timeline: TimelineEntry[];
}
