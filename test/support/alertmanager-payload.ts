/** An Alertmanager webhook v4 body, shaped like the one captured from Alertmanager 0.25. */
export function alertmanagerPayload(
  alerts: Array<{ fingerprint: string; labels: Record<string, string>; status?: 'firing' | 'resolved'; startsAt?: string; endsAt?: string; summary?: string }>,
): Record<string, unknown> {
  const list = alerts.map((a) => ({
    status: a.status ?? 'firing',
    labels: a.labels,
    annotations: { summary: a.summary ?? `${a.labels.alertname} is firing` },
    startsAt: a.startsAt ?? new Date().toISOString(),
    endsAt: a.endsAt ?? '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
    fingerprint: a.fingerprint,
  }));
  return {
    receiver: 'aiops',
    status: list.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: list,
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey: '{}:{}',
    truncatedAlerts: 0,
  };
}
