/**
 * POST /api/v1/webhooks/pagerduty/change: PagerDuty change events, validated and stored
 * straight in the relational store. The database is durable, so the 202 follows the
 * insert; when the store cannot be reached the answer is 503 with Retry-After (senders
 * retry, and the content id makes the retry harmless).
 */
import type { FastifyPluginAsync } from 'fastify';
import { ChangeRepository } from '../../engine/change/change-repository.ts';
import type { Database } from '../../engine/db/database.ts';
import { AppError, unavailable } from '../../engine/errors/app-error.ts';
import { normalizePagerdutyChange } from './pagerduty-change-normalizer.ts';
import { type PagerdutyChange, pagerdutyChangeSchema } from './pagerduty-change-schema.ts';

export interface PagerdutyChangeRoutesOptions {
  database: Database;
}

export const pagerdutyChangeRoutes: FastifyPluginAsync<PagerdutyChangeRoutesOptions> = async (app, opts) => {
  app.post<{ Body: PagerdutyChange }>('/api/v1/webhooks/pagerduty/change', { schema: { body: pagerdutyChangeSchema } }, async (request, reply) => {
    const change = normalizePagerdutyChange(request.body, new Date().toISOString());
    let inserted: boolean;
    try {
      ({ inserted } = await new ChangeRepository(opts.database.db).record(change));
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw unavailable('the change store is unavailable; retry later', 5, err);
    }
    return reply.code(202).send({ status: 'success', message: 'Change event processed', id: change.id, duplicate: !inserted });
  });
};
