/**
 * A real remote_write sender end to end: Debian's Prometheus scrapes itself every second
 * and remote-writes (snappy + protobuf, metadata included) to the app, started as its own
 * process on the real services with its own InfluxDB database. The samples must be
 * queryable in InfluxDB, and Prometheus must report no failed sample or metadata sends.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testEnvironment } from '../support/test-runtime.ts';
import { type AppProcess, type ManagedProcess, startApp, startPrometheus, tempDir, withLogs } from './processes.ts';

const DEADLINE_MS = 45_000;

interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

describe('Prometheus remote_write → app → InfluxDB', () => {
  let root: string | undefined;
  let env: Record<string, string> = {};
  let cleanupEnv: (() => Promise<void>) | undefined;
  let app: AppProcess | undefined;
  let prometheus: { proc: ManagedProcess; baseUrl: string } | undefined;
  const started: ManagedProcess[] = [];
  const track = (p: ManagedProcess): ManagedProcess => (started.push(p), p);

  beforeAll(async () => {
    root = await tempDir('aiops-e2e-remote-write-');
    const environment = await testEnvironment('real');
    env = environment.env;
    // Drops the Postgres and Influx databases and the Redis keys of this file.
    cleanupEnv = environment.cleanup;
    app = await startApp({ name: 'app', env: { ...env, LOG_LEVEL: 'warn', INGEST_AUTH: 'disabled' }, logDir: root, onSpawn: track });

    const promDir = path.join(root, 'prometheus');
    await mkdir(promDir);
    prometheus = await startPrometheus({
      dir: promDir,
      logPath: path.join(root, 'prometheus.log'),
      onSpawn: track,
      // It scrapes itself, so the config names its own port.
      config: (port) => `global:
  scrape_interval: 1s
  evaluation_interval: 1h
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:${port}']
remote_write:
  - url: '${app!.baseUrl}/api/v1/prom/write'
    remote_timeout: 10s
    queue_config:
      batch_send_deadline: 1s
      max_samples_per_send: 500
      min_backoff: 100ms
      max_backoff: 1s
    metadata_config:
      send: true
      send_interval: 2s
`,
    });
  });

  afterAll(async () => {
    // The sender first, so nothing posts to an app that is going away.
    for (const p of [...started].reverse()) await p.stop();
    await cleanupEnv?.();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function influxQl(q: string): Promise<InfluxSeries[]> {
    const res = await fetch(`${env.INFLUX_URL}/query?${new URLSearchParams({ db: env.INFLUX_DATABASE!, q, epoch: 'ms' })}`);
    const body = (await res.json()) as { results: Array<{ series?: InfluxSeries[]; error?: string }> };
    if (body.results[0]?.error) throw new Error(body.results[0].error);
    return body.results[0]?.series ?? [];
  }

  /** Sum of one counter over all its label sets in a Prometheus text exposition. */
  function counterSum(text: string, name: string): number | undefined {
    const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    return lines.length === 0 ? undefined : lines.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  }

  it(`makes Prometheus' own samples queryable in InfluxDB within ${DEADLINE_MS / 1000} s`, { timeout: DEADLINE_MS + 15_000 }, async () => {
    await withLogs(
      () => [app?.proc, prometheus?.proc],
      async () => {
        const up = await eventually(async () => {
          const [series] = await influxQl(`SELECT last("value") FROM "up" WHERE "job" = 'prometheus'`);
          return series;
        }, DEADLINE_MS, '"up" in InfluxDB');
        expect(up.values[0]?.[1]).toBe(1);

        const [build] = await influxQl('SELECT last("value") FROM "prometheus_build_info" GROUP BY "version"');
        expect(build?.tags?.version).toMatch(/^2\.\d+\.\d+/);
        expect(build?.values[0]?.[1]).toBe(1);

        // Many samples of many series arrived, not just one batch.
        const series = await influxQl('SHOW SERIES LIMIT 1000');
        expect(series[0]?.values.length ?? 0).toBeGreaterThan(50);

        // Prometheus saw every send succeed, metadata-only requests included.
        const promMetrics = await eventually(async () => {
          const text = await (await fetch(`${prometheus!.baseUrl}/metrics`)).text();
          const sent = counterSum(text, 'prometheus_remote_storage_metadata_total') ?? 0;
          return sent > 0 ? text : undefined;
        }, DEADLINE_MS, 'Prometheus to send metadata');
        expect(counterSum(promMetrics, 'prometheus_remote_storage_samples_failed_total')).toBe(0);
        expect(counterSum(promMetrics, 'prometheus_remote_storage_metadata_failed_total')).toBe(0);
        expect(counterSum(promMetrics, 'prometheus_remote_storage_samples_total')).toBeGreaterThan(0);

        const appMetrics = await (await fetch(`${app!.baseUrl}/metrics`)).text();
        expect(counterSum(appMetrics, 'aiops_metric_points_accepted_total')).toBeGreaterThan(50);
      },
    );
  });
});
