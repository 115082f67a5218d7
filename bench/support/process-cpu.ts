/**
 * CPU and memory of processes on this machine, from /proc (Linux), for the end-to-end
 * benchmarks' per-alert cost figures. NaN elsewhere or once a process is gone.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks a second, the unit of /proc's CPU times (100 on nearly every Linux). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds (user + system) a process has used; with `reaped`, also what its children that
 * have exited and been waited for used (`cutime`, `cstime`).
 */
export function cpuSeconds(pid: number, reaped = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    return (reaped ? own + Number(fields[13]) + Number(fields[14]) : own) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of these processes together (their own, not their children's); gone ones count 0. */
export function pidsCpuSeconds(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) {
    const s = cpuSeconds(pid);
    if (Number.isFinite(s)) sum += s;
  }
  return sum;
}

/**
 * CPU seconds of every process with this command name (`comm`) on this machine, including
 * children that have exited. A server's short-lived processes (a Postgres backend whose pooled
 * connection closed, an autovacuum worker) take their CPU with them when they exit. Their
 * parent, once it has reaped them, carries it, so it is counted there.
 */
export function commandCpuSeconds(comm: string): number {
  let sum = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === comm) {
        const s = cpuSeconds(Number(d), true);
        if (Number.isFinite(s)) sum += s;
      }
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}

/** CPU seconds of every Postgres server process on this machine (others' work included). */
export function postgresCpuSeconds(): number {
  return commandCpuSeconds('postgres');
}

/** CPU seconds of this process, user and system. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Resident memory of a process, MiB. */
export function rssMiB(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? Number.NaN : Number(kb) / 1024;
  } catch {
    return Number.NaN;
  }
}
