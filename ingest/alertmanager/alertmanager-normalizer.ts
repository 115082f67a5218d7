/** Maps an Alertmanager webhook into domain alert events. */
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { labelFingerprint } from '../shared/fingerprint.ts';
import type { AlertmanagerWebhook } from './alertmanager-schema.ts';
import { canonicalTime } from '../../engine/db/canonical-time.ts';

/** Alertmanager sends the zero time for "no end yet". */
const ZERO_TIME = /^0001-01-01T/;

export function normalizeAlertmanager(body: AlertmanagerWebhook): AlertEvent[] {
  return body.alerts.map((a) => {
    const sourceFingerprint = a.fingerprint ?? labelFingerprint(a.labels);
    const startsAt = canonicalTime(a.startsAt);
    const endsAt = a.endsAt && !ZERO_TIME.test(a.endsAt) ? canonicalTime(a.endsAt) : null;
    const resolved = a.status === 'resolved';
    return {
      source: 'alertmanager',
      sourceFingerprint,
      fingerprint: `alertmanager:${sourceFingerprint}`,
      status: a.status,
      name: a.labels.alertname ?? 'unnamed',
      severity: a.labels.severity ?? 'unknown',
      labels: a.labels,
      annotations: a.annotations ?? {},
      startsAt,
      // A firing alert's endsAt is Alertmanager's expiry guess, not an end.
      endsAt: resolved ? (endsAt ?? startsAt) : null,
      eventTime: resolved ? (endsAt ?? startsAt) : startsAt,
      generatorUrl: a.generatorURL ?? null,
    };
  });
}
