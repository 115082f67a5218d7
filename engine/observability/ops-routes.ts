/**
 * /metrics, /healthz (the process is up) and /readyz (every store this process uses
 * answers). Served by every role, so each process can be scraped and probed.
 */
import type { FastifyPluginAsync } from 'fastify';
import { withTimeout } from '../util/with-timeout.ts';
import type { AppMetrics } from './metrics-registry.ts';

export type ReadinessCheck = [name: string, check: () => Promise<void>];

export interface OpsRoutesOptions {
  metrics: AppMetrics;
  checks: ReadinessCheck[];
  /** Refreshes gauges that are read rather than counted (queue depth) before a scrape. */
  beforeScrape?: () => Promise<void>;
  roles: readonly string[];
}

const CHECK_TIMEOUT_MS = 2000;

export const opsRoutes: FastifyPluginAsync<OpsRoutesOptions> = async (app, opts) => {
  app.get('/healthz', async () => ({ status: 'ok', roles: opts.roles }));

  app.get('/readyz', async (_request, reply) => {
    const results = await Promise.all(
      opts.checks.map(async ([name, check]) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS, `readiness check ${name}`);
          return [name, 'ok'] as const;
        } catch {
          return [name, 'unavailable'] as const;
        }
      }),
    );
    const checks = Object.fromEntries(results);
    const ready = results.every(([, s]) => s === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', async (_request, reply) => {
    try {
      await opts.beforeScrape?.();
    } catch {
      // A store being down must not hide the rest of the figures.
    }
    return reply.type(opts.metrics.registry.contentType).send(await opts.metrics.registry.metrics());
  });
};
