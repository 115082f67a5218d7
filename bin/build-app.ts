/**
 * buildApp(deps) returns the fastify instance with the routes of this process's
 * roles; only the entry point calls listen. Every process serves /healthz, /readyz
 * and /metrics; ingest and web add their route groups as encapsulated plugins.
 */
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { requestLogSerializer } from '../engine/auth/redact-credentials.ts';
import { Authenticator } from '../engine/auth/authenticator.ts';
import { LoginThrottle } from '../engine/auth/login-throttle.ts';
import { SessionService } from '../engine/auth/session-service.ts';
import { TokenRepository } from '../engine/auth/token-repository.ts';
import { TokenVerifier } from '../engine/auth/token-verifier.ts';
import type { Config } from '../engine/config/config.ts';
import { SESSION_TOPIC, type SessionsEndedMessage } from '../engine/bus/events.ts';
import { problemHandler } from '../engine/http/problem-handler.ts';
import { storableTextGuard } from '../engine/http/storable-text.ts';
import { createValidatorCompiler } from '../engine/http/validator-compiler.ts';
import type { AppMetrics } from '../engine/observability/metrics-registry.ts';
import { type ReadinessCheck, opsRoutes } from '../engine/observability/ops-routes.ts';
import { ingestPlugin } from '../ingest/ingest-plugin.ts';
import { webAccess } from '../web/access-plugin.ts';
import { auditRoutes } from '../web/audit-routes.ts';
import { authRoutes } from '../web/auth-routes.ts';
import { consoleRoutes } from '../web/console-routes.ts';
import { figuresRoutes } from '../web/figures-routes.ts';
import { incidentRoutes } from '../web/incident-routes.ts';
import { escalationPolicyRoutes } from '../web/escalation-policy-routes.ts';
import { configuredTargets } from '../engine/notify/notification.ts';
import { metricRoutes } from '../web/metric-routes.ts';
import { statsRoutes } from '../web/stats-routes.ts';
import { topologyStatusRoutes } from '../web/topology-status-routes.ts';
import { TopologySnapshots } from '../engine/problem/topology-snapshot.ts';
import { problemRoutes } from '../web/problem-routes.ts';
import { StreamHub } from '../web/stream-hub.ts';
import { streamRoutes } from '../web/stream-routes.ts';
import { suppressionRoutes } from '../web/suppression-routes.ts';
import { tokenRoutes } from '../web/token-routes.ts';
import { incidentActionRoutes } from '../web/incident-action-routes.ts';
import { topologyRoutes } from '../web/topology-routes.ts';
import { userRoutes } from '../web/user-routes.ts';
import type { Adapters } from './wiring.ts';

