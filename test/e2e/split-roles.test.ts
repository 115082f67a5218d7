/**
 * Roles split over processes that meet only through Redis and Postgres: A takes alerts
 * and serves the API and the stream (`ingest,web`), B correlates (`correlator,engine`).
 * A alone queues but never correlates; B picks up what was queued before it started,
 * and its stream messages reach A's websocket clients over Redis pub/sub. B drains and
 * exits 0 on SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { eventually, testEnvironment } from '../support/test-runtime.ts';
import { type AppProcess, type ManagedProcess, startApp, tempDir, withLogs } from './processes.ts';

interface IncidentSummary {
  id: string;
  groupKey: string;
  alertCount: number;
  sourceFingerprints: string[];
}

type StreamMessage = { type: string; seq: number; incident?: IncidentSummary };

describe('split roles: ingest,web and correlator,engine in separate processes', () => {
  const service = `e2e-split-${randomBytes(4).toString('hex')}`;
  let root: string | undefined;
  let env: Record<string, string>;
  let cleanupEnv: (() => Promise<void>) | undefined;
  let a: AppProcess | undefined;
  let b: AppProcess | undefined;
  let socket: WebSocket | undefined;
  const messages: StreamMessage[] = [];
  const started: ManagedProcess[] = [];
  const track = (p: ManagedProcess): void => void started.push(p);

  beforeAll(async () => {
    root = await tempDir('aiops-e2e-split-');
    const te = await testEnvironment('real');
    cleanupEnv = async () => {
      await te.cleanup();
    };
    env = { ...te.env, LOG_LEVEL: 'warn' };
    a = await startApp({ name: 'a-ingest-web', env, roles: 'ingest,web', logDir: root, onSpawn: track });
  });

  afterAll(async () => {
    socket?.terminate();
    for (const p of [...started].reverse()) await p.stop();
    await cleanupEnv?.();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const post = async (fingerprint: string, alertname: string, startsAt: Date): Promise<void> => {
    const res = await fetch(`${a!.baseUrl}/api/v1/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alertmanagerPayload([{ fingerprint, labels: { alertname, service, severity: 'critical' }, startsAt: startsAt.toISOString() }])),
    });
    expect(res.status, await res.text()).toBe(202);
  };

  const findIncident = async (): Promise<IncidentSummary | undefined> => {
    const res = await fetch(`${a!.baseUrl}/api/v1/incidents?status=open`);
    expect(res.status).toBe(200);
    const list = (await res.json()) as { items: IncidentSummary[] };
    return list.items.find((i) => i.groupKey === `service=${service}`);
  };

  it('queues without correlating while only A runs, then B correlates the backlog and A streams it', { timeout: 60_000 }, async () => {
    await withLogs(
      () => [a?.proc, b?.proc],
      async () => {
        const health = (await (await fetch(`${a!.baseUrl}/healthz`)).json()) as { roles: string[] };
        expect(health.roles).toEqual(['ingest', 'web']);

        socket = new WebSocket(`${a!.baseUrl.replace(/^http/, 'ws')}/api/v1/stream`);
        socket.on('message', (data) => messages.push(JSON.parse(String(data)) as StreamMessage));
        await eventually(async () => messages.find((m) => m.type === 'hello'), 10_000, 'hello on A’s stream');

        const t0 = Date.now();
        await post(`${service}-1`, 'E2ESplitLatency', new Date(t0));
        // Nobody correlates yet: A has no correlator role.
        await new Promise((r) => setTimeout(r, 1_500));
        expect(await findIncident()).toBeUndefined();
        expect(messages.filter((m) => m.type !== 'hello')).toEqual([]);
        const metrics = await (await fetch(`${a!.baseUrl}/metrics`)).text();
        expect(metrics).toMatch(/aiops_queue_depth\{queue="alerts\.ingest"\} 1\b/);

        b = await startApp({ name: 'b-correlator-engine', env, roles: 'correlator,engine', logDir: root!, onSpawn: track });
        expect(b.port).not.toBe(a!.port);

        const incident = await eventually(findIncident, 20_000, `the incident for ${service} listed by A`);
        expect(incident.sourceFingerprints).toEqual([`${service}-1`]);
        const created = await eventually(
          async () => messages.find((m) => m.type === 'incident.created' && m.incident?.id === incident.id),
          10_000,
          'incident.created on A’s websocket',
        );
        expect(created.incident!.groupKey).toBe(`service=${service}`);

        // Steady state, both running: a second alert for the service updates the incident live.
        await post(`${service}-2`, 'E2ESplitErrors', new Date(t0 + 1000));
        const updated = await eventually(
          async () => messages.find((m) => m.type === 'incident.updated' && m.incident?.id === incident.id && m.incident.alertCount === 2),
          15_000,
          'incident.updated with two alerts on A’s websocket',
        );
        expect(updated.seq).toBeGreaterThan(created.seq);
        expect([...updated.incident!.sourceFingerprints].sort()).toEqual([`${service}-1`, `${service}-2`]);
      },
    );
  });

  it('B drains and exits 0 on SIGTERM, leaving A serving', { timeout: 30_000 }, async () => {
    expect(b, 'B was not started by the previous test').toBeDefined();
    const result = await withLogs(() => [a?.proc, b?.proc], () => b!.proc.stop(15_000));
    expect(result, `B's log:\n${b!.proc.tail()}`).toEqual({ code: 0, signal: null, forced: false });
    expect((await fetch(`${a!.baseUrl}/healthz`)).status).toBe(200);
    expect(a!.proc.exit).toBeUndefined();
  });
});
