/**
 * The incident detail is bounded however big the incident: its first page of members
 * (default 200, at most 1000), the member count and a cursor; the rest through
 * GET /api/v1/incidents/:id/members, in link order, each member once. Real Postgres and Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentRepository } from '../../engine/incident/incident-repository.ts';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';

const ALERTS = 450;

describe('incident members a page at a time (real services)', () => {
  let rt: TestRuntime;
  let id: string;
  beforeAll(async () => {
    rt = await startTestRuntime('real');
    await rt.app.ready();
    const startsAt = new Date().toISOString();
    const alerts = Array.from({ length: ALERTS }, (_, i) => ({
      fingerprint: `m-${String(i).padStart(4, '0')}`,
      labels: { alertname: 'PodCrash', service: 'huge', pod: `p-${i}`, severity: 'warning' },
      startsAt,
    }));
    for (let i = 0; i < alerts.length; i += 150) {
      const res = await rt.app.inject({ method: 'POST', url: '/api/v1/webhooks/alertmanager', payload: alertmanagerPayload(alerts.slice(i, i + 150)) });
      expect(res.statusCode).toBe(202);
    }
    const incident = await eventually(async () => {
      const items = (await rt.app.inject({ method: 'GET', url: '/api/v1/incidents?q=huge' })).json().items;
      return items.length === 1 && items[0].alertCount === ALERTS ? items[0] : undefined;
    }, 30_000, 'one incident of every alert');
    id = incident.id;
  }, 60_000);
  afterAll(async () => {
    await rt?.cleanup();
  });

  const get = (url: string) => rt.app.inject({ method: 'GET', url });

  it('answers the detail with the first page, the count and a cursor', async () => {
    const detail = (await get(`/api/v1/incidents/${id}`)).json();
    expect(detail.members).toHaveLength(200);
    expect(detail.memberCount).toBe(ALERTS);
    expect(typeof detail.membersNext).toBe('string');
    expect(detail.members[0]).toMatchObject({ fingerprint: expect.any(String), linkReason: expect.any(String), itemIds: [] });
    const small = (await get(`/api/v1/incidents/${id}?members=5`)).json();
    expect(small.members.map((m: any) => m.fingerprint)).toEqual(detail.members.slice(0, 5).map((m: any) => m.fingerprint));
    const none = (await get(`/api/v1/incidents/${id}?members=0`)).json();
    expect(none.members).toEqual([]);
    expect(none.membersNext).toEqual(expect.any(String));
    const all = (await get(`/api/v1/incidents/${id}?members=1000`)).json();
    expect(all.members).toHaveLength(ALERTS);
    expect(all.membersNext).toBeNull();
  });

  it('pages through every member once, in link order', async () => {
    const seen: string[] = [];
    let after: string | null = (await get(`/api/v1/incidents/${id}?members=0`)).json().membersNext;
    let pages = 0;
    while (after !== null) {
      const res = await get(`/api/v1/incidents/${id}/members?limit=128&after=${encodeURIComponent(after)}`);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json();
      expect(page.items.length).toBeLessThanOrEqual(128);
      seen.push(...page.items.map((m: any) => m.fingerprint));
      after = page.next;
      pages++;
    }
    expect(pages).toBe(Math.ceil(ALERTS / 128));
    expect(new Set(seen).size).toBe(ALERTS);
    const full = await new IncidentRepository(rt.adapters.database.db).get(id);
    expect(seen).toEqual(full!.members.map((m) => m.fingerprint));
    // The detail's cursor continues where its first page ended.
    const detail = (await get(`/api/v1/incidents/${id}?members=100`)).json();
    const rest = (await get(`/api/v1/incidents/${id}/members?limit=1000&after=${encodeURIComponent(detail.membersNext)}`)).json();
    expect([...detail.members, ...rest.items].map((m: any) => m.fingerprint)).toEqual(seen);
    expect(rest.next).toBeNull();
  });

  it('refuses limits over the maximum and cursors it did not make (400 problem+json), and unknown incidents (404)', async () => {
    for (const url of [
      `/api/v1/incidents/${id}?members=1001`,
      `/api/v1/incidents/${id}/members?limit=1001`,
      `/api/v1/incidents/${id}/members?limit=0`,
      `/api/v1/incidents/${id}/members?after=not-a-cursor`,
      `/api/v1/incidents/${id}/members?after=${Buffer.from(JSON.stringify(["'; drop table incidents; --", 'x'])).toString('base64url')}`,
      `/api/v1/incidents/${id}?after=${Buffer.from('[1,2]').toString('base64url')}`,
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await get('/api/v1/incidents/nope/members')).statusCode).toBe(404);
  });
});
