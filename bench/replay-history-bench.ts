/**
 * Per-alert cost as history grows, end to end on real Postgres and Redis: months of generated
 * history (microservice-large blocks, each shifted past the last with new fingerprints, the
 * same stream the engine-only scaling run in eval:correlation uses) are replayed through the
 * generic webhook into one app process with every role, as fast as it correlates (the client
 * keeps at most `--backlog` alerts accepted and not yet recorded) until `--events` distinct
 * events are recorded (duplicate deliveries come on top). At each checkpoint it prints
 * the CPU per alert of the app and of Postgres over the window before it, the app's resident
 * memory and the tables' size; then it restarts the app on that history and times the rebuild
 * (start to the first new alert recorded).
 *
 *   npm run bench:replay -- [--events 1000000] [--per-request 500] [--backlog 20000]
 *
 * Writes bench/results/replay-history.json and replay-history.svg.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { AlertEvent } from '../engine/alert/alert.ts';
import { baseEnv, REPO_ROOT, startApp, tempDir, type AppProcess, type ManagedProcess } from '../test/e2e/processes.ts';
import { createTestDatabase, REDIS_URL, uniqueQueuePrefix } from '../test/support/isolation.ts';
import { deleteRedisPrefix } from '../test/support/redis-prefix.ts';
import { SCENARIOS } from './scenarios/scenario-catalog.ts';
import { generateScenario } from './scenarios/generate-scenario.ts';
import { tileStream } from './scenarios/tile-stream.ts';
import { cpuSeconds, postgresCpuSeconds, rssMiB } from './support/process-cpu.ts';
import { fmt, progressLine } from './support/figures.ts';
import { lineChart } from './support/svg-chart.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    'per-request': { type: 'string', default: '500' },
    backlog: { type: 'string', default: '20000' },
  },
});
const TOTAL = Number(values.events);
const PER_REQUEST = Number(values['per-request']);
const BACKLOG = Number(values.backlog);
const CHECKPOINTS = [10_000, 100_000, 500_000, 1_000_000, 2_000_000, 5_000_000].filter((c) => c <= TOTAL);
/** Cost at a checkpoint: over the events recorded in this window before it (all of them for the first). */
const WINDOW = 50_000;
const RESULTS = fileURLToPath(new URL('./results/replay-history.json', import.meta.url));


/** Our generic webhook's shape for one generated event. */
function genericAlert(ev: AlertEvent): Record<string, unknown> {
  return {
    name: ev.name,
    status: ev.status === 'resolved' ? 'resolved' : 'firing',
    severity: ev.severity,
    labels: ev.labels,
    annotations: ev.annotations,
    startsAt: ev.startsAt,
    ...(ev.status === 'resolved' ? { endsAt: ev.eventTime } : {}),
    fingerprint: ev.sourceFingerprint,
  };
}

interface Sample {
  events: number;
  appCpu: number;
  pgCpu: number;
  rss: number;
  at: number;
}

interface Checkpoint {
  events: number;
  appUsPerAlert: number;
  postgresUsPerAlert: number;
  alertsPerSecond: number;
  appRssMiB: number;
  tablesMiB: number;
}