export interface AppDeps extends Adapters {
  config: Config;
  logger: Logger;
  metrics: AppMetrics;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, metrics } = deps;
  const roles = new Set(config.roles);
  const app = Fastify({
    // Request URLs are logged with query credentials (`?token=`, `?p=`) redacted.
    loggerInstance: deps.logger.child({}, { serializers: { req: requestLogSerializer } }) as FastifyBaseLogger,
    bodyLimit: config.http.bodyLimitBytes,
    // Closing waits for in-flight requests; idle keep-alive sockets are closed at once.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // `__proto__` keys stay an error. A `constructor` key is harmless here (parsed bodies
    // are only read and copied, never merged into prototypes), and scanning every body for
    // it cost a tenth of the ingest CPU in the profile.
    onConstructorPoisoning: 'ignore',
  });
  app.setValidatorCompiler(createValidatorCompiler());
  await app.register(problemHandler);
  await app.register(storableTextGuard);

  const checks: ReadinessCheck[] = [
    ['database', () => deps.database.ping()],
    ['queue', () => deps.queue.ping()],
    ['bus', () => deps.bus.ping()],
  ];
  if (roles.has('ingest') || roles.has('engine')) checks.push(['metrics', () => deps.metricStore.ping()]);
  // Gauges read rather than counted, refreshed before each scrape.
  const scrapers: Array<() => Promise<void> | void> = [
    async () => metrics.queueDepth.set({ queue: 'alerts.ingest' }, await deps.queue.depth('alerts.ingest')),
  ];
  await app.register(opsRoutes, {
    metrics,
    checks,
    roles: config.roles,
    beforeScrape: async () => {
      for (const s of scrapers) await s();
    },
  });

  // One verifier (and token cache) per process, shared by ingest and the token API, so a
  // revoke through this process's API is effective here at once.
  const verifier = new TokenVerifier({
    repository: new TokenRepository(deps.database.db),
    cacheMs: config.auth.cacheSeconds * 1000,
    logger: deps.logger.child({ component: 'auth' }),
  });
  app.addHook('onClose', () => verifier.close());

  if (roles.has('ingest')) {
    await app.register(ingestPlugin, {
      queue: deps.queue,
      database: deps.database,
      metricStore: deps.metricStore,
      metrics,
      limits: config.limits,
      auth: {
        mode: config.auth.ingest,
        verifier,
        hmacSecrets: config.auth.hmacSecrets,
        rateLimit: { perMinute: config.auth.ingestRatePerMinute, redisUrl: config.redisUrl, keyPrefix: `${config.queuePrefix}:rate-limit:` },
      },
    });
  }
  if (roles.has('web')) {
    const hub = new StreamHub(deps.bus, deps.database, deps.logger.child({ component: 'stream' }), { sessionCheckMs: config.streamSessionCheckSeconds * 1000 });
    await hub.start();
    app.addHook('onClose', () => hub.close());
    scrapers.push(() => metrics.streamClients.set(hub.clientCount));
    await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
    // Who is asking, for every web route group (sessions, API tokens, WEB_AUTH).
    const sessions = new SessionService({ db: deps.database.db, sessionHours: config.auth.sessionHours, logger: deps.logger.child({ component: 'auth' }) });
    app.addHook('onClose', () => sessions.close());
    await app.register(webAccess, {
      mode: config.auth.web,
      authenticator: new Authenticator(verifier, sessions),
      sessions,
      database: deps.database,
      cookieSecure: config.auth.sessionCookieSecure,
    });
    // Failed logins per username and client address, in this process's memory.
    const throttle = new LoginThrottle();
    // Best effort: a lost message leaves the socket to the hub's periodic session check.
    const sessionsEnded = async (message: SessionsEndedMessage) => {
      await deps.bus.publish(SESSION_TOPIC, message).catch((err: unknown) => app.log.warn({ err }, 'could not announce ended sessions; their websockets close at the next check'));
    };
    await app.register(authRoutes, { throttle, sessionsEnded });
    await app.register(userRoutes, { throttle, sessionsEnded });
    await app.register(auditRoutes);
    // One topology cache for the read routes that map alerts onto items.
    const topology = new TopologySnapshots();
    await app.register(incidentRoutes, { database: deps.database, topology });
    await app.register(metricRoutes, { database: deps.database, metricStore: deps.metricStore, topology });
    await app.register(topologyStatusRoutes, { database: deps.database, topology });
    await app.register(statsRoutes, { database: deps.database });
    await app.register(figuresRoutes, { database: deps.database });
    await app.register(tokenRoutes, { database: deps.database, verifier });
    await app.register(topologyRoutes, { database: deps.database, bus: deps.bus });
    await app.register(suppressionRoutes, { database: deps.database, bus: deps.bus });
    await app.register(incidentActionRoutes, { database: deps.database, queue: deps.queue });
    await app.register(escalationPolicyRoutes, { database: deps.database, targets: configuredTargets(config.notify) });
    await app.register(problemRoutes, { database: deps.database, bus: deps.bus });
    await app.register(streamRoutes, { hub });
    await app.register(consoleRoutes);
  }
  return app;
}
