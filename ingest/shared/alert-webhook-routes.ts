/**
 * POST /api/v1/webhooks/<source> for every alert format: validate at the edge, map to
 * domain events, and answer 202 only once the batch is durably queued (503 with
 * Retry-After when it cannot be). Counts accepted, rejected and acknowledgement latency.
 */
import type { FastifyPluginAsync, RouteHandlerMethod } from 'fastify';
import type { AppMetrics } from '../../engine/observability/metrics-registry.ts';
import type { JobQueue } from '../../engine/queue/job-queue.ts';
import type { AlertFormat } from './alert-format.ts';
import { AlertEnqueuer } from './enqueue-alerts.ts';
import { refuseUnstorableText } from './refuse-unstorable-text.ts';
import { QueueDepthGuard } from './queue-depth-guard.ts';
import type { IngestLimits } from './ingest-limits.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The alert source a route ingests for, read by hooks that count or authorize by source. */
    source?: string;
  }
}

export interface AlertWebhookRoutesOptions {
  formats: AlertFormat[];
  queue: JobQueue;
  limits: IngestLimits;
  metrics: AppMetrics;
}

export const alertWebhookRoutes: FastifyPluginAsync<AlertWebhookRoutesOptions> = async (app, opts) => {
  const backlog = new QueueDepthGuard(opts.queue, opts.limits.queueMaxDepth);
  const enqueuer = new AlertEnqueuer(opts.queue);
  for (const format of opts.formats) {
    const url = `/api/v1/webhooks/${format.source}`;
    const handler: RouteHandlerMethod = async (request, reply) => {
      const started = process.hrtime.bigint();
      const receivedAt = new Date().toISOString();
      await backlog.check();
      const events = format.normalize(request.body, { receivedAt, query: request.query as Record<string, string | undefined>, limits: opts.limits });
      refuseUnstorableText(events);
      const { batchId } = await enqueuer.enqueue(events, receivedAt);
      opts.metrics.alertsAccepted.inc({ source: format.source }, events.length);
      opts.metrics.ingestAckSeconds.observe({ source: format.source }, Number(process.hrtime.bigint() - started) / 1e9);
      const body = format.reply?.(events, batchId) ?? { status: 'accepted', batchId, alerts: events.length };
      return reply.code(202).send(body);
    };
    // The source rides on the route, so a rejection is counted under it at every alias.
    const route = { schema: { body: format.schema(opts.limits) }, config: { source: format.source } };
    app.post(url, route, handler);
    for (const alias of format.aliases ?? []) app.post(alias, route, handler);
  }

  // Rejections are counted by source and reason in one place, whatever rejected them.
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode < 400) return;
    const source = request.routeOptions.config.source ?? 'unknown';
    const reason = reply.statusCode === 413 ? 'too-large' : reply.statusCode === 503 ? 'unavailable' : reply.statusCode === 429 ? 'rate-limited' : reply.statusCode === 401 || reply.statusCode === 403 ? 'unauthorized' : 'invalid';
    opts.metrics.alertsRejected.inc({ source, reason });
  });
};
