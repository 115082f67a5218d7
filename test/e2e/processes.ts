/**
 * Child processes for end-to-end tests: the app started the way an operator starts it
 * (`npm start`'s `node … --import tsx bin/main.ts`), and third-party servers (Prometheus, Alertmanager).
 * Every process logs to its own file, is stopped by its own PID (SIGTERM, then SIGKILL
 * after a grace period) and is SIGKILLed if the test worker exits without stopping it.
 * Ports are probed free by binding port 0; a start that loses the port to someone else
 * between probe and bind is retried on a fresh port.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../support/free-port.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopResult extends Exit {
  /** True when the process ignored SIGTERM for the whole grace period and was SIGKILLed. */
  forced: boolean;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  readonly exited: Promise<Exit>;
  /** Set once the process has exited. */
  readonly exit: Exit | undefined;
  tail(lines?: number): string;
  /** SIGTERM by PID, SIGKILL after `graceMs`; resolves once the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<StopResult>;
}

/** Thrown when a server exited because its port was taken; the caller may retry on another port. */
export class PortInUseError extends Error {}

const DEFAULT_GRACE_MS = 10_000;

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}


export function logTail(logPath: string, lines = 40): string {
  try {
    return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') || '(empty log)';
  } catch {
    return '(no log)';
  }
}

/** Only what a process needs from the developer's shell: no DATABASE_URL, REDIS_URL, NODE_OPTIONS… leaking in. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const k of ['HOME', 'LANG', 'TMPDIR', 'TZ']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

export interface StartOptions {
  cwd: string;
  env: Record<string, string>;
  /** Appended to, so the retries of one start share one log. */
  logPath: string;
}

export function startProcess(name: string, command: string, args: string[], opts: StartOptions): ManagedProcess {
  const fd = openSync(opts.logPath, 'a');
  let child;
  try {
    child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  const proc = child;
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    proc.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    // A spawn failure (ENOENT, EACCES) emits 'error' and never 'exit'.
    proc.once('error', () => {
      if (proc.pid === undefined) {
        exit = { code: null, signal: null };
        resolve(exit);
      }
    });
  });
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`could not start ${name}: ${command} ${args.join(' ')}`);

  // Safety net: a worker that dies mid-test must not leave the process behind.
  const killOnExit = (): void => {
    if (exit === undefined) signal(pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));

  let stopping: Promise<StopResult> | undefined;
  return {
    name,
    pid,
    logPath: opts.logPath,
    exited,
    get exit() {
      return exit;
    },
    tail: (lines) => logTail(opts.logPath, lines),
    stop(graceMs = DEFAULT_GRACE_MS) {
      stopping ??= (async () => {
        if (exit !== undefined) return { ...exit, forced: false };
        signal(pid, 'SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const inTime = await Promise.race([
          exited.then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), graceMs);
          }),
        ]);
        clearTimeout(timer);
        if (!inTime) signal(pid, 'SIGKILL');
        return { ...(await exited), forced: !inTime };
      })();
      return stopping;
    },
  };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Polls `url` until it answers with a 2xx status. Fails at once, with the log tail, if
 * the process exits first; a PortInUseError when the log says the port was taken.
 */
export async function waitForHttp(proc: ManagedProcess, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (proc.exit !== undefined) {
      const tail = proc.tail();
      const message = `${proc.name} (pid ${proc.pid}) exited (${proc.exit.code ?? proc.exit.signal}) before ${url} answered; log tail:\n${tail}`;
      throw /EADDRINUSE|address already in use/i.test(tail) ? new PortInUseError(message) : new Error(message);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${proc.name} (pid ${proc.pid}) did not answer ${url} within ${timeoutMs} ms (${last}); log tail:\n${proc.tail()}`);
}

/**
 * Starts a server on a free port and waits until `readyPath` answers; retries on a new
 * port when the probed one was taken in between. A failed attempt's process is stopped.
 */
export async function startOnFreePort(
  name: string,
  launch: (port: number) => Promise<ManagedProcess> | ManagedProcess,
  readyPath: string,
  timeoutMs = 30_000,
): Promise<{ proc: ManagedProcess; port: number; baseUrl: string }> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const proc = await launch(port);
    const baseUrl = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(proc, `${baseUrl}${readyPath}`, timeoutMs);
      return { proc, port, baseUrl };
    } catch (err) {
      await proc.stop(2_000);
      lastError = err;
      if (!(err instanceof PortInUseError)) break;
    }
  }
  throw new Error(`could not start ${name}`, { cause: lastError });
}

export interface AppProcess {
  proc: ManagedProcess;
  port: number;
  baseUrl: string;
}

/**
 * The node arguments of `npm start` (package.json's start script, `node <flags> --import tsx
 * bin/main.ts`): tests and benchmarks run the app with the flags production runs it with.
 */
export const START_ARGS: string[] = (() => {
  const start = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
  if (start[0] !== 'node' || start.at(-1) !== 'bin/main.ts') throw new Error(`package.json's start script is not \`node … bin/main.ts\`: ${start.join(' ')}`);
  return start.slice(1);
})();

