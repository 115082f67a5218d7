import type { AlertEvent } from '../../engine/alert/alert.ts';

/** A domain alert event with sensible defaults, for tests. */
export function alertEvent(over: Partial<AlertEvent> & { sourceFingerprint: string }): AlertEvent {
  const status = over.status ?? 'firing';
  const startsAt = over.startsAt ?? '2026-11-21T10:00:00.000Z';
  const endsAt = over.endsAt ?? (status === 'resolved' ? '2026-11-21T10:10:00.000Z' : null);
  return {
    source: 'alertmanager',
    fingerprint: `alertmanager:${over.sourceFingerprint}`,
    name: 'HighLatency',
    severity: 'warning',
    labels: { alertname: over.name ?? 'HighLatency', service: 'checkout' },
    annotations: {},
    generatorUrl: null,
    ...over,
    status,
    startsAt,
    endsAt,
    eventTime: over.eventTime ?? (status === 'resolved' ? (endsAt as string) : startsAt),
  };
}
