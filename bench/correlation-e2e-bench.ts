/**
 * End-to-end correlation throughput and latency on real Postgres and Redis:
 * Alertmanager-style webhooks (50 alerts per request, one fault per request on a service of
 * its own, alert names drawn from a shared pool so the engine has candidates to score) are
 * offered at a fixed rate to one app process with every role; a websocket client on
 * /api/v1/stream notes when each fault's incident arrives with all its alerts.
 *
 *   [CORRELATOR_CONCURRENCY=N] npm run bench:correlation -- [--rate 10000] [--seconds 20] [--per-request 50] [--warmup 0] [--correlators 1] [--split] [--cpu-prof DIR]
 *
 * `--warmup S` first offers S seconds of the same load and waits until all of it is in
 * incidents, so the measured seconds start with a warm JIT and a drained queue (a cold
 * process spends its first seconds compiling, and the backlog it builds then would otherwise
 * show in every figure of a short run). Warm-up alerts are not counted.
 *
 * Prints a progress line every second, then: offered and accepted alerts/s, alerts/s
 * correlated end to end (all alerts in incidents on the stream), and the latency from sending a
 * request to its incident on the stream (p50, p95, p99). `--correlators 2` adds a second
 * process with the correlator role (a hot standby: one leads, docs/adr/0005). `--split` runs the
 * roles as a deployment that scales would: `ingest,web` in the app, `correlator,engine` in a
 * second process (the app CPU printed is both processes').
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import path from 'node:path';
import { baseEnv, REPO_ROOT, START_ARGS, startApp, startOnFreePort, startProcess, tempDir, type AppProcess, type ManagedProcess } from '../test/e2e/processes.ts';
import { createTestDatabase, REDIS_URL, uniqueQueuePrefix } from '../test/support/isolation.ts';
import { deleteRedisPrefix } from '../test/support/redis-prefix.ts';
import { commandCpuSeconds, cpuSeconds, ownCpuSeconds, postgresCpuSeconds } from './support/process-cpu.ts';
import { fmt, percentile, progressLine } from './support/figures.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '20' },
    'per-request': { type: 'string', default: '50' },
    warmup: { type: 'string', default: '0' },
    correlators: { type: 'string', default: '1' },
    split: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const PER_REQUEST = Number(values['per-request']);
const WARMUP_SECONDS = Number(values.warmup);
const CORRELATORS = Number(values.correlators);
/** `--split`: the app takes `ingest,web` and a second process `correlator,engine` (the two roles on separate cores). */
const SPLIT = values.split;
const NAMES = 20;
/** Stop waiting for the last incidents after this long without one completing (some faults' alerts join another fault's incident). */
const STALL_MS = 15_000;



