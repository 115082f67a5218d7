/**
 * The read API the console stands on: the incident list's filters, sorts and total; the
 * storm figures; members mapped onto topology items; an incident's problems, related changes
 * and metric series; where active incidents sit on the topology.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeRepository } from '../../engine/change/change-repository.ts';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';

interface Summary {
  id: string;
  title: string;
  severity: string;
  status: string;
  groupKey: string;
  alertCount: number;
  assignee: string | null;
  sourceFingerprints: string[];
}

describe.each(['real', 'embedded'] as const)('console read API (%s)', (flavour) => {
  let rt: TestRuntime;
  const t0 = Date.now() - 10 * 60_000;

  beforeAll(async () => {
    rt = await startTestRuntime(flavour);
    await rt.app.ready();
    const put = await rt.app.inject({
      method: 'PUT',
      url: '/api/v1/topology',
      headers: { authorization: `Bearer ${await adminToken()}` },
      payload: {
        items: [
          { id: 'svc:shop', kind: 'service', name: 'shop', labels: { service: 'shop' } },
          { id: 'svc:pay', kind: 'service', name: 'pay', labels: { service: 'pay' } },
          { id: 'db:main', kind: 'database', name: 'main-db', labels: { service: 'main-db' } },
        ],
        relations: [
          { from: 'svc:shop', to: 'svc:pay', kind: 'depends_on' },
          { from: 'svc:pay', to: 'db:main', kind: 'depends_on' },
        ],
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    const fire = (fp: string, labels: Record<string, string>, at: number) => alertmanagerPayload([{ fingerprint: fp, labels, startsAt: new Date(at).toISOString() }]);
    for (const [body] of [
      [fire('c-db', { alertname: 'DbDown', service: 'main-db', severity: 'critical', metric: 'db_connections', metric_field: 'active' }, t0)],
      [fire('c-pay', { alertname: 'PayErrors', service: 'pay', severity: 'warning' }, t0 + 1_000)],
      [fire('c-other', { alertname: 'DiskFull', service: 'reports-x', severity: 'info' }, t0 + 2_000)],
    ]) {
      const res = await rt.app.inject({ method: 'POST', url: '/api/v1/webhooks/alertmanager', payload: body });
      expect(res.statusCode).toBe(202);
    }
    await eventually(async () => {
      const list = await incidents('status=open,acknowledged');
      const n = list.items.reduce((s, i) => s + i.alertCount, 0);
      return n === 3 ? true : undefined;
    }, 20_000, 'three alerts in incidents');
  }, 60_000);
  afterAll(async () => {
    await rt?.cleanup();
  });

  async function adminToken(): Promise<string> {
    const { newTokenSecret } = await import('../../engine/auth/api-token.ts');
    const { TokenRepository } = await import('../../engine/auth/token-repository.ts');
    const t = newTokenSecret();
    await new TokenRepository(rt.adapters.database.db).insert({ name: `admin-${Math.random()}`, scopes: ['admin'], sources: null, hash: t.hash });
    return t.secret;
  }
  const get = (url: string) => rt.app.inject({ method: 'GET', url });
  const incidents = async (query: string) => {
    const res = await get(`/api/v1/incidents?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: Summary[]; total?: number };
  };
  const incidentOf = async (fp: string) => (await incidents('limit=500')).items.find((i) => i.sourceFingerprints.includes(fp))!;

  it('filters by severity level, text and owner, sorts, and counts the total on request', async () => {
    const all = await incidents('status=open,acknowledged&total=true&limit=1');
    expect(all.items).toHaveLength(1);
    expect(all.total).toBeGreaterThanOrEqual(2);
    expect((await incidents('severity=info')).items.map((i) => i.groupKey)).toEqual(['service=reports-x']);
    expect((await incidents('severity=critical,info&total=true')).total).toBe(all.total! - (await incidents('severity=warning&total=true')).total!);
    expect((await incidents('q=REPORTS')).items.map((i) => i.groupKey)).toEqual(['service=reports-x']);
    expect((await incidents('q=100%25')).items).toEqual([]);
    const bySeverity = (await incidents('sort=severity')).items.map((i) => i.severity);
    expect(bySeverity[0]).toBe('critical');
    expect(bySeverity[bySeverity.length - 1]).toBe('info');
    const inc = await incidentOf('c-other');
    await rt.adapters.database.db.updateTable('incidents').set({ assignee: 'team-reports' }).where('id', '=', inc.id).execute();
    expect((await incidents('assignee=team-reports')).items.map((i) => i.id)).toEqual([inc.id]);
    expect((await incidents('assignee=-')).items.map((i) => i.id)).not.toContain(inc.id);
    expect((await get('/api/v1/incidents?severity=apocalyptic')).statusCode).toBe(400);
    expect((await get('/api/v1/incidents?sort=random')).statusCode).toBe(400);
  });

  it('counts alerts in against incidents out for the storm indicator', async () => {
    const res = await get('/api/v1/stats/storm');
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s.windows.map((w: { minutes: number }) => w.minutes)).toEqual([5, 15]);
    expect(s.windows[1].alertsIn).toBeGreaterThanOrEqual(3);
    expect(s.windows[1].incidentsOut).toBeGreaterThanOrEqual(2);
    expect(s.perMinute).toHaveLength(15);
    expect(s.storm).toBe(false);
    expect(s.active.firingAlerts).toBe(3);
  });

  it('maps members onto topology items and marks the suspected roots', async () => {
    const inc = await incidentOf('c-db');
    const detail = (await get(`/api/v1/incidents/${inc.id}`)).json();
    const db = detail.members.find((m: { sourceFingerprint: string }) => m.sourceFingerprint === 'c-db');
    expect(db.itemIds).toEqual(['db:main']);
    expect(detail.items['db:main']).toEqual({ name: 'main-db', kind: 'database' });
    const status = (await get('/api/v1/topology/alerting')).json();
    expect(status.alerting.map((a: { itemId: string }) => a.itemId).sort()).toEqual(['db:main', 'svc:pay']);
    expect(status.unmappedFiring).toBe(1);
    expect(status.roots.some((r: { itemId: string }) => r.itemId === 'db:main')).toBe(true);
  });

  it('lists the problems an incident is linked to, and changes to its services before it', async () => {
    const inc = await incidentOf('c-other');
    expect((await get(`/api/v1/incidents/${inc.id}/problems`)).json()).toEqual({ items: [] });
    const filed = await rt.app.inject({ method: 'POST', url: '/api/v1/problems', payload: { incidentIds: [inc.id], title: 'Reports disk fills up' } });
    expect(filed.statusCode, filed.body).toBe(201);
    const problems = (await get(`/api/v1/incidents/${inc.id}/problems`)).json();
    expect(problems.items).toMatchObject([{ id: filed.json().id, title: 'Reports disk fills up', how: 'manual' }]);
    const list = (await get('/api/v1/problems?frequencyDays=7')).json();
    expect(list.items[0].frequency).toEqual([{ day: new Date(t0).toISOString().slice(0, 10), count: 1 }]);

    const changes = new ChangeRepository(rt.adapters.database.db);
    const change = (id: string, service: string | null, at: number) =>
      changes.record({ id, source: 'pagerduty', summary: `deploy ${id}`, service, timestamp: new Date(at).toISOString(), links: [], details: {}, receivedAt: new Date().toISOString() });
    await change('ch-1', 'reports-x', t0 - 3_600_000);
    await change('ch-2', 'reports-x', t0 - 3 * 86_400_000);
    await change('ch-3', 'shop', t0 - 60_000);
    const related = (await get(`/api/v1/incidents/${inc.id}/changes`)).json();
    expect(related.services).toEqual(['reports-x']);
    expect(related.items.map((c: { id: string }) => c.id)).toEqual(['ch-1']);
  });

  it('reads the series the members name from the metric store, and says so when there are none', async () => {
    const inc = await incidentOf('c-db');
    const points = Array.from({ length: 20 }, (_, i) => ({ measurement: 'db_connections', tags: { service: 'main-db' }, fields: { active: 10 + i }, time: t0 - 5 * 60_000 + i * 30_000 }));
    const write = await rt.app.inject({ method: 'POST', url: '/api/v1/metrics', payload: points });
    expect(write.statusCode, write.body).toBeLessThan(300);
    const body = await eventually(async () => {
      const res = (await get(`/api/v1/incidents/${inc.id}/metrics`)).json();
      return res.queries?.[0]?.series?.[0]?.points?.length === 20 ? res : undefined;
    }, 15_000, 'the series of db_connections');
    expect(body.queries[0]).toMatchObject({ measurement: 'db_connections', field: 'active', tags: { service: 'main-db' }, alert: 'DbDown' });
    expect(body.note).toBeNull();
    const q = (await get(`/api/v1/metrics/query?measurement=db_connections&field=active&tag=service=main-db&from=${new Date(t0 - 600_000).toISOString()}&to=${new Date(t0 + 600_000).toISOString()}&points=10`)).json();
    expect(q.series).toHaveLength(1);
    expect(q.series[0].points.length).toBeLessThanOrEqual(10);
    expect(q.series[0].raw).toBe(20);
    const other = await incidentOf('c-other');
    expect((await get(`/api/v1/incidents/${other.id}/metrics`)).json()).toMatchObject({ queries: [], note: expect.stringMatching(/no member alert names a metric/) });
    expect((await get('/api/v1/metrics/query?measurement=x&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z')).statusCode).toBe(400);
  });
});
