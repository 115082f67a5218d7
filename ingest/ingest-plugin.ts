/** The ingest role's routes: alert webhooks of every format and the metric write paths. */
import type { FastifyPluginAsync } from 'fastify';
import type { MetricStore } from '../engine/metrics/metric-store.ts';
import type { AppMetrics } from '../engine/observability/metrics-registry.ts';
import type { JobQueue } from '../engine/queue/job-queue.ts';
import { alertFormats } from './alert-formats.ts';
import { writeRoutes } from './metrics/write-routes.ts';
import { alertWebhookRoutes } from './shared/alert-webhook-routes.ts';
import type { IngestLimits } from './shared/ingest-limits.ts';

export interface IngestPluginOptions {
  queue: JobQueue;
  metricStore: MetricStore;
  metrics: AppMetrics;
  limits: IngestLimits;
}

export const ingestPlugin: FastifyPluginAsync<IngestPluginOptions> = async (app, opts) => {
  await app.register(alertWebhookRoutes, { formats: alertFormats, queue: opts.queue, limits: opts.limits, metrics: opts.metrics });
  await app.register(writeRoutes, { metricStore: opts.metricStore, metrics: opts.metrics });
};
