/**
 * The incident page in Chromium against the app on Postgres, Redis and InfluxDB: summary,
 * timeline, members with their link reasons and score figures, ranked root-cause candidates
 * with evidence, a related change, the linked problem and a chart of the series the members
 * name, read from the metric store; then an operator splits a member off and merges it back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeRepository } from '../../engine/change/change-repository.ts';
import { eventually } from '../support/test-runtime.ts';
import { type ConsoleHarness, countIs, incidentsWhere, startConsoleHarness } from './console-harness.ts';

describe('console incident page (Chromium, real services)', () => {
  let h: ConsoleHarness;
  let incidentId: string;
  const t0 = Date.now() - 5 * 60_000;

  beforeAll(async () => {
    h = await startConsoleHarness({ width: 1400, height: 1400 });
    const topo = await h.call('PUT', '/api/v1/topology', {
      items: [
        { id: 'svc:web', kind: 'service', name: 'web', labels: { service: 'web' } },
        { id: 'svc:api', kind: 'service', name: 'api', labels: { service: 'api' } },
        { id: 'db:pg', kind: 'database', name: 'pg', labels: { service: 'pg' } },
      ],
      relations: [
        { from: 'svc:web', to: 'svc:api', kind: 'depends_on' },
        { from: 'svc:api', to: 'db:pg', kind: 'depends_on' },
      ],
    });
    expect(topo.status, JSON.stringify(topo.body)).toBe(200);
    // The correlator reloads the topology on topology.updated; give it a moment before alerts.
    await new Promise((r) => setTimeout(r, 500));
    await h.fire([
      { fingerprint: 'i-pg', labels: { alertname: 'PgConnectionsExhausted', service: 'pg', severity: 'critical', metric: 'pg_connections', metric_field: 'used' }, startsAt: new Date(t0).toISOString() },
      { fingerprint: 'i-api', labels: { alertname: 'ApiErrors', service: 'api', severity: 'error' }, startsAt: new Date(t0 + 20_000).toISOString() },
      { fingerprint: 'i-web', labels: { alertname: 'WebLatency', service: 'web', severity: 'warning' }, startsAt: new Date(t0 + 40_000).toISOString() },
    ]);
    const list = await incidentsWhere(h, (items) => items.some((i) => i.alertCount === 3), 'one incident of three alerts');
    incidentId = list.find((i) => i.alertCount === 3)!.id;
    const points = Array.from({ length: 30 }, (_, i) => ({ measurement: 'pg_connections', tags: { service: 'pg' }, fields: { used: 40 + i * 2 }, time: t0 - 10 * 60_000 + i * 30_000 }));
    expect((await h.call('POST', '/api/v1/metrics', points)).status).toBeLessThan(300);
    await new ChangeRepository(h.rt.adapters.database.db).record({ id: 'chg-e2e-1', source: 'pagerduty', summary: 'Raise api worker pool to 64', service: 'api', timestamp: new Date(t0 - 15 * 60_000).toISOString(), links: [], details: {}, receivedAt: new Date().toISOString() });
    const problem = await h.call('POST', '/api/v1/problems', { incidentIds: [incidentId], title: 'Pg connection pool exhaustion' });
    expect(problem.status, JSON.stringify(problem.body)).toBe(201);
    await eventually(async () => ((await h.call('GET', `/api/v1/incidents/${incidentId}/metrics`)).body.queries?.[0]?.series?.length ? true : undefined), 15_000, 'the points in InfluxDB');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('shows summary, root causes with evidence, members with link reasons, timeline, change, problem and the metric chart', { timeout: 30_000 }, async () => {
    await h.signIn(h.users.operator, `#/incidents/${incidentId}`);
    const page = h.page;
    await page.locator('#incident-title').waitFor();
    expect(await page.locator('#fact-owner').textContent()).toBe('nobody');
    await page.locator('#member-rows tr[data-fp]').nth(2).waitFor();
    const reasons = await page.locator('#member-rows td.why').allTextContents();
    expect(reasons).toHaveLength(3);
    expect(reasons.every((r) => r.length > 5)).toBe(true);
    expect(await page.locator('#member-rows tr[data-fp="alertmanager:i-pg"] td:nth-child(5)').textContent()).toBe('pg');
    const scores = await page.locator('#member-rows td.score').allTextContents();
    expect(scores.filter((s) => /^\d\.\d\d /.test(s)).length).toBe(2);
    await page.locator('#root-causes li[data-item]').first().waitFor();
    expect(await page.locator('#root-causes li[data-item]').first().getAttribute('data-item')).toBe('db:pg');
    expect(await page.locator('#root-causes li[data-item] .evidence li').count()).toBeGreaterThan(0);
    expect(await page.locator('#timeline li[data-kind="opened"]').count()).toBe(1);
    await page.locator('#changes li', { hasText: 'Raise api worker pool to 64' }).waitFor();
    await page.locator('#problems a', { hasText: 'Pg connection pool exhaustion' }).waitFor();
    await page.locator('#metrics svg.line-chart path.series').waitFor();
    expect(await page.locator('#metrics .legend li').first().textContent()).toContain('pg_connections.used {service=pg}');
    await h.screenshot('console-incident');
    expect(h.pageErrors).toEqual([]);
  });

  it('splits a selected member into a new incident and merges it back', { timeout: 30_000 }, async () => {
    const page = h.page;
    await page.locator('#member-rows tr[data-fp="alertmanager:i-web"] input[type=checkbox]').check();
    await page.locator('#act-split', { hasText: 'Split 1 selected' }).click();
    const notice = page.locator('#notice .notice-text', { hasText: 'into incident' });
    await notice.waitFor();
    const newId = /into incident (\S+)/.exec((await notice.textContent()) ?? '')![1]!;
    await countIs(page, '#member-rows tr[data-fp]', 2);
    await page.locator('#timeline li[data-kind="split"]').waitFor();
    expect((await h.call('GET', `/api/v1/incidents/${newId}`)).body.members.map((m: { fingerprint: string }) => m.fingerprint)).toEqual(['alertmanager:i-web']);

    // The split-off incident names no metric: its page says so.
    await page.goto(`${h.baseUrl}/#/incidents/${newId}`);
    await page.locator('#metrics .no-series', { hasText: 'no member alert names a metric' }).waitFor();
    await page.goto(`${h.baseUrl}/#/incidents/${incidentId}`);
    await page.locator('#member-rows tr[data-fp]').nth(1).waitFor();

    await page.locator('#act-merge').click();
    await page.locator('dialog.ask input[name="from"]').fill(newId);
    await page.locator('dialog.ask button[type="submit"]').click();
    await page.locator('#notice', { hasText: 'Merged 1 incident' }).waitFor();
    await countIs(page, '#member-rows tr[data-fp]', 3);
    await page.locator('#timeline li[data-kind="merged"]').waitFor();
    expect((await h.call('GET', `/api/v1/incidents/${newId}`)).body).toMatchObject({ status: 'closed', mergedInto: incidentId });
    await h.screenshot('console-incident-merged');

    // Merging a closed incident is refused; the page shows the server's reason.
    await page.locator('#act-merge').click();
    await page.locator('dialog.ask input[name="from"]').fill(newId);
    await page.locator('dialog.ask button[type="submit"]').click();
    await page.locator('#notice.error', { hasText: /^409 Illegal transition: cannot merge incident .* it is closed/ }).waitFor();
    expect(h.pageErrors).toEqual([]);
  });
});
