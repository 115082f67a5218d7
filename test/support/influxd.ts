/**
 * Starts a throwaway InfluxDB 1.x server (Debian's `influxd`) for the test run: its own temp
 * folder for data, meta and WAL, HTTP and RPC bound to free ports on 127.0.0.1, every other
 * listener off, nothing phoning home. `stop()` kills exactly the process it started and
 * removes the folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export const INFLUXD_PATH = '/usr/bin/influxd';

export interface RunningInfluxd {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
/** A free port can be taken by someone else between our probe and influxd's bind. */
const START_ATTEMPTS = 3;

export async function startInfluxd(): Promise<RunningInfluxd> {
  if (!existsSync(INFLUXD_PATH)) {
    throw new Error(`${INFLUXD_PATH} is missing: run \`bash scripts/prepare-test-env.sh\` to install InfluxDB`);
  }
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      return await startOnce();
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortTakenError)) throw err;
    }
  }
  throw lastError;
}

class PortTakenError extends Error {}

async function startOnce(): Promise<RunningInfluxd> {
  const dir = await mkdtemp(join(tmpdir(), 'aiops-influxd-'));
  const logPath = join(dir, 'influxd.log');
  let child: ChildProcess | undefined;
  try {
    const httpPort = await freePort();
    const rpcPort = await freePort();
    const configPath = join(dir, 'influxdb.conf');
    await writeFile(configPath, renderConfig(dir, httpPort, rpcPort));

    const logFd = openSync(logPath, 'a');
    try {
      child = spawn(INFLUXD_PATH, ['run', '-config', configPath], {
        cwd: dir,
        stdio: ['ignore', logFd, logFd],
        // No INFLUXDB_* variables from the developer's shell may override the generated config.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
      });
    } finally {
      closeSync(logFd);
    }
    const proc = child;
    const pid = proc.pid;
    if (pid === undefined) throw new Error(`could not start ${INFLUXD_PATH}`);
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    // Safety net: a crashed test run must not leave the server behind.
    const killOnExit = (): void => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    process.once('exit', killOnExit);

    const url = `http://127.0.0.1:${httpPort}`;
    await waitForPing(url, proc, logPath);

    let stopped: Promise<void> | undefined;
    return {
      url,
      pid,
      stop() {
        stopped ??= (async () => {
          process.removeListener('exit', killOnExit);
          await terminate(proc, exited);
          await rm(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (err) {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const proc = child;
      await terminate(proc, new Promise<void>((resolve) => proc.once('exit', () => resolve())));
    }
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function renderConfig(dir: string, httpPort: number, rpcPort: number): string {
  const q = (s: string): string => JSON.stringify(s);
  // Debian's build renamed upstream's `reporting-disabled` to `reporting-enabled`; both are
  // written so the file means the same to either build (unknown keys are ignored).
  return `reporting-enabled = false
reporting-disabled = true
bind-address = ${q(`127.0.0.1:${rpcPort}`)}

[meta]
  dir = ${q(join(dir, 'meta'))}
  logging-enabled = false

[data]
  dir = ${q(join(dir, 'data'))}
  wal-dir = ${q(join(dir, 'wal'))}
  query-log-enabled = false
  wal-fsync-delay = "0s"

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false
  log-enabled = false

[http]
  enabled = true
  bind-address = ${q(`127.0.0.1:${httpPort}`)}
  auth-enabled = false
  log-enabled = false
  pprof-enabled = false
  unix-socket-enabled = false

[ifql]
  enabled = false

[logging]
  level = "warn"
  suppress-logo = true

[[graphite]]
  enabled = false

[[collectd]]
  enabled = false

[[opentsdb]]
  enabled = false

[[udp]]
  enabled = false
`;
}


async function waitForPing(url: string, proc: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      const tail = logTail(logPath);
      const message = `influxd exited (${proc.exitCode ?? proc.signalCode}) before answering /ping; log tail:\n${tail}`;
      throw /address already in use/i.test(tail) ? new PortTakenError(message) : new Error(message);
    }
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 204) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`influxd did not answer ${url}/ping with 204 within ${READY_TIMEOUT_MS} ms; log tail:\n${logTail(logPath)}`);
}

async function terminate(proc: ChildProcess, exited: Promise<void>): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  const graceful = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_GRACE_MS).unref()),
  ]);
  if (!graceful) {
    proc.kill('SIGKILL');
    await exited;
  }
}

function logTail(logPath: string, lines = 30): string {
  try {
    return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') || '(empty log)';
  } catch {
    return '(no log)';
  }
}
