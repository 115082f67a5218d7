/**
 * GET /api/v1/figures over a fixture set of incidents, on PGlite and on Postgres: MTTA,
 * MTTR, incidents, alerts and compression per hour or day bucket and per service, and
 * bad queries refused with problem+json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentStatus } from '../../engine/incident/incident.ts';
import { type Flavour, type TestRuntime, startTestRuntime } from '../support/test-runtime.ts';

const D = '2026-01-10T';
interface Fixture {
  id: string;
  service: string;
  started: string;
  created: string;
  alerts: number;
  acked?: string;
  resolved?: string;
}
const FIXTURES: Fixture[] = [
  { id: 'fig-1', service: 'service=a', started: '10:05:00', created: '10:06:00', alerts: 4, acked: '10:08:00', resolved: '10:35:00' },
  { id: 'fig-2', service: 'service=a', started: '10:40:00', created: '10:40:00', alerts: 6, acked: '10:41:00', resolved: '11:40:00' },
  { id: 'fig-3', service: 'service=a', started: '12:10:00', created: '12:10:00', alerts: 1 },
  { id: 'fig-4', service: 'service=b', started: '10:20:00', created: '10:21:00', alerts: 9, resolved: '10:50:00' },
  { id: 'fig-5', service: 'service=b', started: '13:00:00', created: '13:00:30', alerts: 2, acked: '13:05:30' },
];

describe.each<Flavour>(['embedded', 'real'])('GET /api/v1/figures (%s)', (flavour) => {
  let rt: TestRuntime;

  beforeAll(async () => {
    rt = await startTestRuntime(flavour);
    await rt.app.ready();
    const at = (t: string) => new Date(`${D}${t}Z`);
    const rows = [
      ...FIXTURES,
      // The day before: outside the range asked for below.
      { id: 'fig-0', service: 'service=a', started: '', created: '', alerts: 50 },
    ].map((f) => {
      const started = f.started ? at(f.started) : new Date('2026-01-09T23:00:00Z');
      const status: IncidentStatus = f.resolved ? 'resolved' : f.acked ? 'acknowledged' : 'open';
      return {
        id: f.id,
        title: f.id,
        status,
        severity: 'critical',
        group_key: f.service,
        alert_count: f.alerts,
        firing_count: 0,
        started_at: started,
        last_event_at: started,
        created_at: f.created ? at(f.created) : started,
        updated_at: started,
        acknowledged_at: f.acked ? at(f.acked) : null,
        resolved_at: f.resolved ? at(f.resolved) : null,
      };
    });
    await rt.adapters.database.db.insertInto('incidents').values(rows).execute();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  const get = (qs: string) => rt.app.inject({ method: 'GET', url: `/api/v1/figures?${qs}` });

  it('gives totals, hourly buckets (empty ones too) and services over the range', async () => {
    const res = await get(`from=${D}10:00:00Z&to=${D}14:00:00Z&bucket=hour`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ from: `${D}10:00:00.000Z`, to: `${D}14:00:00.000Z`, bucket: 'hour', service: null });
    expect(body.totals).toEqual({ incidents: 5, alerts: 22, compression: 0.7727, acknowledged: 3, mttaSeconds: 160, resolved: 3, mttrSeconds: 2400 });
    expect(body.buckets).toEqual([
      { start: `${D}10:00:00.000Z`, incidents: 3, alerts: 19, compression: 0.8421, acknowledged: 2, mttaSeconds: 90, resolved: 3, mttrSeconds: 2400 },
      { start: `${D}11:00:00.000Z`, incidents: 0, alerts: 0, compression: null, acknowledged: 0, mttaSeconds: null, resolved: 0, mttrSeconds: null },
      { start: `${D}12:00:00.000Z`, incidents: 1, alerts: 1, compression: 0, acknowledged: 0, mttaSeconds: null, resolved: 0, mttrSeconds: null },
      { start: `${D}13:00:00.000Z`, incidents: 1, alerts: 2, compression: 0.5, acknowledged: 1, mttaSeconds: 300, resolved: 0, mttrSeconds: null },
    ]);
    expect(body.services).toEqual([
      { service: 'service=a', incidents: 3, alerts: 11, compression: 0.7273, acknowledged: 2, mttaSeconds: 90, resolved: 2, mttrSeconds: 2700 },
      { service: 'service=b', incidents: 2, alerts: 11, compression: 0.8182, acknowledged: 1, mttaSeconds: 300, resolved: 1, mttrSeconds: 1800 },
    ]);
  });

  it('narrows to one service, in daily buckets', async () => {
    const body = (await get(`from=${D}00:00:00Z&to=2026-01-12T00:00:00Z&bucket=day&service=${encodeURIComponent('service=b')}`)).json();
    expect(body.service).toBe('service=b');
    expect(body.buckets).toEqual([
      { start: `${D}00:00:00.000Z`, incidents: 2, alerts: 11, compression: 0.8182, acknowledged: 1, mttaSeconds: 300, resolved: 1, mttrSeconds: 1800 },
      { start: '2026-01-11T00:00:00.000Z', incidents: 0, alerts: 0, compression: null, acknowledged: 0, mttaSeconds: null, resolved: 0, mttrSeconds: null },
    ]);
    expect(body.services.map((s: any) => s.service)).toEqual(['service=b']);
  });

  it('defaults to the last 24 hours in hourly buckets', async () => {
    const body = (await get('')).json();
    expect(body.bucket).toBe('hour');
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(24 * 3_600_000);
    expect(body.buckets.length).toBeGreaterThanOrEqual(24);
    expect(body.totals.incidents).toBe(0);
  });

  it('refuses bad queries with problem+json', async () => {
    for (const qs of [`bucket=week`, `from=yesterday`, `from=${D}12:00:00Z&to=${D}10:00:00Z`, `from=2025-01-01T00:00:00Z&to=${D}00:00:00Z&bucket=hour`, 'extra=1']) {
      const res = await get(qs);
      expect(res.statusCode, qs).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });
});
