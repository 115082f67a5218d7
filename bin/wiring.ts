/**
 * The one place that constructs adapters. Config alone picks each one: a URL selects
 * the real service, its absence the embedded default. Drivers load lazily, so an
 * embedded install never loads ioredis or the Influx client, and vice versa.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { EventBus } from '../engine/bus/event-bus.ts';
import type { Config } from '../engine/config/config.ts';
import { type Database, openDatabase } from '../engine/db/database.ts';
import type { MetricStore } from '../engine/metrics/metric-store.ts';
import type { JobQueue } from '../engine/queue/job-queue.ts';

export interface Adapters {
  database: Database;
  queue: JobQueue;
  bus: EventBus;
  metricStore: MetricStore;
  describe: Record<string, string>;
}

export async function createAdapters(config: Config, logger: Logger): Promise<Adapters> {
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    const database = await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir });
    opened.push(database);

    let queue: JobQueue;
    let bus: EventBus;
    if (config.redisUrl) {
      const { BullmqJobQueue } = await import('../engine/queue/bullmq-job-queue.ts');
      const { RedisEventBus } = await import('../engine/bus/redis-event-bus.ts');
      queue = new BullmqJobQueue({
        redisUrl: config.redisUrl,
        prefix: config.queuePrefix,
        lockMs: config.queueLockSeconds * 1000,
        logger: logger.child({ component: 'queue' }),
      });
      opened.push(queue);
      bus = new RedisEventBus({ redisUrl: config.redisUrl, prefix: config.queuePrefix, logger: logger.child({ component: 'bus' }) });
      opened.push(bus);
    } else {
      const { EmbeddedJobQueue } = await import('../engine/queue/embedded-job-queue.ts');
      const { EmbeddedEventBus } = await import('../engine/bus/embedded-event-bus.ts');
      queue = new EmbeddedJobQueue({ journalPath: path.join(config.dataDir, 'queue.journal'), logger: logger.child({ component: 'queue' }) });
      opened.push(queue);
      bus = new EmbeddedEventBus({ logger: logger.child({ component: 'bus' }) });
      opened.push(bus);
    }

    let metricStore: MetricStore;
    if (config.influx) {
      const { InfluxMetricStore } = await import('../engine/metrics/influx-metric-store.ts');
      metricStore = new InfluxMetricStore({ config: config.influx, maxBufferedPoints: config.limits.metricBufferPoints, logger: logger.child({ component: 'metrics' }) });
    } else {
      const { EmbeddedMetricStore } = await import('../engine/metrics/embedded-metric-store.ts');
      metricStore = new EmbeddedMetricStore({
        maxPoints: 2_000_000,
        maxBufferedPoints: config.limits.metricBufferPoints,
        snapshotPath: path.join(config.dataDir, 'metrics.jsonl'),
      });
    }

    return {
      database,
      queue,
      bus,
      metricStore,
      describe: {
        database: database.kind === 'postgres' ? 'postgres' : `pglite (${path.join(config.dataDir, 'pglite')})`,
        queue: config.redisUrl ? 'bullmq (redis)' : 'embedded (journal)',
        bus: config.redisUrl ? 'redis pub/sub' : 'embedded',
        metrics: config.influx ? `influxdb ${config.influx.version}.x` : 'embedded',
      },
    };
  } catch (err) {
    for (const o of opened.reverse()) await o.close().catch(() => undefined);
    throw err;
  }
}
