/**
 * Starts a whole process (adapters, roles, app) inside the test, on embedded defaults
 * or on the real services with this file's own database, queue prefix and Influx database.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { inject } from 'vitest';
import { startRuntime, type Runtime } from '../../bin/runtime.ts';
import { loadConfig } from '../../engine/config/config.ts';
import { createInfluxDatabase } from './influx-database.ts';
import { deleteRedisPrefix } from './redis-prefix.ts';
import { REDIS_URL, createTestDatabase, uniqueQueuePrefix } from './isolation.ts';

export type Flavour = 'embedded' | 'real';

export interface TestRuntime extends Runtime {
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** The environment a process of this flavour would get; shared resources created here. */
export async function testEnvironment(flavour: Flavour): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'aiops-test-'));
  // Ingest and web auth are off unless a test turns them on (extraEnv INGEST_AUTH=required,
  // WEB_AUTH=required): most tests are about something else. Incidents resolve as soon as their
  // members have (no hold time) unless a test sets INCIDENT_HOLD_SECONDS.
  const env: Record<string, string> = { DATA_DIR: dir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', PORT: '0', INGEST_AUTH: 'disabled', WEB_AUTH: 'disabled', INCIDENT_HOLD_SECONDS: '0' };
  const cleanups: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  if (flavour === 'real') {
    const prefix = uniqueQueuePrefix();
    cleanups.push(async () => void (await deleteRedisPrefix(REDIS_URL, prefix)));
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const influxUrl = inject('influxUrl');
    const influxDb = await createInfluxDatabase(influxUrl);
    cleanups.push(() => influxDb.drop());
    Object.assign(env, {
      DATABASE_URL: db.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      INFLUX_URL: influxUrl,
      INFLUX_VERSION: '1',
      INFLUX_DATABASE: influxDb.name,
    });
  }
  return {
    env,
    async cleanup() {
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
    },
  };
}

export async function startTestRuntime(flavour: Flavour, extraEnv: Record<string, string> = {}): Promise<TestRuntime> {
  const { env, cleanup } = await testEnvironment(flavour);
  Object.assign(env, extraEnv);
  const config = loadConfig(env);
  const logger = pino({ level: config.logLevel });
  const runtime = await startRuntime(config, logger);
  return {
    ...runtime,
    env,
    async cleanup() {
      await runtime.stop();
      await cleanup();
    },
  };
}

/** Polls until `fn` returns a value that is not undefined, or fails after `ms`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: last });
    await new Promise((r) => setTimeout(r, 50));
  }
}