/**
 * Starts the app as its own process, `node <start flags> --import tsx bin/main.ts [--role …]`, with
 * exactly `env` (plus PATH/HOME) and a port of its own, and waits for /healthz. The node
 * process is the app itself (no tsx wrapper process), so its PID is the one to signal.
 */
export function startApp(opts: {
  name: string;
  env: Record<string, string>;
  roles?: string;
  logDir: string;
  timeoutMs?: number;
  /** Called with each spawned process before it is ready, so a caller can stop it even if the start times out. */
  onSpawn?: (proc: ManagedProcess) => void;
}): Promise<AppProcess> {
  const args = [...START_ARGS, ...(opts.roles ? ['--role', opts.roles] : [])];
  return startOnFreePort(
    opts.name,
    (port) => {
      const proc = startProcess(opts.name, process.execPath, args, {
        cwd: REPO_ROOT,
        env: { ...baseEnv(), ...opts.env, PORT: String(port), HOST: '127.0.0.1' },
        logPath: path.join(opts.logDir, `${opts.name}.log`),
      });
      opts.onSpawn?.(proc);
      return proc;
    },
    '/healthz',
    opts.timeoutMs,
  );
}

/** PIDs of processes whose command line contains `needle` (e.g. a unique temp path). */
export function pidsWithArgument(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids.filter((p) => p !== process.pid);
}

/** SIGKILLs by PID every process whose command line contains `needle`; returns how many there were. */
export function killProcessesWithArgument(needle: string): number {
  const pids = pidsWithArgument(needle);
  for (const pid of pids) signal(pid, 'SIGKILL');
  return pids.length;
}

/** Log tails of several processes, for a failure message. */
export function tails(procs: Array<ManagedProcess | undefined>, lines = 30): string {
  return procs
    .filter((p): p is ManagedProcess => p !== undefined)
    .map((p) => `--- ${p.name} (pid ${p.pid}${p.exit ? `, exited ${p.exit.code ?? p.exit.signal}` : ''}) ${p.logPath}\n${p.tail(lines)}`)
    .join('\n');
}

/** Runs `fn`; if it throws, rethrows with the processes' log tails appended. */
export async function withLogs<T>(procs: () => Array<ManagedProcess | undefined>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    e.message = `${e.message}\n\nprocess logs:\n${tails(procs())}`;
    throw e;
  }
}

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

export interface SenderOptions {
  /** A fresh folder of its own: config, data and HOME live there. */
  dir: string;
  /** The YAML configuration, written to `<dir>/<name>.yml`; a function gets the port it will listen on. */
  config: string | ((port: number) => string);
  logPath: string;
  /** Called with each spawned process, so a caller can stop it even if the start fails. */
  onSpawn?: (proc: ManagedProcess) => void;
  logLevel?: 'debug' | 'info' | 'warn';
}

/**
 * Starts one of Debian's Prometheus-family daemons on 127.0.0.1 with its YAML config in
 * `opts.dir`, ready when `/-/ready` answers. `args` gets the config file and the port.
 */
function startPromDaemon(name: string, bin: string, opts: SenderOptions, args: (configFile: string, port: number) => string[]): Promise<AppProcess> {
  const configFile = path.join(opts.dir, `${name}.yml`);
  return startOnFreePort(
    name,
    async (port) => {
      await writeFile(configFile, typeof opts.config === 'string' ? opts.config : opts.config(port));
      const proc = startProcess(name, bin, [...args(configFile, port), `--web.listen-address=127.0.0.1:${port}`, `--log.level=${opts.logLevel ?? 'info'}`], {
        cwd: opts.dir,
        env: { ...baseEnv(), HOME: opts.dir },
        logPath: opts.logPath,
      });
      opts.onSpawn?.(proc);
      return proc;
    },
    '/-/ready',
  );
}

/** Debian's Alertmanager on 127.0.0.1, alone (no cluster). */
export function startAlertmanager(opts: SenderOptions): Promise<AppProcess> {
  return startPromDaemon('alertmanager', ALERTMANAGER_BIN, opts, (configFile) => [
    `--config.file=${configFile}`,
    `--storage.path=${path.join(opts.dir, 'data')}`,
    // Empty: no gossip listener, one Alertmanager on its own.
    '--cluster.listen-address=',
  ]);
}

/** Debian's Prometheus on 127.0.0.1. */
export function startPrometheus(opts: SenderOptions & { extraArgs?: string[] }): Promise<AppProcess> {
  return startPromDaemon('prometheus', PROMETHEUS_BIN, opts, (configFile) => [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(opts.dir, 'data')}`,
    ...(opts.extraArgs ?? []),
  ]);
}
