/** POST /api/v1/webhooks/alertmanager: answers 202 once the alerts are durably queued. */
import type { FastifyPluginAsync } from 'fastify';
import type { JobQueue } from '../../engine/queue/job-queue.ts';
import { enqueueAlerts } from '../shared/enqueue-alerts.ts';
import type { IngestLimits } from '../shared/ingest-limits.ts';
import { normalizeAlertmanager } from './alertmanager-normalizer.ts';
import { type AlertmanagerWebhook, alertmanagerWebhookSchema } from './alertmanager-schema.ts';

export interface AlertmanagerRoutesOptions {
  queue: JobQueue;
  limits: IngestLimits;
}

export const alertmanagerRoutes: FastifyPluginAsync<AlertmanagerRoutesOptions> = async (app, opts) => {
  const schema = alertmanagerWebhookSchema(opts.limits);
  app.post<{ Body: AlertmanagerWebhook }>('/api/v1/webhooks/alertmanager', { schema: { body: schema } }, async (request, reply) => {
    const events = normalizeAlertmanager(request.body);
    const { batchId, duplicate } = await enqueueAlerts(opts.queue, 'alertmanager', events);
    return reply.code(202).send({ status: 'accepted', batchId, alerts: events.length, duplicate });
  });
};
