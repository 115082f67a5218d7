/** Kysely table types: the one place that knows column names. */
import type { ColumnType, Generated } from 'kysely';

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
}

export interface AlertEventsTable {
  id: Generated<number>;
  fingerprint: string;
  status: 'firing' | 'resolved' | 'acknowledged';
  event_time: Timestamp;
  received_at: Timestamp;
  batch_id: string;
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
}

export interface IncidentAlertsTable {
  incident_id: string;
  fingerprint: string;
  link_reason: string;
  linked_at: Timestamp;
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

export interface DB {
  alerts: AlertsTable;
  alert_events: AlertEventsTable;
  incidents: IncidentsTable;
  incident_alerts: IncidentAlertsTable;
  stream_events: StreamEventsTable;
  api_tokens: ApiTokensTable;
  config_items: ConfigItemsTable;
  relations: RelationsTable;
  topology_meta: TopologyMetaTable;
  users: UsersTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
}
