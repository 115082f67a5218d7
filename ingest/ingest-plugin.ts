/** The ingest role's routes: alert webhooks of every format, change events, and the metric write paths. */
import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../engine/db/database.ts';
import type { MetricStore } from '../engine/metrics/metric-store.ts';
import type { AppMetrics } from '../engine/observability/metrics-registry.ts';
import type { JobQueue } from '../engine/queue/job-queue.ts';
import { alertFormats } from './alert-formats.ts';
import { type IngestAuthOptions, ingestAuth } from './auth/ingest-auth.ts';
import { remoteWriteRoutes } from './metrics/remote-write-routes.ts';
import { writeRoutes } from './metrics/write-routes.ts';
import { pagerdutyChangeRoutes } from './pagerduty/pagerduty-change-routes.ts';
import { alertWebhookRoutes } from './shared/alert-webhook-routes.ts';
import type { IngestLimits } from './shared/ingest-limits.ts';

export interface IngestPluginOptions {
  queue: JobQueue;
  /** Change events are stored directly: the database is as durable as the queue. */
  database: Database;
  metricStore: MetricStore;
  metrics: AppMetrics;
  limits: IngestLimits;
  /** Tokens, rate limits and body signatures for every route below. */
  auth: IngestAuthOptions;
}

export const ingestPlugin: FastifyPluginAsync<IngestPluginOptions> = async (app, opts) => {
  // First, so its hooks cover every ingest route (and only those: this plugin is encapsulated).
  await app.register(ingestAuth, opts.auth);
  await app.register(alertWebhookRoutes, { formats: alertFormats, queue: opts.queue, limits: opts.limits, metrics: opts.metrics });
  await app.register(pagerdutyChangeRoutes, { database: opts.database });
  await app.register(writeRoutes, { metricStore: opts.metricStore, metrics: opts.metrics });
  await app.register(remoteWriteRoutes, { metricStore: opts.metricStore, metrics: opts.metrics });
};
