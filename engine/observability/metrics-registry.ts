/**
 * One prom-client registry per process, built by the wiring and handed to whoever
 * records figures. Never prom-client's global registry: tests build many apps in one
 * process and each must count its own.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineCapacity } from './engine-capacity.ts';

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
  /** Read at each scrape for the correlation engine's figures; set by the correlator role (null while it stands by). */
  engineCapacity: { source: (() => EngineCapacity | null) | null };
}

const KINDS = ['alerts', 'incidents'] as const;

export function createAppMetrics(prefix = 'aiops_'): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  const engineCapacity: AppMetrics['engineCapacity'] = { source: null };
  const read = (): EngineCapacity | null => engineCapacity.source?.() ?? null;
  // The capped totals only grow while one engine source lasts; a new source starts from zero.
  const cappedSeen = { alerts: 0, incidents: 0 };
  new Gauge({
    name: `${prefix}correlator_engine_held`,
    help: 'Alert states and incidents the correlation engine holds in memory, by kind (alerts, incidents); absent where no engine leads',
    labelNames: ['kind'],
    registers: r,
    collect() {
      this.reset();
      const c = read();
      if (c) for (const kind of KINDS) this.set({ kind }, c[kind]);
    },
  });
  new Gauge({
    name: `${prefix}correlator_engine_cap`,
    help: 'The correlation engine\'s memory caps, by kind (CORRELATOR_MAX_ALERTS, CORRELATOR_MAX_INCIDENTS)',
    labelNames: ['kind'],
    registers: r,
    collect() {
      this.reset();
      const c = read();
      if (c) {
        this.set({ kind: 'alerts' }, c.maxAlerts);
        this.set({ kind: 'incidents' }, c.maxIncidents);
      }
    },
  });
  new Counter({
    name: `${prefix}correlator_engine_capped_total`,
    help: 'Alert states and incidents the correlation engine dropped from memory because its cap was reached, by kind (a dropped firing alert counts as resolved to the engine)',
    labelNames: ['kind'],
    registers: r,
    collect() {
      const c = read();
      if (!c) return;
      for (const kind of KINDS) {
        const total = kind === 'alerts' ? c.alertsCapped : c.incidentsCapped;
        if (total < cappedSeen[kind]) cappedSeen[kind] = 0;
        this.inc({ kind }, total - cappedSeen[kind]);
        cappedSeen[kind] = total;
      }
    },
  });
  return {
    registry,
    engineCapacity,
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
