/**
 * Ingest benchmark: `npm run bench:ingest -- [--seconds 20] [--sustain-seconds 300] …`
 *
 * Everything runs on this machine, against 127.0.0.1 only, bounded in time:
 * 1. Alerts/s and ack latency, 50 alerts per request, a fixed number of requests in flight
 *    (closed loop, keep-alive), every alert distinct (fingerprint, instance, startsAt):
 *    - ours on real services: `--role ingest,web` plus a separate `--role correlator,engine`
 *      process, BullMQ on Redis, Postgres (POST /api/v1/webhooks/alertmanager, 202);
 *    - ours embedded: one process, all roles, journal queue and PGlite;
 *    - Debian's Alertmanager, POST /api/v2/alerts (200), same alerts, same client.
 * 2. Points/s, line protocol in batches of 5,000 lines, into a Debian InfluxDB 1.x started
 *    here: directly to InfluxDB's /write and through our /api/v1/write, the same lines,
 *    request size and requests in flight on both sides, in alternating order round by
 *    round (`--rounds`), each round's ratio reported. Ours counts what reached InfluxDB (our
 *    204 means "buffered"), so its clock runs until it is all stored.
 * 3. Resident memory of the ingest process under a sustained fixed-rate load of alerts and
 *    points (`--sustain-seconds`), sampled every 5 s: first window against last window.
 *
 * Every process is started here, stopped here by PID (also on SIGINT), and logs to a temp
 * folder whose tails are printed when a phase fails. Results: a table on stdout and
 * bench/results/ingest.json. `--cpu-prof` writes V8 CPU profiles of our processes to
 * bench/results/profiles/ and prints their heaviest functions.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  ALERTMANAGER_BIN,
  type ManagedProcess,
  REPO_ROOT,
  START_ARGS,
  baseEnv,
  pidsWithArgument,
  startAlertmanager,
  startOnFreePort,
  startProcess,
  tails,
  tempDir,
} from '../test/e2e/processes.ts';
import { createInfluxDatabase } from '../test/support/influx-database.ts';
import { type RunningInfluxd, startInfluxd } from '../test/support/influxd.ts';
import { REDIS_URL, type TestDatabase, createTestDatabase, uniqueQueuePrefix } from '../test/support/isolation.ts';
import { deleteRedisPrefix } from '../test/support/redis-prefix.ts';
import { pidsCpuSeconds, rssMiB } from './support/process-cpu.ts';

// ---------------------------------------------------------------------------------------
// Options

const PHASES = ['alerts-redis', 'alerts-ingest', 'alerts-embedded', 'alerts-alertmanager', 'points', 'sustain'] as const;
type Phase = (typeof PHASES)[number];

interface Options {
  seconds: number;
  warmupSeconds: number;
  sustainSeconds: number;
  concurrency: number;
  alertsPerRequest: number;
  batchLines: number;
  pointsConcurrency: number;
  sustainAlertsPerSecond: number;
  sustainPointsPerSecond: number;
  rounds: number;
  phases: Set<Phase>;
  cpuProf: boolean;
}

function parseOptions(): Options {
  const env = process.env;
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: env.BENCH_SECONDS ?? '20' },
      'warmup-seconds': { type: 'string', default: env.BENCH_WARMUP_SECONDS ?? '3' },
      'sustain-seconds': { type: 'string', default: env.BENCH_SUSTAIN_SECONDS ?? '300' },
      concurrency: { type: 'string', default: env.BENCH_CONCURRENCY ?? '16' },
      'alerts-per-request': { type: 'string', default: '50' },
      'batch-lines': { type: 'string', default: '5000' },
      'points-concurrency': { type: 'string', default: env.BENCH_POINTS_CONCURRENCY ?? '4' },
      'sustain-alerts-per-second': { type: 'string', default: '2000' },
      'sustain-points-per-second': { type: 'string', default: '20000' },
      rounds: { type: 'string', default: env.BENCH_ROUNDS ?? '1' },
      only: { type: 'string', default: env.BENCH_ONLY ?? PHASES.join(',') },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      `usage: npm run bench:ingest -- [--seconds 20] [--warmup-seconds 3] [--sustain-seconds 300] [--concurrency 16]\n` +
        `  [--alerts-per-request 50] [--batch-lines 5000] [--points-concurrency 4]\n` +
        `  [--sustain-alerts-per-second 2000] [--sustain-points-per-second 20000] [--rounds 1]\n` +
        `  [--only ${PHASES.join(',')}] [--cpu-prof]\n` +
        `  --rounds N repeats the alert phases N times, interleaved, and compares medians; the points phase\n` +
        `    alternates direct and through-us N times and reports each round's ratio (noisy machines)\n` +
        `env: BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_SUSTAIN_SECONDS, BENCH_CONCURRENCY, BENCH_POINTS_CONCURRENCY, BENCH_ROUNDS, BENCH_ONLY\n`,
    );
    process.exit(0);
  }
  const num = (name: string, v: string, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name}=${v} must be a number in ${min}..${max}`);
    return n;
  };
  const phases = new Set<Phase>();
  for (const p of values.only.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(PHASES as readonly string[]).includes(p)) throw new Error(`--only: ${p} is not one of ${PHASES.join(', ')}`);
    phases.add(p as Phase);
  }
  return {
    seconds: num('seconds', values.seconds, 1, 3600),
    warmupSeconds: num('warmup-seconds', values['warmup-seconds'], 0, 600),
    sustainSeconds: num('sustain-seconds', values['sustain-seconds'], 15, 24 * 3600),
    concurrency: num('concurrency', values.concurrency, 1, 1024),
    alertsPerRequest: num('alerts-per-request', values['alerts-per-request'], 1, 1000),
    batchLines: num('batch-lines', values['batch-lines'], 1, 100_000),
    pointsConcurrency: num('points-concurrency', values['points-concurrency'], 1, 256),
    sustainAlertsPerSecond: num('sustain-alerts-per-second', values['sustain-alerts-per-second'], 1, 1_000_000),
    sustainPointsPerSecond: num('sustain-points-per-second', values['sustain-points-per-second'], 0, 10_000_000),
    rounds: num('rounds', values.rounds, 1, 20),
    phases,
    cpuProf: values['cpu-prof'],
  };
}

// ---------------------------------------------------------------------------------------
// Process bookkeeping: everything started is stopped, in reverse order, by PID.

const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
const PROFILE_DIR = path.join(RESULTS_DIR, 'profiles');
const cleanups: Array<{ what: string; run: () => Promise<unknown> }> = [];
const running: ManagedProcess[] = [];

function onCleanup(what: string, run: () => Promise<unknown>): void {
  cleanups.push({ what, run });
}

async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const c = cleanups.pop()!;
    await c.run().catch((err: unknown) => process.stderr.write(`cleanup (${c.what}) failed: ${(err as Error).message}\n`));
  }
}

async function stopProcess(p: ManagedProcess | undefined): Promise<void> {
  if (p === undefined) return;
  await p.stop(15_000);
  const i = running.indexOf(p);
  if (i !== -1) running.splice(i, 1);
}

function track(p: ManagedProcess): ManagedProcess {
  running.push(p);
  onCleanup(`stop ${p.name} (pid ${p.pid})`, () => stopProcess(p));
  return p;
}

/** Our app as its own process (`node [--cpu-prof]` and the start script's arguments), waited for on /healthz. */
async function startOurApp(name: string, env: Record<string, string>, roles: string | undefined, logDir: string, cpuProf: boolean) {
  // One folder per process: V8 writes a profile per thread (tsx's loader runs on its own).
  const nodeArgs = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(PROFILE_DIR, `${name}.${Date.now()}`)}`] : [];
  return startOnFreePort(
    name,
    (port) =>
      track(
        startProcess(name, process.execPath, [...nodeArgs, ...START_ARGS, ...(roles ? ['--role', roles] : [])], {
          cwd: REPO_ROOT,
          env: { ...baseEnv(), ...env, PORT: String(port), HOST: '127.0.0.1' },
          logPath: path.join(logDir, `${name}.log`),
        }),
      ),
    '/healthz',
    60_000,
  );
}

// ---------------------------------------------------------------------------------------
// HTTP client: node:http with a keep-alive agent, one per phase.

interface Sent {
  status: number;
  ms: number;
  retryAfter: number | undefined;
}

function poster(base: string, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const url = new URL(base);
  const send = (pathAndQuery: string, body: string | Buffer, headers: Record<string, string>): Promise<Sent> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: pathAndQuery,
          method: 'POST',
          agent,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const ra = Number(res.headers['retry-after']);
            resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, retryAfter: Number.isFinite(ra) ? ra : undefined });
          });
          res.on('error', reject);
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error('request timed out after 30 s')));
      req.on('error', reject);
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}

// ---------------------------------------------------------------------------------------
// Load shapes

interface LoadResult {
  label: string;
  seconds: number;
  requests: number;
  ok: number;
  units: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  serverCpuCores: number;
  /** Shared services on the path (Redis), measured separately: others may use them too. */
  serviceCpuCores: number | undefined;
  clientCpuCores: number;
  /** The machine's 1-minute load average at the end of the phase. */
  loadAvg: number;
}

interface Request {
  path: string;
  body: string | Buffer;
  headers: Record<string, string>;
  units: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–';

/** Progress: rewritten in place on a terminal; elsewhere (CI, a log file) a plain line every 5 s. */
let lastPlainProgress = 0;
function progress(line: string): void {
  if (process.stderr.isTTY) {
    process.stderr.write(`\r\x1b[2K${line}`);
  } else if (performance.now() - lastPlainProgress >= 5_000) {
    lastPlainProgress = performance.now();
    process.stderr.write(`${line}\n`);
  }
}
function progressDone(line: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K`);
  process.stderr.write(`${line}\n`);
}

