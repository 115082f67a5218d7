/**
 * The board in Chromium against the app on Postgres and Redis, sign-in required: rows with
 * severity, service, alert count, owner and status; server-side filters; an operator
 * acknowledges, assigns and resolves from the rows and the rows follow live; a viewer gets no
 * action buttons, and a user demoted to viewer while the board is open is refused (403) with the
 * server's reason shown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleHarness, countIs, incidentsWhere, startConsoleHarness } from './console-harness.ts';

describe('console board (Chromium, real services)', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const row = (id: string) => h.page.locator(`#rows tr[data-id="${id}"]`);
  const cell = (id: string, n: number) => row(id).locator(`td:nth-child(${n})`);

  it('shows the incidents with severity, service, alerts, owner and status, and filters on the server', { timeout: 40_000 }, async () => {
    const now = Date.now();
    await h.fire([
      { fingerprint: 'b-1', labels: { alertname: 'CheckoutLatency', service: 'checkout', severity: 'critical' }, startsAt: new Date(now - 120_000).toISOString() },
      { fingerprint: 'b-2', labels: { alertname: 'CheckoutErrors', service: 'checkout', severity: 'warning' }, startsAt: new Date(now - 110_000).toISOString() },
      { fingerprint: 'b-3', labels: { alertname: 'SearchSlow', service: 'search', severity: 'warning' }, startsAt: new Date(now - 60_000).toISOString() },
      { fingerprint: 'b-4', labels: { alertname: 'MailQueue', service: 'mailer', severity: 'info' }, startsAt: new Date(now - 30_000).toISOString() },
    ]);
    const list = await incidentsWhere(h, (items) => items.reduce((n, i) => n + i.alertCount, 0) === 4, 'four alerts in incidents');
    await h.signIn(h.users.operator);
    await h.page.locator('#rows tr[data-id]').nth(list.length - 1).waitFor();
    expect(await h.page.locator('#rows tr[data-id]').count()).toBe(list.length);
    const checkout = list.find((i) => i.groupKey === 'service=checkout')!;
    expect(await cell(checkout.id, 1).textContent()).toBe('critical');
    expect(await cell(checkout.id, 3).textContent()).toBe('checkout');
    expect(await cell(checkout.id, 4).textContent()).toBe(`${checkout.firingCount}/${checkout.alertCount}`);
    expect(await cell(checkout.id, 5).textContent()).toBe('open');
    // Sorted by severity: the critical one first.
    expect(await h.page.locator('#rows tr[data-id]').first().getAttribute('data-id')).toBe(checkout.id);
    expect(await h.page.locator('#total').textContent()).toBe(`${list.length} incidents`);
    await h.page.locator('#storm .storm-badge').waitFor();
    await expect.poll(() => h.page.locator('#count').textContent(), { timeout: 15_000 }).not.toBe('0');

    // Filters go to the server; the hash remembers them.
    const filtered = h.page.waitForResponse((r) => r.url().includes('/api/v1/incidents?') && r.url().includes('severity=info'));
    await h.page.selectOption('#f-severity', 'info');
    await filtered;
    await countIs(h.page, '#rows tr[data-id]', 1);
    expect(await h.page.locator('#rows tr[data-id] td:nth-child(3)').textContent()).toBe('mailer');
    expect(h.page.url()).toContain('severity=info');
    await h.page.selectOption('#f-severity', '');
    await h.page.fill('#f-q', 'search');
    await h.page.locator('#rows tr[data-id] td:nth-child(3)', { hasText: /^search$/ }).waitFor();
    await countIs(h.page, '#rows tr[data-id]', 1);
    await h.page.fill('#f-q', '');
    await countIs(h.page, '#rows tr[data-id]', list.length);
    await h.screenshot('console-board');
    expect(h.pageErrors).toEqual([]);
  });

  it('acknowledges, assigns and resolves from the board', { timeout: 40_000 }, async () => {
    const list = await incidentsWhere(h, (items) => items.length >= 3, 'the incidents');
    const search = list.find((i) => i.groupKey === 'service=search')!;
    const mailer = list.find((i) => i.groupKey === 'service=mailer')!;

    await row(search.id).locator('button[data-action="ack"]').click();
    await h.page.locator('#notice', { hasText: 'Acknowledged' }).waitFor();
    await cell(search.id, 5).getByText('acknowledged').waitFor();
    expect(await row(search.id).locator('button[data-action="ack"]').count()).toBe(0);

    await row(search.id).locator('button[data-action="assign"]').click();
    await h.page.locator('dialog.ask input[name="assignee"]').fill('team-search');
    await h.page.locator('dialog.ask button[type="submit"]').click();
    await cell(search.id, 6).getByText('team-search').waitFor();

    await row(mailer.id).locator('button[data-action="resolve"]').click();
    await h.page.locator('#notice', { hasText: 'Resolved' }).waitFor();
    // Resolved leaves the active board.
    await row(mailer.id).waitFor({ state: 'detached' });

    const after = (await h.call('GET', `/api/v1/incidents/${search.id}`)).body;
    expect(after).toMatchObject({ status: 'acknowledged', assignee: 'team-search', acknowledgedBy: `user:${h.users.operator.id}` });
    expect((await h.call('GET', `/api/v1/incidents/${mailer.id}`)).body.status).toBe('resolved');
    await h.screenshot('console-board-actions');
    expect(h.pageErrors).toEqual([]);
  });

  it('shows a viewer no actions, and shows the 403 when a demoted user clicks resolve', { timeout: 40_000 }, async () => {
    const list = await incidentsWhere(h, (items) => items.some((i) => i.groupKey === 'service=checkout'), 'the checkout incident');
    const checkout = list.find((i) => i.groupKey === 'service=checkout')!;

    await h.signIn(h.users.viewer);
    await row(checkout.id).waitFor();
    expect(await h.page.locator('#rows button[data-action]').count()).toBe(0);

    // An operator's board is open; an admin demotes them meanwhile. The buttons are still
    // there (drawn from the permissions at sign-in), but the server judges the click.
    await h.signIn(h.users.operator);
    await row(checkout.id).locator('button[data-action="resolve"]').waitFor();
    const demoted = await h.call('PATCH', `/api/v1/users/${h.users.operator.id}`, { role: 'viewer' });
    expect(demoted.status, JSON.stringify(demoted.body)).toBe(200);
    await row(checkout.id).locator('button[data-action="resolve"]').click();
    const notice = h.page.locator('#notice.error');
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/^403 Forbidden: user noc-\w+ \(role viewer\) lacks the incident:write permission/);
    expect((await h.call('GET', `/api/v1/incidents/${checkout.id}`)).body.status).toBe('open');
    // The refusal also redraws the board with the permissions the user has now.
    await h.page.locator('#user', { hasText: 'viewer' }).waitFor();
    await row(checkout.id).waitFor();
    expect(await h.page.locator('#rows button[data-action]').count()).toBe(0);
    expect(await notice.isVisible()).toBe(true);
    await h.screenshot('console-board-refused');
    await h.call('PATCH', `/api/v1/users/${h.users.operator.id}`, { role: 'operator' });
    expect(h.pageErrors).toEqual([]);
  });
});
