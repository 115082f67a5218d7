/**
 * CORRELATOR_MAX_ALERTS and CORRELATOR_MAX_INCIDENTS reach the live engine, and /metrics shows
 * when the alert cap drops state: a process on embedded defaults with a cap of 1,000 alert
 * states is sent 1,200 distinct firing alerts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { sampleByKind as figure } from '../support/prometheus-text.ts';
import { type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';

describe('the correlation engine caps from the environment', () => {
  let rt: TestRuntime;

  beforeAll(async () => {
    rt = await startTestRuntime('embedded', { CORRELATOR_MAX_ALERTS: '1000', CORRELATOR_MAX_INCIDENTS: '250' });
    await rt.app.ready();
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  it('holds at most the configured alert states and counts what the cap dropped', async () => {
    const t0 = Date.now() - 60_000;
    for (let r = 0; r < 2; r++) {
      const alerts = Array.from({ length: 600 }, (_, i) => ({
        fingerprint: `cap-${r}-${i}`,
        labels: { alertname: `Check${i % 20}`, service: `svc-${r}-${Math.floor(i / 20)}` },
        startsAt: new Date(t0 + r * 1000 + i).toISOString(),
      }));
      const res = await rt.app.inject({ method: 'POST', url: '/api/v1/webhooks/alertmanager', payload: alertmanagerPayload(alerts) });
      expect(res.statusCode).toBe(202);
    }
    const body = await eventually(async () => {
      const text = (await rt.app.inject({ method: 'GET', url: '/metrics' })).body;
      return figure(text, 'aiops_correlator_engine_capped_total', 'alerts') >= 200 ? text : undefined;
    }, 20_000, 'the alert cap to drop 200 states');
    expect(figure(body, 'aiops_correlator_engine_cap', 'alerts')).toBe(1000);
    expect(figure(body, 'aiops_correlator_engine_cap', 'incidents')).toBe(250);
    expect(figure(body, 'aiops_correlator_engine_held', 'alerts')).toBe(1000);
    expect(figure(body, 'aiops_correlator_engine_capped_total', 'alerts')).toBe(200);
  });
});