async function main(): Promise<void> {
  const procs: ManagedProcess[] = [];
  const db = await createTestDatabase();
  const root = await tempDir('aiops-bench-replay-');
  const queuePrefix = uniqueQueuePrefix();
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    DATA_DIR: root,
    LOG_LEVEL: 'warn',
    QUEUE_MAX_DEPTH: '1000000',
  };
  const client = new pg.Client({ connectionString: db.url });
  const cleanup = async () => {
    await client.end().catch(() => undefined);
    for (const p of procs) await p.stop().catch(() => undefined);
    await db.drop().catch(() => undefined);
    // The app's queues and delayed jobs stay in Redis unless removed (after the processes stopped).
    await deleteRedisPrefix(REDIS_URL, queuePrefix).catch(() => undefined);
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const spec = { ...SCENARIOS.find((s) => s.name === 'microservice-large')!, name: 'replay-block', seed: 9001 };
    const block = generateScenario(spec);
    let app: AppProcess = await startApp({ name: 'app', env, logDir: root, onSpawn: (p) => procs.push(p) });
    await client.connect();
    // Auth stays on, as in production: a token made with the CLI, as an operator would.
    const made = execFileSync(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'tokens', 'create', '--name', 'replay-bench', '--scope', 'ingest,admin', '--json'], {
      cwd: REPO_ROOT,
      env: { ...baseEnv(), ...env },
      encoding: 'utf8',
    });
    const authorization = `Bearer ${(JSON.parse(made.trim().split('\n').pop()!) as { token: string }).token}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const request = (base: string, method: string, path: string, body: string) =>
      new Promise<number>((resolve) => {
        const url = new URL(path, base);
        const req = http.request(
          { host: url.hostname, port: url.port, path: url.pathname, method, agent, headers: { authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', () => resolve(0));
        req.end(body);
      });
    const put = await request(app.baseUrl, 'PUT', '/api/v1/topology', JSON.stringify(block.topology));
    if (put !== 200) throw new Error(`PUT /api/v1/topology answered ${put}`);

    const recorded = async (): Promise<number> => {
      const r = await client.query<{ n: string | null }>('select max(id) as n from alert_events');
      return Number(r.rows[0]?.n ?? 0);
    };
    const sample = async (): Promise<Sample> => ({ events: await recorded(), appCpu: cpuSeconds(app.proc.pid), pgCpu: postgresCpuSeconds(), rss: rssMiB(app.proc.pid), at: performance.now() });
    const samples: Sample[] = [await sample()];
    const progress = progressLine();
    const start = performance.now();
    let sent = 0;
    let refused = 0;
    let last = samples[0]!;
    const tick = async (final = false) => {
      last = await sample();
      samples.push(last);
      const el = (last.at - start) / 1000;
      progress(`[replay] ${fmt(el, 0)} s  sent ${fmt(sent)}  recorded ${fmt(last.events)} / ${fmt(TOTAL)}  ${fmt(last.events / Math.max(el, 0.001))} alerts/s  app RSS ${fmt(last.rss)} MiB`, final);
    };
    let batch: Record<string, unknown>[] = [];
    const flush = async () => {
      const body = JSON.stringify(batch);
      batch = [];
      for (;;) {
        const status = await request(app.baseUrl, 'POST', '/api/v1/webhooks/generic', body);
        if (status === 202) return;
        refused++;
        if (status >= 400 && status < 500 && status !== 429) throw new Error(`the webhook refused a batch with ${status}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    // The store records an event once per fingerprint, status and event time; a duplicate
    // delivery is counted, not recorded. Distinct events are counted here the same way (per
    // block: blocks never share fingerprints), so the backlog is what is really still to do.
    let distinct = 0;
    let seen = new Set<string>();
    let blockTag = '';
    // `--events` distinct events (what the store records); duplicate deliveries come on top.
    for (const ev of tileStream(block.events, Number.POSITIVE_INFINITY)) {
      if (distinct >= TOTAL) break;
      const tag = /#\d+$/.exec(ev.sourceFingerprint)?.[0] ?? '';
      if (tag !== blockTag) {
        blockTag = tag;
        seen = new Set();
      }
      const key = `${ev.sourceFingerprint}|${ev.status}|${ev.eventTime}`;
      if (!seen.has(key)) {
        seen.add(key);
        distinct++;
      }
      batch.push(genericAlert(ev));
      if (batch.length < PER_REQUEST) continue;
      await flush();
      sent += PER_REQUEST;
      while (distinct - last.events > BACKLOG) {
        await new Promise((r) => setTimeout(r, 250));
        await tick();
      }
      if (performance.now() - last.at > 1000) await tick();
    }
    if (batch.length > 0) {
      sent += batch.length;
      await flush();
    }
    const stallMs = 10_000;
    let lastChanged = last;
    while (last.events < distinct && performance.now() - lastChanged.at < stallMs) {
      await new Promise((r) => setTimeout(r, 250));
      await tick();
      if (last.events !== lastChanged.events) lastChanged = last;
    }
    await tick(true);
    if (last.events < distinct) console.log(`\nonly ${fmt(last.events)} of ${fmt(distinct)} distinct events were recorded (stalled for ${stallMs / 1000} s)`);
    const replaySeconds = (lastChanged.at - start) / 1000;

    const tableRows = await client.query<{ relname: string; bytes: string }>(
      `select relname, pg_total_relation_size(oid) as bytes from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace order by 2 desc`,
    );
    const tablesMiB = tableRows.rows.reduce((s, r) => s + Number(r.bytes), 0) / 2 ** 20;
    const at = (n: number) => samples.find((s) => s.events >= n) ?? last;
    const checkpoints: Checkpoint[] = CHECKPOINTS.filter((c) => c <= last.events).map((c) => {
      const end = at(c);
      const from = c <= WINDOW ? samples[0]! : at(c - WINDOW);
      const n = Math.max(1, end.events - from.events);
      return {
        events: c,
        appUsPerAlert: ((end.appCpu - from.appCpu) * 1e6) / n,
        postgresUsPerAlert: ((end.pgCpu - from.pgCpu) * 1e6) / n,
        alertsPerSecond: (n * 1000) / Math.max(1, end.at - from.at),
        appRssMiB: end.rss,
        tablesMiB: Number.NaN,
      };
    });
    if (checkpoints.length > 0) checkpoints[checkpoints.length - 1]!.tablesMiB = tablesMiB;

    // Restart on this history: stop the app, start a new one, time until a new alert is recorded.
    const before = last.events;
    await procs.pop()!.stop();
    const restartAt = performance.now();
    app = await startApp({ name: 'app-restarted', env, logDir: root, onSpawn: (p) => procs.push(p) });
    const healthyMs = performance.now() - restartAt;
    const probe = { name: 'AfterRestart', status: 'firing', labels: { service: 'bench-probe' }, startsAt: new Date().toISOString(), fingerprint: 'after-restart' };
    if ((await request(app.baseUrl, 'POST', '/api/v1/webhooks/generic', JSON.stringify(probe))) !== 202) throw new Error('the restarted app refused the probe');
    while ((await recorded()) <= before && performance.now() - restartAt < 600_000) await new Promise((r) => setTimeout(r, 100));
    const firstRecordedMs = performance.now() - restartAt;
    const rebuiltRss = rssMiB(app.proc.pid);

    console.log(`\nnpm run bench:replay -- --events ${TOTAL} --per-request ${PER_REQUEST} --backlog ${BACKLOG}`);
    console.log(`replayed ${fmt(sent)} deliveries (${fmt(distinct)} distinct events, ${fmt(last.events)} recorded) in ${fmt(replaySeconds, 1)} s = ${fmt(last.events / replaySeconds)} alerts/s, ${fmt(refused)} requests retried`);
    console.log(`\nper-alert cost as history grows (over the ${fmt(WINDOW)} events before each point, all of them for the first):\n`);
    const header = ['events so far', 'app µs/alert', 'Postgres µs/alert', 'alerts/s', 'app RSS MiB'];
    const rows = checkpoints.map((c) => [fmt(c.events), fmt(c.appUsPerAlert), fmt(c.postgresUsPerAlert), fmt(c.alertsPerSecond), fmt(c.appRssMiB)]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    console.log(header.map((h, i) => h.padStart(widths[i]!)).join('  '));
    for (const r of rows) console.log(r.map((v, i) => v.padStart(widths[i]!)).join('  '));
    console.log(`\nPostgres tables after the replay: ${fmt(tablesMiB)} MiB (${tableRows.rows.slice(0, 4).map((r) => `${r.relname} ${fmt(Number(r.bytes) / 2 ** 20)}`).join(', ')} MiB …)`);
    console.log(`restart on this history: healthy after ${fmt(healthyMs)} ms, first new alert recorded after ${fmt(firstRecordedMs)} ms (rebuild included), RSS then ${fmt(rebuiltRss)} MiB`);

    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(
      RESULTS,
      `${JSON.stringify({ generatedAt: new Date().toISOString(), command: `npm run bench:replay -- ${process.argv.slice(2).join(' ')}`.trim(), sent, recorded: last.events, replaySeconds, checkpoints, tablesMiB, restart: { healthyMs, firstRecordedMs, rssMiB: rebuiltRss }, samples }, null, 2)}\n`,
    );
    const chart = RESULTS.replace(/\.json$/, '.svg');
    writeFileSync(
      chart,
      lineChart({
        title: 'End-to-end cost as history grows (npm run bench:replay)',
        series: [
          { name: 'app µs per alert', points: checkpoints.map((c) => [c.events, c.appUsPerAlert] as const) },
          { name: 'Postgres µs per alert', points: checkpoints.map((c) => [c.events, c.postgresUsPerAlert] as const) },
          { name: 'app RSS MiB', points: checkpoints.map((c) => [c.events, c.appRssMiB] as const) },
        ],
        xLabel: 'alerts replayed so far (log scale)',
        yLabel: 'µs per alert · MiB',
        logX: true,
        yMin: 0,
      }),
    );
    console.log(`wrote ${RESULTS} and ${chart}`);
  } finally {
    await cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
