/**
 * A real sender end to end: Debian's Prometheus evaluates an always-firing rule and
 * notifies Debian's Alertmanager, whose webhook receiver points at the app, started as
 * its own process on the real services (Postgres, Redis, InfluxDB). The alert must come
 * out as an incident carrying Alertmanager's own fingerprint.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testEnvironment } from '../support/test-runtime.ts';
import { type AppProcess, type ManagedProcess, startAlertmanager, startApp, startPrometheus, tempDir, withLogs } from './processes.ts';

const DEADLINE_MS = 45_000;

interface IncidentSummary {
  id: string;
  groupKey: string;
  sourceFingerprints: string[];
  alertCount: number;
}

describe('Prometheus → Alertmanager → webhook → incident', () => {
  const service = `e2e-${randomBytes(4).toString('hex')}`;
  let root: string | undefined;
  let cleanupEnv: (() => Promise<void>) | undefined;
  let app: AppProcess | undefined;
  let alertmanager: { proc: ManagedProcess; baseUrl: string } | undefined;
  let prometheus: { proc: ManagedProcess; baseUrl: string } | undefined;
  // Every process started, including attempts that failed half-way, so afterAll stops them all.
  const started: ManagedProcess[] = [];
  const track = (p: ManagedProcess): ManagedProcess => (started.push(p), p);

  beforeAll(async () => {
    root = await tempDir('aiops-e2e-sender-');
    const { env, cleanup } = await testEnvironment('real');
    cleanupEnv = async () => {
      await cleanup();
    };
    app = await startApp({ name: 'app', env: { ...env, LOG_LEVEL: 'warn' }, logDir: root, onSpawn: track });

    const amDir = path.join(root, 'alertmanager');
    await mkdir(amDir);
    alertmanager = await startAlertmanager({
      dir: amDir,
      logPath: path.join(root, 'alertmanager.log'),
      onSpawn: track,
      config: `route:
  receiver: aiops
  group_by: ['alertname', 'service']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: aiops
    webhook_configs:
      - url: '${app.baseUrl}/api/v1/webhooks/alertmanager'
        send_resolved: true
`,
    });

    const promDir = path.join(root, 'prometheus');
    await mkdir(promDir);
    await writeFile(
      path.join(promDir, 'rules.yml'),
      `groups:
  - name: e2e
    interval: 1s
    rules:
      - alert: E2EAlwaysFiring
        expr: vector(1) > 0
        labels:
          service: '${service}'
          severity: critical
        annotations:
          summary: 'always firing, for the end-to-end test'
`,
    );
    prometheus = await startPrometheus({
      dir: promDir,
      logPath: path.join(root, 'prometheus.log'),
      onSpawn: track,
      // The first notification leaves within a second of the rule firing.
      extraArgs: ['--rules.alert.resend-delay=1s'],
      config: `global:
  scrape_interval: 1h
  evaluation_interval: 1s
rule_files:
  - '${path.join(promDir, 'rules.yml')}'
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['${new URL(alertmanager.baseUrl).host}']
scrape_configs: []
`,
    });
  });

  afterAll(async () => {
    // Senders first, so nothing posts to an app that is going away.
    for (const p of [...started].reverse()) await p.stop();
    await cleanupEnv?.();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it(`turns Alertmanager's webhook into an incident grouped by service within ${DEADLINE_MS / 1000} s`, { timeout: DEADLINE_MS + 15_000 }, async () => {
    await withLogs(
      () => [app?.proc, alertmanager?.proc, prometheus?.proc],
      async () => {
        const incident = await eventually(async () => {
          const res = await fetch(`${app!.baseUrl}/api/v1/incidents?status=open`);
          const list = (await res.json()) as { items: IncidentSummary[] };
          return list.items.find((i) => i.groupKey === `service=${service}`);
        }, DEADLINE_MS, `an incident with groupKey service=${service}`);

        expect(incident.sourceFingerprints.length).toBeGreaterThan(0);
        // The fingerprint is Alertmanager's own, not one we made up: ask Alertmanager.
        const amAlerts = (await (await fetch(`${alertmanager!.baseUrl}/api/v2/alerts?filter=service%3D%22${service}%22`)).json()) as Array<{
          fingerprint: string;
          labels: Record<string, string>;
        }>;
        expect(amAlerts.map((a) => a.labels.alertname)).toEqual(['E2EAlwaysFiring']);
        expect(incident.sourceFingerprints).toEqual([amAlerts[0]!.fingerprint]);
        expect(incident.alertCount).toBe(1);

        const detail = (await (await fetch(`${app!.baseUrl}/api/v1/incidents/${incident.id}`)).json()) as {
          members: Array<{ name: string; severity: string; labels: Record<string, string> }>;
        };
        expect(detail.members).toHaveLength(1);
        expect(detail.members[0]).toMatchObject({ name: 'E2EAlwaysFiring', severity: 'critical', labels: { service } });
      },
    );
  });
});
