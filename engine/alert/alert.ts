/**
 * The domain alert. Every source format is mapped into AlertEvent at the ingest
 * boundary; the correlator never sees a vendor shape.
 */
export type AlertStatus = 'firing' | 'resolved';

export interface AlertEvent {
  /** The sending system's format, e.g. `alertmanager`. */
  source: string;
  /** Identity of the alert within its source (Alertmanager `fingerprint`, …). */
  sourceFingerprint: string;
  /** Globally unique identity: `${source}:${sourceFingerprint}`. */
  fingerprint: string;
  status: AlertStatus;
  /** Alert name (Alertmanager `alertname` label or the source's equivalent). */
  name: string;
  severity: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** When the condition began, ISO 8601 (the source's `startsAt`). */
  startsAt: string;
  /** When it ended, ISO 8601, for a resolved event; null while firing. */
  endsAt: string | null;
  /** The time this event happened at the source: startsAt when firing, endsAt when resolved. */
  eventTime: string;
  generatorUrl: string | null;
}

export interface AlertRecord {
  fingerprint: string;
  source: string;
  sourceFingerprint: string;
  name: string;
  severity: string;
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string | null;
  lastEventAt: string;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Deliveries that repeated an already known state. */
  repeatCount: number;
}
