/**
 * One prom-client registry per process, built by the wiring and handed to whoever
 * records figures. Never prom-client's global registry: tests build many apps in one
 * process and each must count its own.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface AppMetrics {
  registry: Registry;
  alertsAccepted: Counter<'source'>;
  alertsRejected: Counter<'source' | 'reason'>;
  alertsDeduplicated: Counter<'source'>;
  ingestAckSeconds: Histogram<'source'>;
  pointsAccepted: Counter;
  pointsRejected: Counter;
  /** Points received but not stored, by reason (e.g. Prometheus staleness markers, NaN). */
  pointsDropped: Counter<'reason'>;
  correlatedEvents: Counter<'outcome'>;
  queueDepth: Gauge<'queue'>;
  streamClients: Gauge;
  /** Outbound notifications delivered, by target kind (webhook, slack). */
  notificationsSent: Counter<'target'>;
  /** Failed deliveries by target kind; `outcome` says whether it will be retried or was given up. */
  notificationsFailed: Counter<'target' | 'outcome'>;
  /** SLA breaches recorded, by kind (ack, resolve). */
  slaBreaches: Counter<'kind'>;
}

export function createAppMetrics(prefix = 'aiops_'): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    alertsAccepted: new Counter({ name: `${prefix}alerts_accepted_total`, help: 'Alerts accepted and durably queued', labelNames: ['source'], registers: r }),
    alertsRejected: new Counter({ name: `${prefix}alerts_rejected_total`, help: 'Alert requests rejected', labelNames: ['source', 'reason'], registers: r }),
    alertsDeduplicated: new Counter({ name: `${prefix}alerts_deduplicated_total`, help: 'Alert deliveries recognized as repeats: a re-sent request (at ingest) or an already recorded event (at correlation)', labelNames: ['source'], registers: r }),
    ingestAckSeconds: new Histogram({
      name: `${prefix}ingest_ack_seconds`,
      help: 'Time from request to acknowledgement',
      labelNames: ['source'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: r,
    }),
    pointsAccepted: new Counter({ name: `${prefix}metric_points_accepted_total`, help: 'Metric points accepted', registers: r }),
    pointsRejected: new Counter({ name: `${prefix}metric_points_rejected_total`, help: 'Metric lines rejected', registers: r }),
    pointsDropped: new Counter({ name: `${prefix}metric_points_dropped_total`, help: 'Metric points received but not stored, by reason', labelNames: ['reason'], registers: r }),
    correlatedEvents: new Counter({ name: `${prefix}correlated_events_total`, help: 'Alert events correlated, by outcome', labelNames: ['outcome'], registers: r }),
    queueDepth: new Gauge({ name: `${prefix}queue_depth`, help: 'Jobs waiting in the queue', labelNames: ['queue'], registers: r }),
    streamClients: new Gauge({ name: `${prefix}stream_clients`, help: 'Connected websocket clients', registers: r }),
    notificationsSent: new Counter({ name: `${prefix}notifications_sent_total`, help: 'Outbound notifications delivered, by target kind', labelNames: ['target'], registers: r }),
    notificationsFailed: new Counter({
      name: `${prefix}notifications_failed_total`,
      help: 'Outbound notification deliveries that failed, by target kind and outcome (retry, gave_up)',
      labelNames: ['target', 'outcome'],
      registers: r,
    }),
    slaBreaches: new Counter({ name: `${prefix}sla_breaches_total`, help: 'SLA breaches recorded, by kind (ack, resolve)', labelNames: ['kind'], registers: r }),
  };
}