async function main(): Promise<void> {
  const procs: ManagedProcess[] = [];
  const pg = await createTestDatabase();
  const root = await tempDir('aiops-bench-corr-');
  const queuePrefix = uniqueQueuePrefix();
  const env: Record<string, string> = {
    DATABASE_URL: pg.url,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    DATA_DIR: root,
    INGEST_AUTH: 'disabled',
    WEB_AUTH: 'disabled',
    LOG_LEVEL: 'warn',
    QUEUE_MAX_DEPTH: '1000000',
    // The ingest rate limit (6,000 requests a minute by default) is not what is measured here:
    // at 10,000 alerts/s and 50 a request it would refuse requests after 30 s.
    INGEST_RATE_LIMIT_PER_MINUTE: '10000000',
    ...(process.env.CORRELATOR_CONCURRENCY ? { CORRELATOR_CONCURRENCY: process.env.CORRELATOR_CONCURRENCY } : {}),
  };
  const cleanup = async () => {
    for (const p of procs) await p.stop().catch(() => undefined);
    await pg.drop().catch(() => undefined);
    // The app's queues and delayed jobs stay in Redis unless removed (after the processes stopped).
    await deleteRedisPrefix(REDIS_URL, queuePrefix).catch(() => undefined);
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const app: AppProcess = values['cpu-prof']
      ? await startOnFreePort(
          'app',
          (port) => {
            // --cpu-prof DIR: the app writes V8 CPU profiles there when it stops.
            const p = startProcess('app', process.execPath, ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`, ...START_ARGS], {
              cwd: REPO_ROOT,
              env: { ...baseEnv(), ...env, PORT: String(port), HOST: '127.0.0.1' },
              logPath: path.join(root, 'app.log'),
            });
            procs.push(p);
            return p;
          },
          '/healthz',
          60_000,
        )
      : await startApp({ name: 'app', env, roles: SPLIT ? 'ingest,web' : undefined, logDir: root, onSpawn: (p) => procs.push(p) });
    const appPids = [app.proc.pid];
    if (SPLIT) appPids.push((await startApp({ name: 'correlator-1', env, roles: 'correlator,engine', logDir: root, onSpawn: (p) => procs.push(p) })).proc.pid);
    for (let i = 1; i < CORRELATORS; i++) await startApp({ name: `correlator-${i + 1}`, env, roles: 'correlator', logDir: root, onSpawn: (p) => procs.push(p) });
    const appCpu = () => appPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

    const sentAt = new Map<string, number>();
    const warmPending = new Set<string>();
    let warmDone = 0;
    const latencies: number[] = [];
    let lastDoneAt = 0;
    let appCpu0 = appCpu();
    let pgCpu0 = postgresCpuSeconds();
    let appCpuAtDone = appCpu0;
    let pgCpuAtDone = pgCpu0;
    // The rest of the 2 cores' budget: this client (sending, the websocket) and Redis.
    let clientCpu0 = ownCpuSeconds();
    let redisCpu0 = commandCpuSeconds('redis-server');
    let clientCpuAtDone = clientCpu0;
    let redisCpuAtDone = redisCpu0;
    const ws = new WebSocket(`${app.baseUrl.replace('http', 'ws')}/api/v1/stream`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { type: string; incident?: { groupKey: string; alertCount: number } };
      if (!m.incident || m.incident.alertCount < PER_REQUEST) return;
      const svc = m.incident.groupKey.replace(/^service=/, '');
      if (svc.startsWith('warm-')) {
        if (warmPending.delete(svc)) warmDone++;
        return;
      }
      const t0 = sentAt.get(svc);
      if (t0 === undefined) return;
      sentAt.delete(svc);
      const now = performance.now();
      latencies.push(now - t0);
      lastDoneAt = now;
      if (latencies.length % 20 === 0) {
        appCpuAtDone = appCpu();
        pgCpuAtDone = postgresCpuSeconds();
        clientCpuAtDone = ownCpuSeconds();
        redisCpuAtDone = commandCpuSeconds('redis-server');
      }
    });

    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const url = new URL(app.baseUrl);
    const post = (body: string) =>
      new Promise<number>((resolve) => {
        const req = http.request(
          { host: url.hostname, port: url.port, path: '/api/v1/webhooks/alertmanager', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', () => resolve(0));
        req.end(body);
      });

    const requestsPerSecond = RATE / PER_REQUEST;
    const bodyOf = (svc: string) => {
      const startsAt = new Date().toISOString();
      const alerts = Array.from({ length: PER_REQUEST }, (_, k) => ({
        status: 'firing',
        labels: { alertname: `Symptom${(Number(svc.replace(/\D/g, '')) + k) % NAMES}`, service: svc, instance: `host-${k}`, severity: k === 0 ? 'critical' : 'warning' },
        annotations: { summary: `symptom ${k} of fault ${svc}` },
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: `${svc}x${k}`,
      }));
      return JSON.stringify({ version: '4', groupKey: `{}:{service="${svc}"}`, status: 'firing', receiver: 'bench', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', alerts });
    };

    if (WARMUP_SECONDS > 0) {
      const warmTotal = Math.round(requestsPerSecond * WARMUP_SECONDS);
      const warmStart = performance.now();
      const warmInflight: Array<Promise<number>> = [];
      for (let i = 0; i < warmTotal; i++) {
        const wait = warmStart + (i / requestsPerSecond) * 1000 - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        warmPending.add(`warm-${i}`);
        warmInflight.push(post(bodyOf(`warm-${i}`)));
      }
      const statuses = await Promise.all(warmInflight);
      const warmAccepted = statuses.filter((st) => st === 202).length;
      const until = performance.now() + 120_000;
      while (warmDone < warmAccepted && performance.now() < until) await new Promise((r) => setTimeout(r, 200));
      process.stderr.write(`[correlation] warm-up: ${fmt(warmAccepted * PER_REQUEST)} alerts over ${WARMUP_SECONDS} s, ${fmt(warmDone * PER_REQUEST)} in incidents after ${fmt((performance.now() - warmStart) / 1000, 1)} s (not counted)\n`);
      appCpu0 = appCpu();
      pgCpu0 = postgresCpuSeconds();
      clientCpu0 = ownCpuSeconds();
      redisCpu0 = commandCpuSeconds('redis-server');
      appCpuAtDone = appCpu0;
      pgCpuAtDone = pgCpu0;
      clientCpuAtDone = clientCpu0;
      redisCpuAtDone = redisCpu0;
    }

    const total = Math.round(requestsPerSecond * SECONDS);
    let sent = 0;
    let accepted = 0;
    let refused = 0;
    const inflight: Array<Promise<void>> = [];
    const start = performance.now();
    let lastReport = start;
    const progress = progressLine();
    const report = (final = false) => {
      const el = (performance.now() - start) / 1000;
      const sorted = [...latencies].sort((a, b) => a - b);
      const line = `[correlation] ${fmt(el, 1)} s  sent ${fmt(sent * PER_REQUEST)}  accepted ${fmt(accepted * PER_REQUEST)}  in incidents ${fmt(latencies.length * PER_REQUEST)}  p99 ${fmt(percentile(sorted, 99))} ms`;
      progress(line, final);
    };
    for (let i = 0; i < total; i++) {
      const due = start + (i / requestsPerSecond) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const svc = `svc-${i}`;
      const body = bodyOf(svc);
      sentAt.set(svc, performance.now());
      sent++;
      inflight.push(
        post(body).then((status) => {
          if (status === 202) accepted++;
          else {
            refused++;
            sentAt.delete(svc);
          }
        }),
      );
      if (performance.now() - lastReport > 1000) {
        lastReport = performance.now();
        report();
      }
    }
    await Promise.all(inflight);
    const sendSeconds = (performance.now() - start) / 1000;
    const deadline = performance.now() + 180_000;
    while (latencies.length < accepted && performance.now() < deadline && performance.now() - Math.max(lastDoneAt, start + sendSeconds * 1000) < STALL_MS) {
      await new Promise((r) => setTimeout(r, 500));
      report();
    }
    report(true);
    ws.close();
    const sorted = [...latencies].sort((a, b) => a - b);
    const correlatedSeconds = (lastDoneAt - start) / 1000;
    const rows = [
      ['offered alerts/s', fmt(RATE)],
      ['sent over', `${fmt(sendSeconds, 1)} s`],
      ['accepted (202)', `${fmt(accepted * PER_REQUEST)} alerts (${fmt(refused)} requests refused)`],
      ['correlated end to end', `${fmt(latencies.length * PER_REQUEST)} alerts in ${fmt(correlatedSeconds, 1)} s = ${fmt((latencies.length * PER_REQUEST) / correlatedSeconds)} alerts/s`],
      ['webhook → incident on stream', `p50 ${fmt(percentile(sorted, 50))} ms, p95 ${fmt(percentile(sorted, 95))} ms, p99 ${fmt(percentile(sorted, 99))} ms, max ${fmt(sorted[sorted.length - 1] ?? Number.NaN)} ms`],
      ['correlator processes', SPLIT ? `${CORRELATORS} (beside an ingest,web process)` : String(CORRELATORS)],
      [
        'CPU until then',
        `app ${fmt(appCpuAtDone - appCpu0, 1)} s (${fmt(((appCpuAtDone - appCpu0) * 1e6) / Math.max(1, latencies.length * PER_REQUEST))} µs an alert), Postgres ${fmt(pgCpuAtDone - pgCpu0, 1)} s (${fmt(((pgCpuAtDone - pgCpu0) * 1e6) / Math.max(1, latencies.length * PER_REQUEST))} µs an alert; every server process on the machine)`,
      ],
      [
        'other CPU until then',
        `this client ${fmt(clientCpuAtDone - clientCpu0, 1)} s (${fmt(((clientCpuAtDone - clientCpu0) * 1e6) / Math.max(1, latencies.length * PER_REQUEST))} µs an alert), Redis ${fmt(redisCpuAtDone - redisCpu0, 1)} s (${fmt(((redisCpuAtDone - redisCpu0) * 1e6) / Math.max(1, latencies.length * PER_REQUEST))} µs an alert)`,
      ],
    ];
    const w = Math.max(...rows.map((r) => r[0]!.length));
    console.log(`\nnpm run bench:correlation -- --rate ${RATE} --seconds ${SECONDS} --per-request ${PER_REQUEST} --warmup ${WARMUP_SECONDS} --correlators ${CORRELATORS}${SPLIT ? ' --split' : ''}`);
    for (const [k, v] of rows) console.log(`${k!.padEnd(w)}  ${v}`);
  } finally {
    await cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
