/**
 * One active correlator at a time (ADR 0005): the correlation engine keeps its state in memory,
 * so two processes deciding about the same alerts would each open their own incidents. Every
 * correlator process asks for a Postgres session advisory lock on a dedicated connection; the
 * one that holds it correlates, the others wait as hot standbys. When the holder dies its
 * connection closes, Postgres releases the lock, and a standby takes over (rebuilding the
 * engine's memory from the store). The holder checks its connection every `pollMs`; if it is
 * lost, it stops being leader until it wins the lock again.
 */
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../engine/db/tables.ts';

export interface LeadershipEvents {
  /** Called once each time the lock is won, before `isLeader` turns true. */
  onAcquired(): Promise<void>;
  onLost(err: unknown): void;
}

export class AdvisoryLeadership {
  private stopped = false;
  private leader = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly db: Kysely<DB>,
    private readonly lockName: string,
    private readonly pollMs: number,
  ) {}

  get isLeader(): boolean {
    return this.leader;
  }

  /** Resolves once this process leads (immediately if it does). */
  whenLeader(): Promise<void> {
    if (this.leader) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  start(events: LeadershipEvents): void {
    this.loop ??= (async () => {
      while (!this.stopped) {
        try {
          await this.db.connection().execute(async (conn) => {
            while (!this.stopped) {
              const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(hashtext(${this.lockName})) as ok`.execute(conn);
              if (got.rows[0]?.ok) break;
              await this.sleep();
            }
            if (this.stopped) return;
            try {
              await events.onAcquired();
              this.leader = true;
              for (const w of this.waiters.splice(0)) w();
              while (!this.stopped) {
                await this.sleep();
                await sql`select 1`.execute(conn);
              }
            } finally {
              this.leader = false;
            }
            await sql`select pg_advisory_unlock(hashtext(${this.lockName}))`.execute(conn).catch(() => undefined);
          });
        } catch (err) {
          if (this.stopped) break;
          events.onLost(err);
          await this.sleep();
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
