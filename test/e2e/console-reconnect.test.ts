/**
 * Reconnect and resume in Chromium on the real services: while alerts keep changing incidents,
 * the server keeps cutting the board's websocket (every socket terminated every 150 ms); once it
 * stops, the board has caught up from its last sequence number: exactly the messages of the
 * stream log, none lost, none twice, and every row as the API has it. A message the board has
 * already seen is dropped, not applied again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/test-runtime.ts';
import { type ConsoleHarness, countIs, incidentsWhere, startConsoleHarness } from './console-harness.ts';

interface StreamStats {
  lastSeq: number | null;
  seqs: number[];
  duplicates: number;
  connects: number;
}

describe('console reconnect and resume (Chromium, real services)', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness({ width: 1400, height: 1600 });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const stats = () =>
    h.page.evaluate(() => {
      const s = (globalThis as unknown as { __aiops: { stream: { lastSeq: number | null; stats: { seqs: number[]; duplicates: number; connects: number } } } }).__aiops.stream;
      return { lastSeq: s.lastSeq, seqs: [...s.stats.seqs], duplicates: s.stats.duplicates, connects: s.stats.connects } as StreamStats;
    });
  const logSeqs = async (after: number) =>
    (await h.rt.adapters.database.db.selectFrom('stream_events').select('seq').where('seq', '>', after).orderBy('seq').execute()).map((r) => Number(r.seq));

  it('catches up exactly after the server drops the connection while updates happen', { timeout: 45_000 }, async () => {
    const t0 = Date.now() - 60_000;
    await h.fire(Array.from({ length: 4 }, (_, i) => ({ fingerprint: `r-${i}-0`, labels: { alertname: `Alert${i}`, service: `svc-${i}`, severity: 'warning' }, startsAt: new Date(t0).toISOString() })));
    await incidentsWhere(h, (items) => items.length === 4, 'four incidents');
    await h.signIn(h.users.viewer);
    await countIs(h.page, '#rows tr[data-id]', 4);
    const before = await stats();
    expect(before.connects).toBe(1);
    const s0 = before.lastSeq!;

    const wss = h.rt.app.websocketServer;
    let cut = 0;
    const killer = setInterval(() => {
      for (const c of wss.clients) {
        c.terminate();
        cut++;
      }
    }, 150);
    try {
      for (let round = 1; round <= 16; round++) {
        const svc = round % 6; // svc-4 and svc-5 are new incidents; the others grow
        await h.fire([{ fingerprint: `r-${svc}-${round}`, labels: { alertname: `Alert${svc}b${round}`, service: `svc-${svc}`, severity: round % 5 === 0 ? 'critical' : 'warning' }, startsAt: new Date(t0 + round * 1000).toISOString() }]);
        await new Promise((r) => setTimeout(r, 120));
      }
      await incidentsWhere(h, (items) => items.reduce((n, i) => n + i.alertCount, 0) === 20, 'all twenty alerts in incidents');
    } finally {
      clearInterval(killer);
    }
    expect(cut).toBeGreaterThan(0);

    const head = Number((await h.rt.adapters.database.db.selectFrom('stream_events').select((eb) => eb.fn.max('seq').as('max')).executeTakeFirstOrThrow()).max);
    await h.page.locator('#conn', { hasText: /^live$/ }).waitFor({ timeout: 20_000 });
    const after = await eventually(async () => {
      const s = await stats();
      return s.lastSeq === head ? s : undefined;
    }, 20_000, `the board to reach seq ${head}`);
    expect(after.connects).toBeGreaterThanOrEqual(2);
    // Exactly the log after the seq the board had: no gap, nothing twice.
    const got = after.seqs.filter((s) => s > s0);
    expect(got).toEqual(await logSeqs(s0));
    expect(new Set(after.seqs).size).toBe(after.seqs.length);

    // Every row as the API has it.
    const items = await incidentsWhere(h, (list) => list.length === 6, 'six incidents');
    await countIs(h.page, '#rows tr[data-id]', items.length);
    for (const i of items) {
      expect(await h.page.locator(`#rows tr[data-id="${i.id}"] td:nth-child(4)`).textContent()).toBe(`${i.firingCount}/${i.alertCount}`);
    }

    // A message already applied (here: the last one again, with stale figures) is dropped.
    const first = items[0]!;
    const cell = h.page.locator(`#rows tr[data-id="${first.id}"] td:nth-child(4)`);
    await h.page.evaluate(
      ({ seq, incident }) => {
        (globalThis as unknown as { __aiops: { stream: { receive(m: unknown): void } } }).__aiops.stream.receive({ type: 'incident.updated', seq, incident: { ...incident, alertCount: 999, firingCount: 999 } });
      },
      { seq: head, incident: first },
    );
    expect((await stats()).duplicates).toBe(after.duplicates + 1);
    expect(await cell.textContent()).toBe(`${first.firingCount}/${first.alertCount}`);
    await h.screenshot('console-reconnect');
    expect(h.pageErrors).toEqual([]);
  });
});
