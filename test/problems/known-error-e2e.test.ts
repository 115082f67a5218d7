/**
 * Known errors end to end on the real services (Postgres, Redis, InfluxDB): a fault recurs
 * three times through Alertmanager webhooks, the problem mining job suggests it, a problem
 * manager accepts it and records a workaround through the API, and when the fault strikes
 * again the running engine role attaches the known error to the new incident and announces
 * `problem.attached` on the websocket stream.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { newTokenSecret } from '../../engine/auth/api-token.ts';
import { TokenRepository } from '../../engine/auth/token-repository.ts';
import { EmbeddedJobQueue } from '../../engine/queue/embedded-job-queue.ts';
import { startProblemMining } from '../../correlator/problems/problem-mining-job.ts';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('known error attached to a new incident (real services)', () => {
  let rt: TestRuntime;
  let admin: string;
  let jobQueue: EmbeddedJobQueue | undefined;
  let ws: WebSocket | undefined;
  const streamed: Array<Record<string, any>> = [];

  const post = (url: string, payload: unknown, token?: string) =>
    rt.app.inject({ method: 'POST', url, payload: payload as object, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const get = (url: string) => rt.app.inject({ method: 'GET', url });

  /** The database runs out of connections, the API behind it errors; returns the incident id once it exists (and is resolved unless `open`). */
  async function fault(n: number, startMs: number, open = false): Promise<string> {
    const alerts: Array<{ fingerprint: string; labels: Record<string, string>; startsAt: string }> = [
      { fingerprint: `db-${n}`, labels: { alertname: 'ConnectionsExhausted', service: 'orders-db', instance: `10.0.0.${n}:9187` }, startsAt: iso(startMs) },
      { fingerprint: `api-${n}`, labels: { alertname: 'HighErrorRate', service: 'orders-api', pod: `orders-api-${n}` }, startsAt: iso(startMs + 30_000) },
    ];
    expect((await post('/api/v1/webhooks/alertmanager', alertmanagerPayload(alerts))).statusCode).toBe(202);
    const id = await eventually(async () => {
      const list = (await get('/api/v1/incidents?limit=500')).json();
      return list.items.find((i: any) => i.sourceFingerprints.includes(`db-${n}`) && i.alertCount === 2)?.id as string | undefined;
    }, 15_000, `incident ${n}`);
    if (open) return id;
    const resolved = alertmanagerPayload(alerts.map((a) => ({ ...a, status: 'resolved' as const, endsAt: iso(startMs + 600_000) })));
    expect((await post('/api/v1/webhooks/alertmanager', resolved)).statusCode).toBe(202);
    await eventually(async () => ((await get(`/api/v1/incidents/${id}`)).json().status === 'resolved' ? true : undefined), 15_000, `incident ${n} resolved`);
    return id;
  }

  beforeAll(async () => {
    rt = await startTestRuntime('real');
    await rt.app.ready();
    const { secret, hash } = newTokenSecret();
    await new TokenRepository(rt.adapters.database.db).insert({ name: 'problem-manager', scopes: ['admin'], sources: null, hash });
    admin = secret;
    const topology = await rt.app.inject({
      method: 'PUT',
      url: '/api/v1/topology',
      headers: { authorization: `Bearer ${admin}` },
      payload: {
        items: [
          { id: 'svc:orders-api', kind: 'service', name: 'orders-api', labels: { service: 'orders-api' } },
          { id: 'db:orders-db', kind: 'database', name: 'orders-db', labels: { service: 'orders-db' } },
        ],
        relations: [{ from: 'svc:orders-api', to: 'db:orders-db', kind: 'depends_on' }],
      },
    });
    expect(topology.statusCode, topology.body).toBe(200);
  });
  afterAll(async () => {
    ws?.terminate();
    await jobQueue?.close();
    await rt?.cleanup();
  });

  it('suggests the recurring fault, takes a workaround, and attaches it to the next occurrence', async () => {
    const t0 = Date.now() - 3 * 24 * HOUR;
    const past = [await fault(1, t0), await fault(2, t0 + 24 * HOUR), await fault(3, t0 + 48 * HOUR)];

    // The engine role's job, on a queue of the test's own whose next time slot is 300 ms away.
    const intervalMs = 60_000;
    const shift = intervalMs - (Date.now() % intervalMs) - 300;
    jobQueue = new EmbeddedJobQueue({ logger: pino({ level: 'silent' }) });
    await startProblemMining({
      queue: jobQueue,
      database: rt.adapters.database,
      bus: rt.adapters.bus,
      logger: pino({ level: 'silent' }),
      config: { minOccurrences: 3, windowDays: 30, resuggestAfter: 6, mineIntervalMinutes: 1 },
      now: () => Date.now() + shift,
    });
    const suggested = await eventually(async () => (await get('/api/v1/problems?status=new')).json().items[0], 15_000, 'the suggested problem');
    expect(suggested).toMatchObject({ suggested: true, origin: 'mined', occurrences: 3, description: 'ConnectionsExhausted on orders-db (database) + HighErrorRate on orders-api (service)' });
    // Evidence is assembled right after the suggestion is stored, in the same run.
    const detail = await eventually(async () => {
      const d = (await get(`/api/v1/problems/${suggested.id}`)).json();
      return d.evidence.minedAt ? d : undefined;
    }, 15_000, 'the evidence');
    expect(detail.incidents.map((i: any) => i.incidentId).sort()).toEqual([...past].sort());
    expect(detail.evidence.rootCauses[0]).toMatchObject({ itemId: 'db:orders-db', top: 3 });
    expect(detail.evidence.explanation.length).toBeGreaterThan(1);

    expect((await post(`/api/v1/problems/${suggested.id}/accept`, {}, admin)).json().status).toBe('investigating');
    const known = await post(`/api/v1/problems/${suggested.id}/known-error`, { workaround: 'restart pgbouncer on orders-db' }, admin);
    expect(known.json()).toMatchObject({ status: 'known_error', workaround: 'restart pgbouncer on orders-db' });

    ws = await rt.app.injectWS('/api/v1/stream', {}, { onInit: (socket) => socket.on('message', (data) => streamed.push(JSON.parse(String(data)))) });
    await eventually(async () => streamed.find((m) => m.type === 'hello'), 5_000, 'hello');

    const fresh = await fault(4, Date.now() - 60_000, true);
    const attached = await eventually(async () => streamed.find((m) => m.type === 'problem.attached'), 15_000, 'problem.attached on the stream');
    expect(attached).toMatchObject({
      problemId: suggested.id,
      incidentId: fresh,
      workaround: 'restart pgbouncer on orders-db',
      title: suggested.title,
      incident: { id: fresh },
      seq: expect.any(Number),
    });
    const after = (await get(`/api/v1/problems/${suggested.id}`)).json();
    expect(after.incidents.find((i: any) => i.incidentId === fresh)).toMatchObject({ how: 'known-error', status: 'open' });
    expect(after.occurrences).toBe(4);
    expect(after.timeline.map((t: any) => [t.who, t.action])).toEqual([
      ['miner', 'suggested'],
      ['problem-manager', 'accept'],
      ['problem-manager', 'known-error'],
      ['known-error-matcher', 'attached'],
    ]);
    // Attached once, however many updates the incident gets.
    await new Promise((r) => setTimeout(r, 500));
    expect(streamed.filter((m) => m.type === 'problem.attached')).toHaveLength(1);
  }, 90_000);
});
