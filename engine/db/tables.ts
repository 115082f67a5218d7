/** Kysely table types: the one place that knows column names. */
import type { ColumnType, Generated } from 'kysely';
import type { ProblemLinkHow, ProblemOrigin, ProblemStatus } from '../problem/problem.ts';
import type { SignaturePart } from '../problem/signature.ts';
import type { RuleDraftOf } from '../suppression/suppression.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface AlertsTable {
  fingerprint: string;
  source: string;
  source_fingerprint: string;
  name: string;
  severity: string;
  status: 'firing' | 'resolved';
  labels: Json<Record<string, string>>;
  annotations: Json<Record<string, string>>;
  starts_at: Timestamp;
  ends_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  last_event_at: Timestamp;
  acknowledged_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  repeat_count: ColumnType<number, number | undefined, number>;
  /** The rule that muted the alert's current episode ({kind, ruleId, reason}); null when none. */
  suppressed_by: ColumnType<{ kind: string; ruleId: string; reason: string } | null, string | null | undefined, string | null>;
  flapping: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface AlertEventsTable {
  id: Generated<number>;
  fingerprint: string;
  status: 'firing' | 'resolved' | 'acknowledged';
  event_time: Timestamp;
  received_at: Timestamp;
  batch_id: string;
  /** The correlation engine's action for this event (opened, linked, kept, suppressed, …). */
  decision: ColumnType<string | null, string | null | undefined, string | null>;
  /** The engine key of the incident the event went to, if any. */
  incident_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface IncidentsTable {
  id: string;
  title: string;
  status: 'open' | 'acknowledged' | 'resolved' | 'closed';
  severity: string;
  group_key: string;
  alert_count: number;
  firing_count: number;
  /** Firing members per severity, kept incrementally. */
  severity_counts: ColumnType<Record<string, number>, string | undefined, string>;
  started_at: Timestamp;
  last_event_at: Timestamp;
  resolved_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** The correlation engine's key; null for incidents of the one-label rule. */
  correlation_key: ColumnType<string | null, string | null | undefined, string | null>;
  component: ColumnType<string | null, string | null | undefined, string | null>;
  root_causes: ColumnType<unknown[], string | undefined, string>;
  assignee: ColumnType<string | null, string | null | undefined, string | null>;
  /** When an operator acknowledged it (migration 0010); MTTA is measured to it. */
  acknowledged_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  acknowledged_by: ColumnType<string | null, string | null | undefined, string | null>;
  resolved_by: ColumnType<string | null, string | null | undefined, string | null>;
  closed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Set when an operator merged this incident into another (its status is then closed). */
  merged_into: ColumnType<string | null, string | null | undefined, string | null>;
  /** Set by an operator; wins over the worst firing severity until changed again. */
  severity_override: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Every change to an incident, with who and when. */
export interface IncidentTimelineTable {
  id: Generated<number>;
  incident_id: string;
  at: ColumnType<Date, Date | string | undefined, never>;
  /** `user:<id>`, `token:<id>`, or `correlator`. */
  actor: string;
  kind: string;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
}

/** An operator action waiting for, or done by, the leading correlator. */
export interface IncidentCommandsTable {
  id: string;
  incident_id: string;
  kind: string;
  payload: ColumnType<Record<string, unknown>, string, string>;
  actor: string;
  status: 'pending' | 'done' | 'failed';
  /** done: the incident summary; failed: {status, code, title, detail}. */
  result: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  done_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** Operators' merges (+) and splits (−) as feedback between alert types. */
export interface CorrelationFeedbackTable {
  id: Generated<number>;
  type_a: string;
  type_b: string;
  weight: number;
  command_id: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface CorrelationLessonsTable {
  id: Generated<number>;
  incident_key: string;
  learned_at: Timestamp;
  types: Json<string[]>;
  on_root: Json<string[]>;
  elsewhere: Json<string[]>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface IncidentAlertsTable {
  incident_id: string;
  fingerprint: string;
  link_reason: string;
  linked_at: Timestamp;
  /** The figures behind the link (ScoreBreakdown); null for the first member and restored ones. */
  score: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
}

export interface StreamEventsTable {
  seq: Generated<number>;
  type: string;
  payload: Json<Record<string, unknown>>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

/** Only the SHA-256 hash of a token's secret is stored; the secret is shown once, at creation. */
export interface ApiTokensTable {
  id: string;
  name: string;
  token_hash: string;
  scopes: Json<string[]>;
  /** null: every source. */
  sources: ColumnType<string[] | null, string | null, string | null>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  last_used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** A configuration item of the topology; relations reference it by id. */
export interface ConfigItemsTable {
  id: string;
  kind: string;
  name: string;
  labels: Json<Record<string, string>>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A typed edge between two configuration items; the three columns are the key. */
export interface RelationsTable {
  from_id: string;
  to_id: string;
  kind: string;
}

/** One row (id 1): `version` goes up with every accepted topology write. */
export interface TopologyMetaTable {
  id: number;
  version: ColumnType<number, number | undefined, number>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/**
 * A suppression rule (maintenance_windows, silences, inhibit_rules share these columns).
 * `definition` is the rule without id, comment and creator; `starts_at`/`ends_at` repeat
 * its lifetime (null: open on that side), `expired_at` says when it was expired by hand.
 */
export interface SuppressionRuleTable<D> {
  id: string;
  definition: Json<D>;
  comment: string | null;
  created_by: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  starts_at: NullableTimestamp;
  ends_at: NullableTimestamp;
  expired_at: NullableTimestamp;
}

/** One row (id 1): `version` goes up with every suppression rule write. */
export interface SuppressionMetaTable {
  id: number;
  version: ColumnType<number, number | undefined, number>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A person who signs in to the console or the API. `username` is stored lowercased. */
export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  role: string;
  /** `scrypt$N$r$p$salt$key` (base64url salt and key). */
  password_hash: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  disabled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** A login session; only the SHA-256 hash of its secret is stored. */
export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  expires_at: Timestamp;
  /** Updated at most once a minute. */
  last_seen_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** One recorded action; rows are only ever inserted. */
export interface AuditLogTable {
  id: Generated<number>;
  at: ColumnType<Date, Date | string | undefined, never>;
  actor: string | null;
  actor_kind: string;
  actor_name: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, never>;
  from_ip: string | null;
}

/** A problem (migration 2026-11-21-0012-problems); `evidence` is ProblemEvidence or `{}`. */
export interface ProblemsTable {
  id: string;
  signature: string;
  signature_parts: Json<SignaturePart[]>;
  description: string;
  title: string;
  status: ProblemStatus;
  suggested: ColumnType<boolean, boolean | undefined, boolean>;
  origin: ProblemOrigin;
  workaround: ColumnType<string | null, string | null | undefined, string | null>;
  root_cause_notes: ColumnType<string | null, string | null | undefined, string | null>;
  evidence: ColumnType<Record<string, unknown>, string | undefined, string>;
  occurrences: ColumnType<number, number | undefined, number>;
  first_seen: NullableTimestamp;
  last_seen: NullableTimestamp;
  rejected_at: NullableTimestamp;
  resolved_at: NullableTimestamp;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface ProblemIncidentsTable {
  problem_id: string;
  incident_id: string;
  linked_at: ColumnType<Date, Date | string | undefined, Date | string>;
  how: ProblemLinkHow;
}

export interface ProblemTimelineTable {
  id: Generated<number>;
  problem_id: string;
  at: ColumnType<Date, Date | string | undefined, never>;
  who: string;
  action: string;
  from_status: ProblemStatus | null;
  to_status: ProblemStatus | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, never>;
}

/** An incident's SLA timer of one kind; settled (`outcome` set) at most once. */
export interface SlaTimersTable {
  incident_id: string;
  kind: 'ack' | 'resolve';
  /** The severity the due time was computed from (the incident's at the last check). */
  severity: string;
  /** null: no target for that severity. */
  due_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  outcome: ColumnType<'met' | 'breached' | null, 'met' | 'breached' | null | undefined, 'met' | 'breached' | null>;
  settled_at: NullableTimestamp;
}

/** The stored escalation policy (one row, id 1); rules as the admin API accepted them. */
export interface EscalationPolicyTable {
  id: number;
  rules: ColumnType<unknown, string, string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  updated_by: string;
}

/** One escalation level of one incident: scheduled, then fired or cancelled (once). */
export interface IncidentEscalationsTable {
  incident_id: string;
  level: number;
  due_at: ColumnType<Date, Date | string, Date | string>;
  /** Channel names (all, webhook, slack or a target key) as the policy gave them. */
  channels: ColumnType<string[], string, string>;
  status: 'scheduled' | 'fired' | 'cancelled';
  settled_at: NullableTimestamp;
  reason: string | null;
}

/** A notification-worthy event of an incident; the key (incident, event, occurrence) is its idempotency. */
export interface IncidentNotificationsTable {
  incident_id: string;
  event: 'opened' | 'escalated' | 'resolved';
  /** `first` for opened, the breach kind for escalated, the resolution time (epoch ms) for resolved. */
  occurrence: string;
  message: Json<Record<string, unknown>>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  /** Set once every target's job is queued. */
  enqueued_at: NullableTimestamp;
}

export interface DB {
  incident_timeline: IncidentTimelineTable;
  incident_commands: IncidentCommandsTable;
  correlation_feedback: CorrelationFeedbackTable;
  correlation_lessons: CorrelationLessonsTable;
  alerts: AlertsTable;
  alert_events: AlertEventsTable;
  incidents: IncidentsTable;
  incident_alerts: IncidentAlertsTable;
  stream_events: StreamEventsTable;
  api_tokens: ApiTokensTable;
  config_items: ConfigItemsTable;
  relations: RelationsTable;
  topology_meta: TopologyMetaTable;
  maintenance_windows: SuppressionRuleTable<Omit<RuleDraftOf['maintenance'], 'comment'>>;
  silences: SuppressionRuleTable<Omit<RuleDraftOf['silence'], 'comment'>>;
  inhibit_rules: SuppressionRuleTable<Omit<RuleDraftOf['inhibit-rule'], 'comment'>>;
  suppression_meta: SuppressionMetaTable;
  users: UsersTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  problems: ProblemsTable;
  problem_incidents: ProblemIncidentsTable;
  problem_timeline: ProblemTimelineTable;
  sla_timers: SlaTimersTable;
  incident_notifications: IncidentNotificationsTable;
  escalation_policy: EscalationPolicyTable;
  incident_escalations: IncidentEscalationsTable;
}
