/**
 * Maps a Grafana webhook into domain alert events. Identity is Grafana's per-alert
 * fingerprint (a hash of the alert's labels, stable across evaluations); an alert
 * without one falls back to our own hash of its labels. Labels pass unchanged (the
 * correlator finds `service` there when the rule sets it); Grafana's links, values and
 * org go to annotations, so they never count against the label limit.
 */
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { labelFingerprint } from '../shared/fingerprint.ts';
import type { GrafanaWebhook } from './grafana-schema.ts';
import { canonicalTime } from '../../engine/db/canonical-time.ts';

/** Grafana, like Alertmanager, sends the zero time for "no end yet". */
const ZERO_TIME = /^0001-01-01T/;

export function normalizeGrafana(body: GrafanaWebhook): AlertEvent[] {
  return body.alerts.map((a) => {
    const sourceFingerprint = a.fingerprint ?? labelFingerprint(a.labels);
    const startsAt = canonicalTime(a.startsAt);
    const endsAt = a.endsAt && !ZERO_TIME.test(a.endsAt) ? canonicalTime(a.endsAt) : null;
    const resolved = a.status === 'resolved';
    const annotations: Record<string, string> = { ...(a.annotations ?? {}) };
    // Empty strings are Grafana's "not linked"; they carry nothing worth keeping.
    for (const key of ['dashboardURL', 'panelURL', 'silenceURL', 'imageURL', 'valueString'] as const) {
      const v = a[key];
      if (v) annotations[key] = v;
    }
    if (a.values && Object.keys(a.values).length > 0) annotations.values = JSON.stringify(a.values);
    if (body.orgId !== undefined) annotations.orgId = String(body.orgId);
    return {
      source: 'grafana',
      sourceFingerprint,
      fingerprint: `grafana:${sourceFingerprint}`,
      status: a.status,
      name: a.labels.alertname ?? 'unnamed',
      severity: a.labels.severity ?? 'unknown',
      labels: a.labels,
      annotations,
      startsAt,
      // A firing alert's endsAt is Grafana's expiry guess, not an end.
      endsAt: resolved ? (endsAt ?? startsAt) : null,
      eventTime: resolved ? (endsAt ?? startsAt) : startsAt,
      generatorUrl: a.generatorURL || null,
    };
  });
}
