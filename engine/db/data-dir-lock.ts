/**
 * One process at a time on an embedded (PGlite) database. PGlite takes no lock of its
 * own: a second process opening the same folder (a second server, or the token CLI
 * while the server runs) would silently corrupt it. The holder writes its pid to
 * `<dataDir>/pglite.lock`; a lock whose process is gone (or is this very process, as
 * after a container restart where pids repeat) is stale and taken over.
 */
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';

export class DataDirLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly pid: number,
    readonly holder: string,
  ) {
    super(`the embedded database in ${path.dirname(lockPath)} is in use by process ${pid} (${holder})`);
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

/** Takes the lock or throws DataDirLockedError naming the process that holds it. */
export async function lockDataDir(dataDir: string, holder: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'pglite.lock');
  const content = JSON.stringify({ pid: process.pid, holder, since: new Date().toISOString() });
  for (let attempt = 0; ; attempt++) {
    try {
      const file = await open(lockPath, 'wx', 0o600);
      try {
        await file.writeFile(`${content}\n`);
      } finally {
        await file.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const other = await readLock(lockPath);
      if (other && other.pid !== process.pid && isAlive(other.pid)) throw new DataDirLockedError(lockPath, other.pid, other.holder);
      await unlink(lockPath).catch(() => undefined);
    }
  }
  return {
    async release() {
      const current = await readLock(lockPath);
      if (current?.pid === process.pid) await unlink(lockPath).catch(() => undefined);
    },
  };
}

async function readLock(lockPath: string): Promise<{ pid: number; holder: string } | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockPath, 'utf8')) as { pid?: unknown; holder?: unknown };
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, holder: String(parsed.holder ?? 'unknown') } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