/**
 * Closed loop: `concurrency` workers, each sending its next request as soon as the last is
 * answered, for `warmup` seconds unrecorded and then `seconds` recorded. A 503 or 429 is
 * answered by waiting (at most 200 ms, as a sender honouring Retry-After would, shortened
 * so the run stays busy) and is counted, not retried as the same request.
 */
async function closedLoop(opts: {
  label: string;
  base: string;
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  okStatus: number;
  unit: string;
  serverPids: () => number[];
  servicePids?: () => number[];
  next: () => Request;
}): Promise<LoadResult> {
  const client = poster(opts.base, opts.concurrency);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let recording = false;
  let stopAt = 0;
  let requests = 0;
  let ok = 0;
  let units = 0;
  let failure: Error | undefined;

  const worker = async (): Promise<void> => {
    while (performance.now() < stopAt && failure === undefined) {
      const req = opts.next();
      let sent: Sent;
      try {
        sent = await client.send(req.path, req.body, req.headers);
      } catch (err) {
        failure = err as Error;
        return;
      }
      if (!recording) continue;
      requests++;
      statuses[sent.status] = (statuses[sent.status] ?? 0) + 1;
      if (sent.status === opts.okStatus) {
        ok++;
        units += req.units;
        latencies.push(sent.ms);
      } else if (sent.status === 503 || sent.status === 429) {
        await sleep(Math.min((sent.retryAfter ?? 1) * 1000, 200));
      }
    }
  };

  try {
    if (opts.warmupSeconds > 0) {
      stopAt = performance.now() + opts.warmupSeconds * 1000;
      progress(`[${opts.label}] warming up ${opts.warmupSeconds} s`);
      await Promise.all(Array.from({ length: opts.concurrency }, worker));
      if (failure) throw failure;
    }
    recording = true;
    const cpu0 = pidsCpuSeconds(opts.serverPids());
    const service0 = opts.servicePids ? pidsCpuSeconds(opts.servicePids()) : 0;
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    stopAt = t0 + opts.seconds * 1000;
    const ticker = setInterval(() => {
      const elapsed = (performance.now() - t0) / 1000;
      progress(`[${opts.label}] ${fmt(elapsed)} s / ${opts.seconds} s  ${fmt(units / elapsed)} ${opts.unit}/s`);
    }, 1000);
    await Promise.all(Array.from({ length: opts.concurrency }, worker)).finally(() => clearInterval(ticker));
    if (failure) throw failure;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = pidsCpuSeconds(opts.serverPids()) - cpu0;
    const serviceCpu = opts.servicePids ? pidsCpuSeconds(opts.servicePids()) - service0 : undefined;
    const clientCpu = process.cpuUsage(client0);
    latencies.sort((a, b) => a - b);
    const result: LoadResult = {
      label: opts.label,
      seconds,
      requests,
      ok,
      units,
      perSecond: units / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      statuses,
      serverCpuCores: cpu / seconds,
      serviceCpuCores: serviceCpu === undefined ? undefined : serviceCpu / seconds,
      clientCpuCores: (clientCpu.user + clientCpu.system) / 1e6 / seconds,
      loadAvg: loadavg()[0] ?? Number.NaN,
    };
    progressDone(`[${opts.label}] ${fmt(result.perSecond)} ${opts.unit}/s, p50 ${fmt(result.p50Ms, 1)} ms, p99 ${fmt(result.p99Ms, 1)} ms, statuses ${JSON.stringify(statuses)}`);
    return result;
  } finally {
    client.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------
// Payloads: every alert distinct, so neither side can deduplicate it away.

const SEVERITIES = ['critical', 'warning', 'info'];

class AlertSource {
  #next = 0;
  readonly #salt = randomBytes(4).toString('hex');
  readonly #t0 = Date.now() - 3_600_000;

  constructor(private readonly perRequest: number) {}

  /** Labels, annotations and times of the next `perRequest` alerts. */
  #alerts(): Array<{ labels: string; fingerprint: string; startsAt: string; endsAt: string; summary: string }> {
    const out = [];
    for (let j = 0; j < this.perRequest; j++) {
      const i = this.#next++;
      const service = `svc-${i % 40}`;
      const alertname = `BenchAlert${i % 25}`;
      const labels = `{"alertname":"${alertname}","service":"${service}","instance":"host-${this.#salt}-${i}","job":"node","severity":"${SEVERITIES[i % 3]}"}`;
      const startsAt = new Date(this.#t0 + i).toISOString();
      const endsAt = new Date(this.#t0 + i + 3_600_000).toISOString();
      out.push({ labels, fingerprint: `${this.#salt}${i.toString(16).padStart(8, '0')}`, startsAt, endsAt, summary: `${alertname} on ${service}` });
    }
    return out;
  }

  /** Alertmanager's webhook (version 4), as Alertmanager sends it to us. */
  webhook(): string {
    const alerts = this.#alerts()
      .map(
        (a) =>
          `{"status":"firing","labels":${a.labels},"annotations":{"summary":"${a.summary}"},"startsAt":"${a.startsAt}",` +
          `"endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph?g0.expr=up","fingerprint":"${a.fingerprint}"}`,
      )
      .join(',');
    return (
      `{"receiver":"aiops","status":"firing","alerts":[${alerts}],"groupLabels":{},"commonLabels":{},"commonAnnotations":{},` +
      `"externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}:{}","truncatedAlerts":0}`
    );
  }

  /** Alertmanager's API v2 postable alerts, as Prometheus sends them to Alertmanager. */
  postable(): string {
    return `[${this.#alerts()
      .map(
        (a) =>
          `{"labels":${a.labels},"annotations":{"summary":"${a.summary}"},"startsAt":"${a.startsAt}","endsAt":"${a.endsAt}",` +
          `"generatorURL":"http://prometheus:9090/graph?g0.expr=up"}`,
      )
      .join(',')}]`;
  }
}

/** Line protocol batches; every line a new point (its own timestamp), 3 fields each. */
class LineSource {
  #next = 0;
  readonly #t0 = Date.now() - 24 * 3_600_000;

  constructor(private readonly lines: number) {}

  batch(): string {
    const parts: string[] = new Array(this.lines);
    for (let j = 0; j < this.lines; j++) {
      const i = this.#next++;
      const host = i % 200;
      parts[j] =
        `cpu,host=host-${host},region=r${host % 4},cpu=cpu-total ` +
        `usage_user=${(i % 97) + 0.5},usage_system=${(i % 13) + 0.25},usage_idle=${(i % 71) + 0.125} ${this.#t0 + Math.floor(i / 200)}`;
    }
    return parts.join('\n');
  }

  get produced(): number {
    return this.#next;
  }
}

// ---------------------------------------------------------------------------------------
// InfluxDB helpers

/** Points stored in `cpu`; with `host`, of that one series (1/200 of them, so far cheaper to count). */
async function influxCount(url: string, db: string, host?: string): Promise<number> {
  const where = host === undefined ? '' : ` WHERE "host" = '${host}'`;
  const res = await fetch(`${url}/query?${new URLSearchParams({ db, q: `SELECT count("usage_user") FROM "cpu"${where}` })}`, {
    signal: AbortSignal.timeout(60_000),
  });
  const body = (await res.json()) as { results?: Array<{ series?: Array<{ values: unknown[][] }>; error?: string }> };
  const r = body.results?.[0];
  if (r?.error) throw new Error(`InfluxDB count failed: ${r.error}`);
  return Number(r?.series?.[0]?.values[0]?.[1] ?? 0);
}

/**
 * Polls until InfluxDB holds `expected` points; returns when it did, or throws. While
 * waiting it counts one series (every request holds `batchLines / 200` points of each of the
 * 200 hosts, and InfluxDB stores a write's points together): counting them all ten times a
 * second would take InfluxDB's CPU from the very writes being waited for. The full count
 * then confirms, and the time is taken when that count was asked.
 */
async function waitForCount(url: string, db: string, expected: number, timeoutMs: number, batchLines: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  const perHost = batchLines % 200 === 0 ? expected / 200 : undefined;
  let last = -1;
  for (;;) {
    if (perHost === undefined || (await influxCount(url, db, 'host-0')) >= perHost) {
      const askedAt = performance.now();
      last = await influxCount(url, db);
      if (last >= expected) return askedAt;
    }
    if (performance.now() > deadline) throw new Error(`InfluxDB ${db} holds ${last} of ${expected} points after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------
// Phases

interface PointsRound {
  round: number;
  order: 'direct first' | 'ours first';
  direct: LoadResult & { stored: number };
  ours: LoadResult & { stored: number; drainSeconds: number; storedPerSecond: number };
  ratio: number;
}

interface PointsResult {
  rounds: PointsRound[];
  /** Median of the rounds' ratios. */
  ratio: number;
  /** All rounds pooled: points stored through us per second of ours, over points per second direct. */
  pooledRatio: number;
}

interface SustainResult {
  seconds: number;
  samples: Array<{ t: number; rssBytes: number }>;
  windowSeconds: number;
  firstAvgBytes: number;
  lastAvgBytes: number;
  change: number;
  withinTenPercent: boolean;
  alertsSent: number;
  alertsAccepted: number;
  pointsSent: number;
  pointsAccepted: number;
  statuses: Record<string, number>;
}

interface Context {
  opts: Options;
  root: string;
  influx: RunningInfluxd;
  pg: TestDatabase;
  commonEnv: Record<string, string>;
}

const WEBHOOK = '/api/v1/webhooks/alertmanager';
const JSON_HEADERS = { 'content-type': 'application/json' };

async function realServicesEnv(ctx: Context, influxDb: string): Promise<Record<string, string>> {
  const prefix = uniqueQueuePrefix();
  onCleanup(`delete Redis keys ${prefix}`, () => deleteRedisPrefix(REDIS_URL, prefix));
  return {
    ...ctx.commonEnv,
    DATABASE_URL: ctx.pg.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    INFLUX_URL: ctx.influx.url,
    INFLUX_VERSION: '1',
    INFLUX_DATABASE: influxDb,
    // INFLUX_GZIP stays at its default, auto: off toward this loopback InfluxDB (compressing
    // would only cost CPU on both ends, and the direct writes are not compressed either).
    DATA_DIR: await mkTemp(ctx, 'data-'),
  };
}

async function mkTemp(ctx: Context, prefix: string): Promise<string> {
  const dir = path.join(ctx.root, `${prefix}${randomBytes(3).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * Ours on Redis + Postgres. With `correlating`, a correlator process works on the same two
 * cores during the window; without, the ingest role is measured alone (as when the
 * correlators run on other machines): alerts are accepted durably into the queue and
 * wait there, which is what Alertmanager's own endpoint is compared with.
 */
async function alertsOursRedis(ctx: Context, correlating: boolean): Promise<LoadResult> {
  const env = { ...(await realServicesEnv(ctx, (await createInfluxDatabase(ctx.influx.url)).name)), QUEUE_MAX_DEPTH: '10000000' };
  const ingest = await startOurApp('ours-ingest-web', env, 'ingest,web', ctx.root, ctx.opts.cpuProf);
  const correlator = correlating ? await startOurApp('ours-correlator-engine', env, 'correlator,engine', ctx.root, ctx.opts.cpuProf) : undefined;
  try {
    const source = new AlertSource(ctx.opts.alertsPerRequest);
    return await withTails(correlator ? [ingest.proc, correlator.proc] : [ingest.proc], () =>
      closedLoop({
        label: correlating ? 'alerts ours (redis, split roles)' : 'alerts ours (redis, ingest role alone)',
        base: ingest.baseUrl,
        seconds: ctx.opts.seconds,
        warmupSeconds: ctx.opts.warmupSeconds,
        concurrency: ctx.opts.concurrency,
        okStatus: 202,
        unit: 'alerts',
        serverPids: () => (correlator ? [ingest.proc.pid, correlator.proc.pid] : [ingest.proc.pid]),
        servicePids: () => pidsWithArgument('redis-server'),
        next: () => ({ path: WEBHOOK, body: source.webhook(), headers: JSON_HEADERS, units: ctx.opts.alertsPerRequest }),
      }),
    );
  } finally {
    if (correlator) await stopProcess(correlator.proc);
    await stopProcess(ingest.proc);
  }
}

async function alertsOursEmbedded(ctx: Context): Promise<LoadResult> {
  const env = { ...ctx.commonEnv, DATA_DIR: await mkTemp(ctx, 'embedded-') };
  const app = await startOurApp('ours-embedded', env, undefined, ctx.root, ctx.opts.cpuProf);
  try {
    const source = new AlertSource(ctx.opts.alertsPerRequest);
    return await withTails([app.proc], () =>
      closedLoop({
        label: 'alerts ours (embedded, all roles)',
        base: app.baseUrl,
        seconds: ctx.opts.seconds,
        warmupSeconds: ctx.opts.warmupSeconds,
        concurrency: ctx.opts.concurrency,
        okStatus: 202,
        unit: 'alerts',
        serverPids: () => [app.proc.pid],
        next: () => ({ path: WEBHOOK, body: source.webhook(), headers: JSON_HEADERS, units: ctx.opts.alertsPerRequest }),
      }),
    );
  } finally {
    await stopProcess(app.proc);
  }
}

async function alertsAlertmanager(ctx: Context): Promise<LoadResult & { version: string }> {
  const dir = await mkTemp(ctx, 'alertmanager-');
  const version = /version (\S+)/.exec(execFileSync(ALERTMANAGER_BIN, ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  // A receiver with no integrations: Alertmanager stores, groups and dispatches, sends nothing.
  const am = await startAlertmanager({
    dir,
    logPath: path.join(ctx.root, 'alertmanager.log'),
    onSpawn: track,
    logLevel: 'warn',
    config: `route:
  receiver: blackhole
  group_by: ['alertname', 'service']
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: blackhole
`,
  });
  try {
    const source = new AlertSource(ctx.opts.alertsPerRequest);
    const result = await withTails([am.proc], () =>
      closedLoop({
        label: `alerts Alertmanager ${version}`,
        base: am.baseUrl,
        seconds: ctx.opts.seconds,
        warmupSeconds: ctx.opts.warmupSeconds,
        concurrency: ctx.opts.concurrency,
        okStatus: 200,
        unit: 'alerts',
        serverPids: () => [am.proc.pid],
        next: () => ({ path: '/api/v2/alerts', body: source.postable(), headers: JSON_HEADERS, units: ctx.opts.alertsPerRequest }),
      }),
    );
    return { ...result, version };
  } finally {
    await stopProcess(am.proc);
  }
}

/**
 * Direct and through us, `--rounds` times, the order alternating so neither side always
 * runs right after the other's writes (InfluxDB compacts them meanwhile) or in the same
 * part of a noisy neighbour's work. Both sides: the same line source, lines per request,
 * requests in flight and content type; each its own database. One app process serves all
 * rounds; the first measurement of each side follows a warm-up.
 */
async function points(ctx: Context): Promise<PointsResult> {
  const { opts, influx } = ctx;
  const headers = { 'content-type': 'text/plain; charset=utf-8' };
  const directDb = (await createInfluxDatabase(influx.url)).name;
  const directLines = new LineSource(opts.batchLines);
  const oursDb = (await createInfluxDatabase(influx.url)).name;
  const oursLines = new LineSource(opts.batchLines);
  const env = await realServicesEnv(ctx, oursDb);
  const app = await startOurApp('ours-points', env, 'ingest,web', ctx.root, opts.cpuProf);
  let directWarm = false;
  let oursWarm = false;
  /** Points our app answered 204 for so far: InfluxDB holds them all once drained. */
  let oursAccepted = 0;

  // Directly into InfluxDB: its 204 means stored.
  const direct = async (round: number): Promise<PointsRound['direct']> => {
    const load = {
      base: influx.url,
      concurrency: opts.pointsConcurrency,
      okStatus: 204,
      unit: 'points',
      warmupSeconds: 0,
      serverPids: () => [],
      servicePids: () => [influx.pid],
      next: () => ({ path: `/write?db=${directDb}&precision=ms`, body: directLines.batch(), headers, units: opts.batchLines }),
    };
    if (!directWarm && opts.warmupSeconds > 0) await closedLoop({ ...load, label: 'points direct (warm-up)', seconds: opts.warmupSeconds });
    directWarm = true;
    const storedBefore = await influxCount(influx.url, directDb);
    const result = await closedLoop({ ...load, label: `points direct to InfluxDB, round ${round}`, seconds: opts.seconds });
    return { ...result, stored: (await influxCount(influx.url, directDb)) - storedBefore };
  };

  // Through us: our 204 means buffered; the clock stops when InfluxDB holds it all.
  const ours = async (round: number): Promise<PointsRound['ours']> => {
    const load = {
      base: app.baseUrl,
      concurrency: opts.pointsConcurrency,
      okStatus: 204,
      unit: 'points',
      serverPids: () => [app.proc.pid],
      servicePids: () => [influx.pid],
      next: () => ({ path: '/api/v1/write?precision=ms', body: oursLines.batch(), headers, units: opts.batchLines }),
    };
    if (!oursWarm && opts.warmupSeconds > 0) {
      oursAccepted += (await closedLoop({ ...load, label: 'points through us (warm-up)', seconds: opts.warmupSeconds, warmupSeconds: 0 })).units;
    }
    oursWarm = true;
    // Everything accepted before is stored before the clock starts.
    await waitForCount(influx.url, oursDb, oursAccepted, 120_000, opts.batchLines);
    const baseline = await influxCount(influx.url, oursDb);
    const t0 = performance.now();
    const result = await closedLoop({ ...load, label: `points through us into InfluxDB, round ${round}`, seconds: opts.seconds, warmupSeconds: 0 });
    oursAccepted += result.units;
    const loopEnd = t0 + result.seconds * 1000;
    const storedAt = await waitForCount(influx.url, oursDb, baseline + result.units, 120_000, opts.batchLines);
    const stored = (await influxCount(influx.url, oursDb)) - baseline;
    const elapsed = (storedAt - t0) / 1000;
    const r = { ...result, stored, drainSeconds: (storedAt - loopEnd) / 1000, storedPerSecond: stored / elapsed };
    progressDone(`[points through us, round ${round}] ${fmt(r.storedPerSecond)} points/s stored (drain ${fmt(r.drainSeconds, 1)} s after the load)`);
    return r;
  };

  try {
    return await withTails([app.proc], async () => {
      const rounds: PointsRound[] = [];
      for (let round = 1; round <= opts.rounds; round++) {
        const directFirst = round % 2 === 1;
        let d: PointsRound['direct'];
        let o: PointsRound['ours'];
        if (directFirst) {
          d = await direct(round);
          o = await ours(round);
        } else {
          o = await ours(round);
          d = await direct(round);
        }
        const ratio = o.storedPerSecond / d.perSecond;
        progressDone(`[points, round ${round}] through us / direct: ${fmt(ratio, 2)}`);
        rounds.push({ round, order: directFirst ? 'direct first' : 'ours first', direct: d, ours: o, ratio });
      }
      const sum = (f: (r: PointsRound) => number): number => rounds.reduce((total, r) => total + f(r), 0);
      const oursRate = sum((r) => r.ours.stored) / sum((r) => r.ours.stored / r.ours.storedPerSecond);
      const directRate = sum((r) => r.direct.units) / sum((r) => r.direct.seconds);
      return { rounds, ratio: median(rounds.map((r) => r.ratio)), pooledRatio: oursRate / directRate };
    });
  } finally {
    await stopProcess(app.proc);
  }
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/**
 * Fixed-rate (open loop) alerts and points against one ingest process while a correlator
 * process drains the queue; the ingest process' RSS is sampled every 5 s.
 */
async function sustain(ctx: Context): Promise<SustainResult> {
  const { opts } = ctx;
  const env = await realServicesEnv(ctx, (await createInfluxDatabase(ctx.influx.url)).name);
  const ingest = await startOurApp('sustain-ingest-web', env, 'ingest,web', ctx.root, false);
  const correlator = await startOurApp('sustain-correlator-engine', env, 'correlator,engine', ctx.root, false);
  // Open loop: a slow answer must not slow the sender down, up to a bound on requests in flight.
  const maxInFlight = opts.concurrency * 4;
  const client = poster(ingest.baseUrl, maxInFlight);
  try {
    return await withTails([ingest.proc, correlator.proc], async () => {
      const alerts = new AlertSource(opts.alertsPerRequest);
      const lines = new LineSource(opts.batchLines);
      const statuses: Record<string, number> = {};
      let inFlight = 0;
      let alertsSent = 0;
      let alertsAccepted = 0;
      let pointsSent = 0;
      let pointsAccepted = 0;
      const fire = (req: Request, okStatus: number, onOk: (n: number) => void): void => {
        // Bounded: a server that falls behind is measured by its statuses, not by our queue.
        if (inFlight >= maxInFlight) {
          statuses.skipped = (statuses.skipped ?? 0) + 1;
          return;
        }
        inFlight++;
        client
          .send(req.path, req.body, req.headers)
          .then((s) => {
            statuses[s.status] = (statuses[s.status] ?? 0) + 1;
            if (s.status === okStatus) onOk(req.units);
          })
          .catch(() => {
            statuses.error = (statuses.error ?? 0) + 1;
          })
          .finally(() => inFlight--);
      };
      const alertRequestsPerSecond = opts.sustainAlertsPerSecond / opts.alertsPerRequest;
      const pointRequestsPerSecond = opts.sustainPointsPerSecond / opts.batchLines;
      // Sampling starts after the warm-up, once the process has reached its working size.
      const start = performance.now();
      const t0 = start + opts.warmupSeconds * 1000;
      const end = t0 + opts.sustainSeconds * 1000;
      const samples: Array<{ t: number; rssBytes: number }> = [];
      let alertDue = start;
      let pointDue = start;
      let nextSample = t0;
      while (performance.now() < end) {
        const now = performance.now();
        while (alertDue <= now) {
          alertsSent += opts.alertsPerRequest;
          fire({ path: WEBHOOK, body: alerts.webhook(), headers: JSON_HEADERS, units: opts.alertsPerRequest }, 202, (n) => (alertsAccepted += n));
          alertDue += 1000 / alertRequestsPerSecond;
        }
        while (pointRequestsPerSecond > 0 && pointDue <= now) {
          pointsSent += opts.batchLines;
          fire({ path: '/api/v1/write?precision=ms', body: lines.batch(), headers: { 'content-type': 'text/plain' }, units: opts.batchLines }, 204, (n) => (pointsAccepted += n));
          pointDue += 1000 / pointRequestsPerSecond;
        }
        if (now >= nextSample) {
          const rss = rssMiB(ingest.proc.pid) * 1024 * 1024;
          if (!Number.isFinite(rss)) throw new Error('the ingest process is gone');
          samples.push({ t: (now - t0) / 1000, rssBytes: rss });
          nextSample += 5_000;
          const elapsed = (now - start) / 1000 || 1;
          progress(
            `[sustain] ${fmt((now - t0) / 1000)} s / ${opts.sustainSeconds} s  RSS ${fmt(rss / 2 ** 20, 1)} MiB  ` +
              `${fmt(alertsAccepted / elapsed)} alerts/s, ${fmt(pointsAccepted / elapsed)} points/s accepted`,
          );
        }
        await sleep(Math.max(1, Math.min(alertDue, pointRequestsPerSecond > 0 ? pointDue : Infinity, nextSample) - performance.now()));
      }
      while (inFlight > 0) await sleep(10);
      const windowSeconds = Math.min(60, opts.sustainSeconds / 3);
      const avg = (xs: Array<{ rssBytes: number }>) => xs.reduce((s, x) => s + x.rssBytes, 0) / xs.length;
      const first = samples.filter((s) => s.t < windowSeconds);
      const last = samples.filter((s) => s.t >= opts.sustainSeconds - windowSeconds);
      const firstAvgBytes = avg(first);
      const lastAvgBytes = avg(last);
      const change = (lastAvgBytes - firstAvgBytes) / firstAvgBytes;
      const result = {
        seconds: opts.sustainSeconds,
        samples,
        windowSeconds,
        firstAvgBytes,
        lastAvgBytes,
        change,
        withinTenPercent: Math.abs(change) <= 0.1,
        alertsSent,
        alertsAccepted,
        pointsSent,
        pointsAccepted,
        statuses,
      };
      progressDone(
        `[sustain] RSS first ${fmt(windowSeconds)} s ${fmt(firstAvgBytes / 2 ** 20, 1)} MiB, last ${fmt(windowSeconds)} s ${fmt(lastAvgBytes / 2 ** 20, 1)} MiB ` +
          `(${change >= 0 ? '+' : ''}${fmt(change * 100, 1)} %), statuses ${JSON.stringify(statuses)}`,
      );
      return result;
    });
  } finally {
    client.close();
    await stopProcess(correlator.proc);
    await stopProcess(ingest.proc);
  }
}

async function withTails<T>(procs: ManagedProcess[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    process.stderr.write(`\n${(err as Error).message}\nprocess logs:\n${tails(procs)}\n`);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------
// Profiles: the heaviest functions by self time, from V8's .cpuprofile files.

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }>;
  samples?: number[];
}

/** The main thread's profile of each process started since `since`: the one with the most busy samples. */
function summarizeProfiles(since: number): string[] {
  const out: string[] = [];
  let dirs: string[];
  try {
    dirs = readdirSync(PROFILE_DIR).filter((d) => Number(d.split('.').at(-1)) >= since);
  } catch {
    return out;
  }
  for (const dir of dirs) {
    const profiles = readdirSync(path.join(PROFILE_DIR, dir))
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => ({ f: path.join(dir, f), p: JSON.parse(readFileSync(path.join(PROFILE_DIR, dir, f), 'utf8')) as CpuProfile }));
    const busySamples = (p: CpuProfile): number => p.nodes.reduce((s, n) => s + (n.callFrame.functionName === '(idle)' ? 0 : (n.hitCount ?? 0)), 0);
    const main = profiles.sort((a, b) => busySamples(b.p) - busySamples(a.p))[0];
    if (main === undefined) continue;
    const { f, p: profile } = main;
    const total = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    const idle = profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').reduce((s, n) => s + (n.hitCount ?? 0), 0);
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parentOf = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
    const ours = (url: string): boolean => url.startsWith(`file://${REPO_ROOT}/`) && !url.includes('/node_modules/');
    const keyOf = (n: CpuProfile['nodes'][number]): string => {
      const url = n.callFrame.url.replace(`file://${REPO_ROOT}/`, '').replace(/^.*node_modules\//, '');
      return `${n.callFrame.functionName || '(anonymous)'} ${url}${url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
    };
    const bySelf = new Map<string, number>();
    // Inclusive time of our own functions: what the request path spends where.
    const inclusiveOurs = new Map<string, number>();
    for (const n of profile.nodes) {
      if (!n.hitCount || n.callFrame.functionName === '(idle)') continue;
      bySelf.set(keyOf(n), (bySelf.get(keyOf(n)) ?? 0) + n.hitCount);
      const seen = new Set<string>();
      for (let id: number | undefined = n.id; id !== undefined; id = parentOf.get(id)) {
        const m = byId.get(id)!;
        if (!ours(m.callFrame.url)) continue;
        const k = keyOf(m);
        if (seen.has(k)) continue;
        seen.add(k);
        inclusiveOurs.set(k, (inclusiveOurs.get(k) ?? 0) + n.hitCount);
      }
    }
    const busy = total - idle;
    const pct = (v: number): string => `${fmt((v / Math.max(busy, 1)) * 100, 1).padStart(5)} %`;
    out.push(`${f} (busy ${fmt((busy / Math.max(total, 1)) * 100)} % of samples); share of busy time, self:`);
    for (const [k, v] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 12)) out.push(`  ${pct(v)}  ${k}`);
    out.push('  inclusive, our code:');
    for (const [k, v] of [...inclusiveOurs].sort((a, b) => b[1] - a[1]).slice(0, 10)) out.push(`  ${pct(v)}  ${k}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Report

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

function reproduceCommand(opts: Options): string {
  const parts = ['npm run bench:ingest --', `--seconds ${opts.seconds}`, `--warmup-seconds ${opts.warmupSeconds}`, `--sustain-seconds ${opts.sustainSeconds}`];
  parts.push(`--concurrency ${opts.concurrency}`, `--alerts-per-request ${opts.alertsPerRequest}`, `--batch-lines ${opts.batchLines}`);
  parts.push(`--points-concurrency ${opts.pointsConcurrency}`, `--rounds ${opts.rounds}`);
  parts.push(`--sustain-alerts-per-second ${opts.sustainAlertsPerSecond}`, `--sustain-points-per-second ${opts.sustainPointsPerSecond}`);
  if (opts.phases.size !== PHASES.length) parts.push(`--only ${[...opts.phases].join(',')}`);
  if (opts.cpuProf) parts.push('--cpu-prof');
  return parts.join(' ');
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const startedAt = Date.now();
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\ninterrupted: stopping every process this benchmark started\n');
    void runCleanups().finally(() => process.exit(130));
  });

  mkdirSync(RESULTS_DIR, { recursive: true });
  if (opts.cpuProf) mkdirSync(PROFILE_DIR, { recursive: true });
  const root = await tempDir('aiops-bench-ingest-');
  onCleanup(`remove ${root}`, () => rm(root, { recursive: true, force: true }));
  process.stderr.write(`logs: ${root}\n`);

  const results: Record<string, unknown> = { startedAt: new Date(startedAt).toISOString(), options: { ...opts, phases: [...opts.phases] } };
  let exitCode = 0;
  try {
    const influx = await startInfluxd();
    onCleanup(`stop influxd (pid ${influx.pid})`, () => influx.stop());
    const pg = await createTestDatabase();
    onCleanup(`drop Postgres database ${pg.name}`, () => pg.drop());
    const ctx: Context = {
      opts,
      root,
      influx,
      pg,
      // The benchmark measures throughput: the per-source rate limit is lifted (its check still runs).
      commonEnv: { LOG_LEVEL: 'warn', INGEST_AUTH: 'disabled', INGEST_RATE_LIMIT_PER_MINUTE: '10000000' },
    };
    const machine = { cpus: (await import('node:os')).cpus().length, node: process.version };
    results.machine = machine;

    // Alert phases, interleaved round by round so a noisy neighbour hurts every target alike.
    const alertRuns: Record<string, LoadResult[]> = {};
    const alertPhases: Array<[Phase, string, () => Promise<LoadResult>]> = [
      ['alerts-redis', 'ours (redis, split roles)', () => alertsOursRedis(ctx, true)],
      ['alerts-ingest', 'ours (redis, ingest role alone)', () => alertsOursRedis(ctx, false)],
      ['alerts-embedded', 'ours (embedded, all roles)', () => alertsOursEmbedded(ctx)],
      ['alerts-alertmanager', 'Alertmanager', () => alertsAlertmanager(ctx)],
    ];
    for (let round = 1; round <= opts.rounds; round++) {
      for (const [phase, name, run] of alertPhases) {
        if (!opts.phases.has(phase)) continue;
        const r = await run();
        (alertRuns[name] ??= []).push({ ...r, label: opts.rounds > 1 ? `${r.label}, round ${round}` : r.label });
      }
    }
    results.alerts = alertRuns;
    const medianRate = (rs: LoadResult[]): number => median(rs.map((r) => r.perSecond));
    let pts: PointsResult | undefined;
    if (opts.phases.has('points')) results.points = pts = await points(ctx);
    let sus: SustainResult | undefined;
    if (opts.phases.has('sustain')) results.sustain = sus = await sustain(ctx);

    // ----- print
    const lines: string[] = [];
    lines.push(`\nIngest benchmark, ${machine.cpus} CPU(s), Node ${machine.node}; ${opts.seconds} s per phase after ${opts.warmupSeconds} s warm-up`);
    const alertRows = Object.values(alertRuns).flat();
    if (alertRows.length > 0) {
      lines.push(`\nAlerts: ${opts.alertsPerRequest} alerts per request, ${opts.concurrency} requests in flight, keep-alive`);
      lines.push(
        table([
          ['target', 'alerts/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'server CPU', 'Redis CPU', 'client CPU', 'load avg'],
          ...alertRows.map((r) => [
            r.label,
            fmt(r.perSecond),
            fmt(r.p50Ms, 1),
            fmt(r.p99Ms, 1),
            fmt(r.requests),
            fmt(r.requests - r.ok),
            fmt(r.serverCpuCores, 2),
            r.serviceCpuCores === undefined ? '' : fmt(r.serviceCpuCores, 2),
            fmt(r.clientCpuCores, 2),
            fmt(r.loadAvg, 1),
          ]),
        ]),
      );
      lines.push('CPU in cores (CPU seconds per second) over the measured window; load avg: the 1-minute load average at its end.');
      const am = alertRuns.Alertmanager;
      if (am !== undefined) {
        const amMedian = medianRate(am);
        for (const [name, runs] of Object.entries(alertRuns).filter(([n]) => n !== 'Alertmanager')) {
          const ratio = medianRate(runs) / amMedian;
          ((results.alertRatiosToAlertmanager ??= {}) as Record<string, number>)[name] = ratio;
          const of = opts.rounds > 1 ? ` (medians of ${opts.rounds} rounds)` : '';
          lines.push(`${name} / Alertmanager${of}: ${fmt(ratio, 2)}× (target ≥ 1.5×: ${ratio >= 1.5 ? 'met' : 'NOT met'})`);
        }
      }
    }
    if (pts !== undefined) {
      lines.push(
        `\nPoints: line protocol, ${opts.batchLines} lines per request, ${opts.pointsConcurrency} requests in flight, both sides; ` +
          `${pts.rounds.length} round(s), the order alternating`,
      );
      const rows: string[][] = [['round: path', 'points/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'stored', 'our CPU', 'InfluxDB CPU', 'load avg']];
      for (const r of pts.rounds) {
        rows.push([
          `${r.round} (${r.order}): direct to InfluxDB`,
          fmt(r.direct.perSecond),
          fmt(r.direct.p50Ms, 1),
          fmt(r.direct.p99Ms, 1),
          fmt(r.direct.requests),
          fmt(r.direct.requests - r.direct.ok),
          fmt(r.direct.stored),
          '',
          fmt(r.direct.serviceCpuCores ?? Number.NaN, 2),
          fmt(r.direct.loadAvg, 1),
        ]);
        rows.push([
          `${r.round}: through us (stored/s; accepted ${fmt(r.ours.perSecond)}/s, drain ${fmt(r.ours.drainSeconds, 1)} s)`,
          fmt(r.ours.storedPerSecond),
          fmt(r.ours.p50Ms, 1),
          fmt(r.ours.p99Ms, 1),
          fmt(r.ours.requests),
          fmt(r.ours.requests - r.ours.ok),
          fmt(r.ours.stored),
          fmt(r.ours.serverCpuCores, 2),
          fmt(r.ours.serviceCpuCores ?? Number.NaN, 2),
          fmt(r.ours.loadAvg, 1),
        ]);
      }
      lines.push(table(rows));
      lines.push('CPU in cores over the measured window (through us: the load only, not the drain); non-2xx through us are 503s of backpressure.');
      lines.push(`through us / direct, per round: ${pts.rounds.map((r) => fmt(r.ratio, 2)).join(', ')}`);
      lines.push(`median: ${fmt(pts.ratio, 2)} (target ≥ 0.8: ${pts.ratio >= 0.8 ? 'met' : 'NOT met'}); all rounds pooled: ${fmt(pts.pooledRatio, 2)}`);
    }
    if (sus !== undefined) {
      lines.push(
        `\nMemory: ingest process RSS over ${sus.seconds} s at ${fmt(opts.sustainAlertsPerSecond)} alerts/s + ${fmt(opts.sustainPointsPerSecond)} points/s ` +
          `(accepted ${fmt(sus.alertsAccepted)} of ${fmt(sus.alertsSent)} alerts, ${fmt(sus.pointsAccepted)} of ${fmt(sus.pointsSent)} points)`,
      );
      lines.push(
        table([
          ['window', 'avg RSS MiB'],
          [`first ${fmt(sus.windowSeconds)} s`, fmt(sus.firstAvgBytes / 2 ** 20, 1)],
          [`last ${fmt(sus.windowSeconds)} s`, fmt(sus.lastAvgBytes / 2 ** 20, 1)],
        ]),
      );
      lines.push(`change ${sus.change >= 0 ? '+' : ''}${fmt(sus.change * 100, 1)} % (within 10 %: ${sus.withinTenPercent ? 'yes' : 'NO'}); statuses ${JSON.stringify(sus.statuses)}`);
    }
    if (opts.cpuProf) {
      const summary = summarizeProfiles(startedAt);
      results.profiles = summary;
      lines.push(`\nCPU profiles (${path.relative(REPO_ROOT, PROFILE_DIR)}):`, ...summary);
    }
    lines.push(`\nreproduce: ${reproduceCommand(opts)}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (err) {
    exitCode = 1;
    process.stderr.write(`\nbenchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.stderr.write(`reproduce: ${reproduceCommand(opts)}\n`);
  } finally {
    results.finishedAt = new Date().toISOString();
    writeFileSync(path.join(RESULTS_DIR, 'ingest.json'), `${JSON.stringify(results, null, 2)}\n`);
    await runCleanups();
    if (running.length > 0) process.stderr.write(`still running after cleanup: ${running.map((p) => p.pid).join(', ')}\n`);
  }
  process.exit(exitCode);
}

await main();
