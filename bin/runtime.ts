/**
 * A running process: adapters from config, the roles it was asked for, and the HTTP
 * app. `stop()` drains in a fixed order: stop accepting (HTTP and websockets), let
 * workers finish their jobs, flush metric writes, then close the bus and the stores.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type CorrelatorHandle, startCorrelator } from '../correlator/correlator-worker.ts';
import { bootstrapFirstAdmin } from '../engine/auth/bootstrap-first-admin.ts';
import { startProblemMining } from '../correlator/problems/problem-mining-job.ts';
import { bootstrapFirstToken } from '../engine/auth/bootstrap-first-token.ts';
import { SUPPRESSION_TOPIC } from '../engine/bus/events.ts';
import { SuppressionRepository } from '../engine/suppression/suppression-repository.ts';
import type { Config } from '../engine/config/config.ts';
import { lockDataDir } from '../engine/db/data-dir-lock.ts';
import { startStreamRetention } from '../engine/housekeeping/stream-retention.ts';
import { startNotifier } from '../engine/notify/start-notifier.ts';
import { startSlaTimers } from '../engine/sla/start-sla-timers.ts';
import { createAppMetrics } from '../engine/observability/metrics-registry.ts';
import { type KnownErrorMatching, startKnownErrorMatching } from '../engine/problem/known-error-subscriber.ts';
import { buildApp } from './build-app.ts';
import { type Adapters, createAdapters } from './wiring.ts';

export interface Runtime {
  app: FastifyInstance;
  adapters: Adapters;
  stop(): Promise<void>;
}

export async function startRuntime(config: Config, logger: Logger): Promise<Runtime> {
  // PGlite takes no lock of its own; one process at a time (a server, or the token CLI).
  const dataDirLock = config.databaseUrl === undefined ? await lockDataDir(config.dataDir, 'server') : undefined;
  let adapters: Adapters;
  try {
    adapters = await createAdapters(config, logger);
  } catch (err) {
    await dataDirLock?.release();
    throw err;
  }
  const metrics = createAppMetrics();
  const roles = new Set(config.roles);
  let correlator: CorrelatorHandle | undefined;
  let knownErrors: KnownErrorMatching | undefined;
  // Engine parts that listen on the bus: they stop listening (and finish what they started) first.
  const engineParts: Array<{ stop(): Promise<void> }> = [];
  const closeAdapters = async () => {
    for (const part of engineParts.reverse()) await part.stop().catch((err: unknown) => logger.warn({ err }, 'stopping an engine part failed'));
    await adapters.queue.close();
    await correlator?.stop();
    await knownErrors?.stop();
    await adapters.metricStore.close();
    await adapters.bus.close();
    await adapters.database.close();
    await dataDirLock?.release();
  };
  let app: FastifyInstance;
  try {
    if (roles.has('ingest') || roles.has('web')) {
      await bootstrapFirstToken({
        database: adapters.database,
        auth: config.auth,
        dataDir: config.dataDir,
        databaseUrl: config.databaseUrl,
        logger: logger.child({ component: 'auth' }),
      });
    }
    if (roles.has('web')) {
      await bootstrapFirstAdmin({ database: adapters.database, auth: config.auth, databaseUrl: config.databaseUrl, logger: logger.child({ component: 'auth' }) });
    }
    if (roles.has('correlator')) {
      correlator = await startCorrelator({
        queue: adapters.queue,
        database: adapters.database,
        bus: adapters.bus,
        metrics,
        logger: logger.child({ component: 'correlator' }),
        windowSeconds: config.correlator.windowSeconds,
        holdSeconds: config.correlator.holdSeconds,
        maxAlerts: config.correlator.maxAlerts,
        maxIncidents: config.correlator.maxIncidents,
        concurrency: config.correlator.concurrency,
        leaderPollMs: config.correlator.leaderPollMs,
        loadSuppression: () => new SuppressionRepository(adapters.database.db).loadRules(Date.now()),
        suppressionVersion: () => new SuppressionRepository(adapters.database.db).version(),
        suppressionTopic: SUPPRESSION_TOPIC,
      });
    }
    if (roles.has('engine')) {
      await startStreamRetention({ queue: adapters.queue, database: adapters.database, retentionMs: config.streamRetentionHours * 3_600_000 });
      const problemLog = logger.child({ component: 'problems' });
      await startProblemMining({ queue: adapters.queue, database: adapters.database, bus: adapters.bus, logger: problemLog, config: config.problems });
      knownErrors = await startKnownErrorMatching({ bus: adapters.bus, database: adapters.database, logger: problemLog });
      const notifier = await startNotifier({
        queue: adapters.queue,
        bus: adapters.bus,
        database: adapters.database,
        metrics,
        logger: logger.child({ component: 'notify' }),
        config: config.notify,
        publicUrl: config.publicUrl,
      });
      engineParts.push(notifier);
      engineParts.push(
        await startSlaTimers({
          queue: adapters.queue,
          bus: adapters.bus,
          database: adapters.database,
          notifier: notifier.notifier,
          metrics,
          logger: logger.child({ component: 'sla' }),
          config: config.sla,
        }),
      );
    }
    app = await buildApp({ ...adapters, config, logger, metrics });
  } catch (err) {
    await closeAdapters().catch(() => undefined);
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    app,
    adapters,
    stop() {
      stopping ??= (async () => {
        await app.close();
        await closeAdapters();
      })();
      return stopping;
    },
  };
}
