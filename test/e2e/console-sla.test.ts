/**
 * SLA on the console in Chromium against Postgres and Redis: the board's SLA column counts
 * down to the acknowledgement target and turns into a breach marker live (no reload) when the
 * target passes; the incident page shows the targets, the breach and the escalation level, and
 * its timeline; a big incident's members come a page at a time (Load more). Critical incidents
 * get 6 s to be acknowledged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleHarness, incidentsWhere, startConsoleHarness } from './console-harness.ts';

const ACK_MINUTES = 0.1;

describe('console SLA (Chromium, real services)', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness(undefined, { SLA_ACK_MINUTES: `critical:${ACK_MINUTES},warning:60`, SLA_RESOLVE_MINUTES: 'none' });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const marker = (id: string) => h.page.locator(`#rows tr[data-id="${id}"] td.sla-cell .sla`);

  it('counts down on the board and marks the breach live', { timeout: 60_000 }, async () => {
    await h.fire([
      { fingerprint: 'sla-c-1', labels: { alertname: 'PaymentsDown', service: 'payments', severity: 'critical' } },
      { fingerprint: 'sla-w-1', labels: { alertname: 'DiskFilling', service: 'storage', severity: 'warning' } },
    ]);
    const list = await incidentsWhere(h, (items) => items.length === 2, 'two incidents');
    const critical = list.find((i) => i.groupKey === 'service=payments')!;
    const warning = list.find((i) => i.groupKey === 'service=storage')!;
    await h.signIn(h.users.operator);
    // A marker on the document: a reload would lose it.
    await h.page.evaluate(() => ((globalThis as unknown as { slaProbe: number }).slaProbe = 1));
    await expect.poll(() => marker(warning.id).getAttribute('data-sla'), { timeout: 15_000 }).toBe('pending');
    expect(await marker(warning.id).textContent()).toMatch(/^ack in (59|60)m$/);

    await expect.poll(() => marker(critical.id).getAttribute('data-sla'), { timeout: 20_000 }).toBe('breached');
    expect(await marker(critical.id).textContent()).toMatch(/^⚠ ack (overdue \d+s|breached)( · L1)?$/);
    // The escalation level comes with the breach's incident.sla message.
    await expect.poll(() => marker(critical.id).textContent(), { timeout: 15_000 }).toMatch(/· L1$/);
    expect(await h.page.evaluate(() => (globalThis as unknown as { slaProbe?: number }).slaProbe)).toBe(1);
    expect(await marker(warning.id).getAttribute('data-sla')).toBe('pending');
    await h.screenshot('console-sla-board');

    // Acknowledged: the overdue count stops, the breach stays on record.
    await h.page.locator(`#rows tr[data-id="${critical.id}"] button[data-action="ack"]`).click();
    await h.page.locator(`#rows tr[data-id="${critical.id}"] td:nth-child(5)`).getByText('acknowledged').waitFor();
    await expect.poll(() => marker(critical.id).textContent()).toMatch(/^⚠ ack breached · L1$/);

    // The incident page: targets, the breach and the escalation, on the card and the timeline.
    await h.page.goto(`${h.baseUrl}/#/incidents/${encodeURIComponent(critical.id)}`);
    await h.page.locator('#sla li[data-kind="ack"] [data-sla="breached"]').waitFor();
    expect(await h.page.locator('#sla li[data-kind="resolve"]').textContent()).toContain('no target');
    await h.page.locator('#sla ol.escalations li[data-level="1"][data-status="fired"]').waitFor();
    await h.page.locator('#timeline li[data-kind="sla.breached"]').waitFor();
    expect(await h.page.locator('#timeline li[data-kind="escalated"]').textContent()).toContain('level 1');
    expect(h.pageErrors).toEqual([]);
  });

  it('loads a big incident’s members a page at a time', { timeout: 60_000 }, async () => {
    const startsAt = new Date().toISOString();
    const alerts = Array.from({ length: 260 }, (_, i) => ({ fingerprint: `big-${String(i).padStart(3, '0')}`, labels: { alertname: 'PodCrash', service: 'bigsvc', pod: `p-${i}`, severity: 'warning' }, startsAt }));
    for (let i = 0; i < alerts.length; i += 100) await h.fire(alerts.slice(i, i + 100));
    const [big] = await incidentsWhere(h, (items) => items.some((i) => i.groupKey === 'service=bigsvc' && i.alertCount === 260), 'the big incident').then((items) => items.filter((i) => i.groupKey === 'service=bigsvc'));
    await h.page.goto(`${h.baseUrl}/#/incidents/${encodeURIComponent(big!.id)}`);
    await h.page.locator('#members h2', { hasText: 'Member alerts (200 of 260)' }).waitFor();
    await h.page.locator('#members-more', { hasText: 'Load 60 more' }).click();
    await h.page.locator('#members h2', { hasText: /^Member alerts \(260\)$/ }).waitFor();
    expect(await h.page.locator('#members-more').isHidden()).toBe(true);
    expect(h.pageErrors).toEqual([]);
  });
});
