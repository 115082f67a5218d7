/**
 * Nothing acknowledged is lost: every alert answered with 202 ends up stored and in
 * exactly one incident, even when the process correlating it is killed with SIGKILL
 * mid-batch (real services), or when the whole single process is killed right after
 * acknowledging (embedded defaults: the queue journal and PGlite recover on restart).
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { eventually, testEnvironment } from '../support/test-runtime.ts';
import { type AppProcess, type ManagedProcess, startApp, tails, tempDir } from './processes.ts';

const REQUESTS = 40;
const PER_REQUEST = 50;
const TOTAL = REQUESTS * PER_REQUEST;

/** Posts the whole load; every request must be acknowledged with 202. */
async function postLoad(baseUrl: string, tag: string, requests = REQUESTS): Promise<void> {
  const t0 = Date.now() - 60_000;
  const statuses = await Promise.all(
    Array.from({ length: requests }, async (_, r) => {
      const alerts = Array.from({ length: PER_REQUEST }, (_, i) => ({
        fingerprint: `${tag}-${r}-${i}`,
        labels: { alertname: `Load${i % 5}`, service: `svc-${tag}-${r % 8}`, instance: `host-${i}` },
        startsAt: new Date(t0 + r * 100 + i).toISOString(),
      }));
      const res = await fetch(`${baseUrl}/api/v1/webhooks/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alertmanagerPayload(alerts)),
      });
      return res.status;
    }),
  );
  expect(statuses.filter((s) => s !== 202)).toEqual([]);
}

describe('durability under a real kill', () => {
  const procs: ManagedProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const track = (p: ManagedProcess) => procs.push(p);

  afterAll(async () => {
    for (const p of procs) await p.stop().catch(() => undefined);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('a correlator killed mid-batch loses nothing: the standby beside it takes its batches over, with no duplicate incidents', { timeout: 120_000 }, async () => {
    const root = await tempDir('aiops-e2e-kill-');
    const te = await testEnvironment('real');
    cleanups.push(te.cleanup);
    // One batch at a time, so the leader is killed part-way through the backlog.
    const env: Record<string, string> = { ...te.env, LOG_LEVEL: 'info', QUEUE_LOCK_SECONDS: '2', CORRELATOR_CONCURRENCY: '1' };
    const requests = 3 * REQUESTS;
    const total = requests * PER_REQUEST;
    const db = new pg.Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    cleanups.push(() => db.end());
    const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);

    const ingest: AppProcess = await startApp({ name: 'ingest', env, roles: 'ingest,web', logDir: root, onSpawn: track });
    // Two correlators side by side: the first leads, the second stands by (ADR 0005).
    const leads = (p: AppProcess) => readFileSync(p.proc.logPath, 'utf8').includes('now leads correlation');
    const first = await startApp({ name: 'correlator-1', env, roles: 'correlator', logDir: root, onSpawn: track });
    await eventually(async () => (leads(first) ? true : undefined), 15_000, 'correlator-1 to lead');
    const second = await startApp({ name: 'correlator-2', env, roles: 'correlator', logDir: root, onSpawn: track });
    let victim: AppProcess | undefined = first;
    try {
      await postLoad(ingest.baseUrl, 'k', requests);
      // Kill the leader once it is part-way through the backlog.
      const seen = await eventually(async () => {
        const n = await count('select count(*) as n from alerts');
        return n > 0 ? n : undefined;
      }, 30_000, 'the first correlated alerts');
      expect(leads(second)).toBe(false);
      process.kill(victim.proc.pid, 'SIGKILL');
      await victim.proc.exited;
      const atKill = await count('select count(*) as n from alerts');
      expect(seen).toBeLessThan(total);
      expect(atKill).toBeLessThan(total);
      victim = undefined;
      // The standby wins the lock, rebuilds the engine from the store and takes the killed one's batches over.
      await eventually(async () => (leads(second) ? true : undefined), 15_000, 'correlator-2 to lead');
      await eventually(async () => ((await count('select count(*) as n from alerts')) === total ? true : undefined), 60_000, `all ${total} alerts stored`);
      await eventually(
        async () => ((await count('select count(distinct fingerprint) as n from incident_alerts')) === total ? true : undefined),
        30_000,
        'every alert in an incident',
      );
      expect(await count('select count(*) as n from (select fingerprint from incident_alerts group by fingerprint having count(*) > 1) d')).toBe(0);
      expect(await count('select count(*) as n from alert_events')).toBe(total);
      // 8 services, all within one window: exactly one incident each.
      expect(await count("select count(*) as n from incidents where group_key like 'service=svc-k-%'")).toBe(8);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${tails(procs)}`, { cause: err });
    }
  });

  it('a single embedded process killed right after acknowledging recovers every alert on restart', { timeout: 120_000 }, async () => {
    const root = await tempDir('aiops-e2e-kill-embedded-');
    const te = await testEnvironment('embedded');
    cleanups.push(te.cleanup);
    const env = { ...te.env, LOG_LEVEL: 'warn', INGEST_AUTH: 'disabled' };

    const first = await startApp({ name: 'embedded-1', env, logDir: root, onSpawn: track });
    await postLoad(first.baseUrl, 'e');
    process.kill(first.proc.pid, 'SIGKILL');
    await first.proc.exited;

    const second = await startApp({ name: 'embedded-2', env, logDir: root, onSpawn: track, timeoutMs: 60_000 });
    try {
      const total = async () => {
        let n = 0;
        for (let offset = 0; ; offset += 500) {
          const page = (await (await fetch(`${second.baseUrl}/api/v1/alerts?limit=500&offset=${offset}`)).json()) as { items: unknown[] };
          n += page.items.length;
          if (page.items.length < 500) return n;
        }
      };
      await eventually(async () => ((await total()) === TOTAL ? true : undefined), 60_000, `all ${TOTAL} alerts after restart`);
      const incidents = (await (await fetch(`${second.baseUrl}/api/v1/incidents?limit=500`)).json()) as { items: Array<{ groupKey: string; alertCount: number }> };
      const mine = incidents.items.filter((i) => i.groupKey.startsWith('service=svc-e-'));
      expect(mine).toHaveLength(8);
      expect(mine.reduce((n, i) => n + i.alertCount, 0)).toBe(TOTAL);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${tails(procs)}`, { cause: err });
    }
  });
});
