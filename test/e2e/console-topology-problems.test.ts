/**
 * The problems page and the topology view in Chromium on the real services: a fault recurs
 * three times, the mining job suggests a problem with evidence; the list shows it with its
 * frequency, its page the incidents per day as bars, the evidence and the workflow, through
 * which a problem manager accepts it and records a known error with a workaround. When the
 * fault strikes again the topology shows the alerting items and marks the suspected root, and
 * the new incident's page shows the known error's workaround.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProblemMining } from '../../correlator/problems/problem-mining-job.ts';
import { EmbeddedJobQueue } from '../../engine/queue/embedded-job-queue.ts';
import { eventually } from '../support/test-runtime.ts';
import { type ConsoleHarness, startConsoleHarness } from './console-harness.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('console problems and topology (Chromium, real services)', () => {
  let h: ConsoleHarness;
  let jobQueue: EmbeddedJobQueue | undefined;
  let problemId: string;

  async function fault(n: number, startMs: number, open = false): Promise<string> {
    const alerts = [
      { fingerprint: `db-${n}`, labels: { alertname: 'ConnectionsExhausted', service: 'orders-db', severity: 'critical' }, startsAt: iso(startMs) },
      { fingerprint: `api-${n}`, labels: { alertname: 'HighErrorRate', service: 'orders-api', severity: 'error' }, startsAt: iso(startMs + 30_000) },
    ];
    await h.fire(alerts);
    const id = await eventually(async () => {
      const list = (await h.call('GET', '/api/v1/incidents?limit=500')).body;
      return list.items.find((i: any) => i.sourceFingerprints.includes(`db-${n}`) && i.alertCount === 2)?.id as string | undefined;
    }, 15_000, `incident ${n}`);
    if (open) return id;
    await h.fire(alerts.map((a) => ({ ...a, status: 'resolved' as const, endsAt: iso(startMs + 600_000) })));
    await eventually(async () => ((await h.call('GET', `/api/v1/incidents/${id}`)).body.status === 'resolved' ? true : undefined), 15_000, `incident ${n} resolved`);
    return id;
  }

  beforeAll(async () => {
    h = await startConsoleHarness({ width: 1400, height: 1000 });
    const topo = await h.call('PUT', '/api/v1/topology', {
      items: [
        { id: 'svc:shop-web', kind: 'service', name: 'shop-web', labels: { service: 'shop-web' } },
        { id: 'svc:orders-api', kind: 'service', name: 'orders-api', labels: { service: 'orders-api' } },
        { id: 'svc:search', kind: 'service', name: 'search', labels: { service: 'search' } },
        { id: 'db:orders-db', kind: 'database', name: 'orders-db', labels: { service: 'orders-db' } },
        { id: 'host:db-1', kind: 'host', name: 'db-1', labels: { host: 'db-1' } },
        { id: 'cache:redis', kind: 'cache', name: 'redis', labels: { service: 'redis' } },
      ],
      relations: [
        { from: 'svc:shop-web', to: 'svc:orders-api', kind: 'depends_on' },
        { from: 'svc:shop-web', to: 'svc:search', kind: 'depends_on' },
        { from: 'svc:orders-api', to: 'db:orders-db', kind: 'depends_on' },
        { from: 'svc:orders-api', to: 'cache:redis', kind: 'depends_on' },
        { from: 'db:orders-db', to: 'host:db-1', kind: 'runs_on' },
      ],
    });
    expect(topo.status, JSON.stringify(topo.body)).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now() - 3 * 24 * HOUR;
    for (let n = 1; n <= 3; n++) await fault(n, t0 + (n - 1) * 24 * HOUR);
    // The engine role's mining job, on a queue of the test's own whose next slot is 300 ms away.
    const intervalMs = 60_000;
    const shift = intervalMs - (Date.now() % intervalMs) - 300;
    jobQueue = new EmbeddedJobQueue({ logger: pino({ level: 'silent' }) });
    await startProblemMining({
      queue: jobQueue,
      database: h.rt.adapters.database,
      bus: h.rt.adapters.bus,
      logger: pino({ level: 'silent' }),
      config: { minOccurrences: 3, windowDays: 30, resuggestAfter: 6, mineIntervalMinutes: 1 },
      now: () => Date.now() + shift,
    });
    problemId = await eventually(async () => {
      const p = (await h.call('GET', '/api/v1/problems?status=new')).body.items[0];
      if (!p) return undefined;
      return (await h.call('GET', `/api/v1/problems/${p.id}`)).body.evidence?.minedAt ? (p.id as string) : undefined;
    }, 20_000, 'the suggested problem with its evidence');
  }, 60_000);
  afterAll(async () => {
    await jobQueue?.close();
    await h?.close();
  });

  it('lists the problem with its frequency, shows bars and evidence, and runs accept → known error with a workaround', { timeout: 30_000 }, async () => {
    const page = h.page;
    await h.signIn(h.users.manager, '#/problems');
    const row = page.locator(`#problem-rows tr[data-id="${problemId}"]`);
    await row.waitFor();
    expect(await row.locator('td:nth-child(1)').textContent()).toContain('suggested');
    expect(await row.locator('td:nth-child(3)').textContent()).toBe('3');
    expect(await row.locator('svg.spark path').count()).toBe(1);
    await h.screenshot('console-problems');

    await row.locator('a').click();
    await page.locator('#problem-title').waitFor();
    const bars = page.locator('#problem-frequency rect.bar:not(.zero)');
    expect(await bars.count()).toBe(3);
    expect(await bars.evaluateAll((els) => els.map((e) => e.getAttribute('data-count')))).toEqual(['1', '1', '1']);
    expect(await page.locator('#problem-evidence .evidence li').count()).toBeGreaterThan(1);
    // The learned pattern drawn: the database's alert left of the one it triggers, an arrow between.
    const diagram = page.locator('#problem-causal svg.causal-diagram');
    const boxes = await diagram.locator('g.type').evaluateAll((els) => els.map((e) => [e.getAttribute('data-type'), Number(e.getAttribute('transform')!.match(/translate\(([\d.]+)/)![1])] as const));
    expect(boxes.map(([t]) => t).sort()).toEqual(['ConnectionsExhausted@database', 'HighErrorRate@service']);
    const xOf = new Map(boxes);
    expect(xOf.get('ConnectionsExhausted@database')!).toBeLessThan(xOf.get('HighErrorRate@service')!);
    const arrows = await diagram.locator('path.edge').evaluateAll((els) => els.map((e) => [e.getAttribute('data-cause'), e.getAttribute('data-effect'), e.getAttribute('marker-end')]));
    expect(arrows).toEqual([['ConnectionsExhausted@database', 'HighErrorRate@service', 'url(#causal-head)']]);
    expect(await diagram.locator('text.edge-label').textContent()).toMatch(/^[\d.]+× · \d+s$/);
    expect(await page.locator('#problem-incidents tr').count()).toBe(3);
    // Only what the workflow allows for a pending suggestion.
    expect(await page.locator('#problem-actions button').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))).toEqual(['accept', 'reject', 'notes', 'link', 'unlink']);

    await page.locator('#p-act-accept').click();
    await page.locator('#notice', { hasText: 'is investigating' }).waitFor();
    await page.locator('.incident-head .chip', { hasText: 'investigating' }).waitFor();

    // Known error without a workaround: the server refuses, the page says why.
    await page.locator('#p-act-known-error').click();
    await page.locator('dialog.ask button[type="submit"]').click();
    await page.locator('#notice.error', { hasText: /^400 / }).waitFor();

    await page.locator('#p-act-known-error').click();
    await page.locator('dialog.ask textarea[name="workaround"]').fill('restart pgbouncer on orders-db');
    await page.locator('dialog.ask button[type="submit"]').click();
    await page.locator('#problem-workaround', { hasText: 'restart pgbouncer on orders-db' }).waitFor();
    await page.locator('.incident-head .chip', { hasText: 'known error' }).waitFor();
    expect(await page.locator('#problem-timeline li[data-action="accept"]').count()).toBe(1);
    expect((await h.call('GET', `/api/v1/problems/${problemId}`)).body).toMatchObject({ status: 'known_error', workaround: 'restart pgbouncer on orders-db' });
    await h.screenshot('console-problem');
    expect(h.pageErrors).toEqual([]);
  });

  it('draws the topology with the alerting items and the suspected root, and the known error on the new incident', { timeout: 30_000 }, async () => {
    const page = h.page;
    const fresh = await fault(4, Date.now() - 60_000, true);
    await eventually(async () => ((await h.call('GET', `/api/v1/incidents/${fresh}/problems`)).body.items.length ? true : undefined), 15_000, 'the known error attached');

    await page.locator('nav a[data-page="topology"]').click();
    await page.locator('#topology-graph svg g.node').nth(5).waitFor();
    expect(await page.locator('#topology-graph g.node').count()).toBe(6);
    expect(await page.locator('#topology-graph path.edge').count()).toBe(5);
    const alerting = await page.locator('#topology-graph g.node.alerting').evaluateAll((els) => els.map((e) => e.getAttribute('data-item')).sort());
    expect(alerting).toEqual(['db:orders-db', 'svc:orders-api']);
    expect(await page.locator('#topology-graph g.node.root').evaluateAll((els) => els.map((e) => e.getAttribute('data-item')))).toEqual(['db:orders-db']);
    expect(await page.locator('#topology-roots li').first().getAttribute('data-item')).toBe('db:orders-db');
    // Layered by dependency: the web front on top, the host at the bottom.
    const y = async (item: string) => Number((await page.locator(`g.node[data-item="${item}"]`).getAttribute('transform'))!.match(/,([\d.]+)\)/)![1]);
    expect(await y('svc:shop-web')).toBeLessThan(await y('svc:orders-api'));
    expect(await y('svc:orders-api')).toBeLessThan(await y('db:orders-db'));
    expect(await y('db:orders-db')).toBeLessThan(await y('host:db-1'));
    await h.screenshot('console-topology');

    await page.locator('#topology-roots a').first().click();
    await page.locator('#incident-title').waitFor();
    await page.locator('#problems .workaround', { hasText: 'restart pgbouncer on orders-db' }).waitFor();
    expect(h.pageErrors).toEqual([]);
  });
});
