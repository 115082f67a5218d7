/**
 * The domain alert. Every source format is mapped into AlertEvent at the ingest
 * boundary; the correlator never sees a vendor shape.
 */
export type AlertStatus = 'firing' | 'resolved';
/** What an event says: the alert fires, resolves, or was acknowledged at its source. */
export type AlertEventStatus = AlertStatus | 'acknowledged';

export interface AlertEvent {
  /** The sending system's format, e.g. `alertmanager`. */
  source: string;
  /** Identity of the alert within its source (Alertmanager `fingerprint`, …). */
  sourceFingerprint: string;
  /** Globally unique identity: `${source}:${sourceFingerprint}`. */
  fingerprint: string;
  /**
   * An `acknowledged` event acts only on a firing alert (it is ignored otherwise); a
   * `firing` event after a resolve opens a new episode of the same alert.
   */
  status: AlertEventStatus;
  /** Alert name (Alertmanager `alertname` label or the source's equivalent). */
  name: string;
  severity: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** When the condition began, ISO 8601 (the source's `startsAt`). */
  startsAt: string;
  /** When it ended, ISO 8601, for a resolved event; null while firing. */
  endsAt: string | null;
  /** The time this event happened at the source: startsAt when firing, endsAt when resolved, the ack time for an ack. */
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
  /** Set by an acknowledgement at the source while firing; cleared by a new episode. */
  acknowledgedAt: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Deliveries that repeated an already known state. */
  repeatCount: number;
  /** The maintenance window, silence or inhibition rule muting the current episode, if any. */
  suppressedBy: SuppressionRef | null;
  /** Changing state too often (marked with hysteresis); kept in its incident meanwhile. */
  flapping: boolean;
}

export interface SuppressionRef {
  kind: string;
  ruleId: string;
  reason: string;
}
