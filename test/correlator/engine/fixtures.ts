/**
 * Small hand-made topologies and alert events for the correlator engine tests.
 *
 *   web ──depends_on──► orders ──depends_on──► orders-db ──runs_on──► host-1
 *                        │ runs_on                                    ▲
 *                        └────────────────────────────────────────────┘
 *   web ──depends_on──► search ──runs_on──► host-2
 *   billing ──depends_on──► billing-db ──runs_on──► host-3        (a second component)
 */
import type { AlertEvent } from '../../../engine/alert/alert.ts';
import type { Topology } from '../../../engine/topology/topology.ts';

export const SHOP: Topology = {
  items: [
    { id: 'svc:web', kind: 'service', name: 'web', labels: { service: 'web' } },
    { id: 'svc:orders', kind: 'service', name: 'orders', labels: { service: 'orders' } },
    { id: 'svc:search', kind: 'service', name: 'search', labels: { service: 'search' } },
    { id: 'db:orders-db', kind: 'database', name: 'orders-db', labels: { db: 'orders-db' } },
    { id: 'host:host-1', kind: 'host', name: 'host-1', labels: { host: 'host-1' } },
    { id: 'host:host-2', kind: 'host', name: 'host-2', labels: { host: 'host-2' } },
    { id: 'svc:billing', kind: 'service', name: 'billing', labels: { service: 'billing' } },
    { id: 'db:billing-db', kind: 'database', name: 'billing-db', labels: { db: 'billing-db' } },
    { id: 'host:host-3', kind: 'host', name: 'host-3', labels: { host: 'host-3' } },
  ],
  relations: [
    { from: 'svc:web', to: 'svc:orders', kind: 'depends_on' },
    { from: 'svc:web', to: 'svc:search', kind: 'depends_on' },
    { from: 'svc:orders', to: 'db:orders-db', kind: 'depends_on' },
    { from: 'db:orders-db', to: 'host:host-1', kind: 'runs_on' },
    { from: 'svc:orders', to: 'host:host-1', kind: 'runs_on' },
    { from: 'svc:search', to: 'host:host-2', kind: 'runs_on' },
    { from: 'svc:billing', to: 'db:billing-db', kind: 'depends_on' },
    { from: 'db:billing-db', to: 'host:host-3', kind: 'runs_on' },
  ],
};

export const T0 = Date.UTC(2024, 4, 6, 10, 0, 0);

export interface AlertSpec {
  name: string;
  labels: Record<string, string>;
  /** Seconds after T0. */
  at: number;
  status?: AlertEvent['status'];
  /** For a resolve: when the episode started (seconds after T0). */
  startedAt?: number;
  summary?: string;
  /** Defaults to name plus labels. */
  fingerprint?: string;
}

export function alert(spec: AlertSpec): AlertEvent {
  const status = spec.status ?? 'firing';
  const labels = { alertname: spec.name, severity: 'critical', env: 'prod', ...spec.labels };
  const fp = spec.fingerprint ?? `${spec.name}|${Object.entries(spec.labels).map(([k, v]) => `${k}=${v}`).join(',')}`;
  const at = new Date(T0 + spec.at * 1000).toISOString();
  const startsAt = status === 'resolved' ? new Date(T0 + (spec.startedAt ?? 0) * 1000).toISOString() : at;
  return {
    source: 'test',
    sourceFingerprint: fp,
    fingerprint: `test:${fp}`,
    status,
    name: spec.name,
    severity: 'critical',
    labels,
    annotations: { summary: spec.summary ?? `${spec.name} on ${Object.values(spec.labels).join(' ')}` },
    startsAt,
    endsAt: status === 'resolved' ? at : null,
    eventTime: at,
    generatorUrl: null,
  };
}
