/**
 * Suppression end to end: a silence created through the API reaches the running correlator
 * (announced on the bus), a matching alert then opens no incident, and the alert API says
 * which rule muted it; expiring the silence lets the next episode through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTokenSecret } from '../../engine/auth/api-token.ts';
import { TokenRepository } from '../../engine/auth/token-repository.ts';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';

describe.each(['embedded', 'real'] as const)('a silence mutes live alerts (%s)', (flavour) => {
  let rt: TestRuntime;
  let admin: string;
  beforeAll(async () => {
    rt = await startTestRuntime(flavour);
    await rt.app.ready();
    const { secret, hash } = newTokenSecret();
    await new TokenRepository(rt.adapters.database.db).insert({ name: 'test-admin', scopes: ['admin'], sources: null, hash });
    admin = secret;
  });
  afterAll(async () => {
    await rt?.cleanup();
  });

  const fire = (fingerprint: string, startsAt: string, endsAt?: string) =>
    rt.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/alertmanager',
      payload: alertmanagerPayload([{ fingerprint, labels: { alertname: 'DiskFull', service: 'batch', env: 'staging' }, startsAt, ...(endsAt ? { endsAt, status: 'resolved' } : {}) }]),
    });
  const alert = async (fp: string) => {
    const list = (await rt.app.inject({ method: 'GET', url: '/api/v1/alerts?limit=100' })).json() as { items: Array<{ fingerprint: string; suppressedBy: unknown }> };
    return list.items.find((a) => a.fingerprint === `alertmanager:${fp}`);
  };
  const incidentsOf = async (fp: string) => {
    const list = (await rt.app.inject({ method: 'GET', url: '/api/v1/incidents?limit=100' })).json() as { items: Array<{ sourceFingerprints: string[] }> };
    return list.items.filter((i) => i.sourceFingerprints.includes(fp));
  };

  it('mutes a matching alert, names the silence, and lets the next episode through once it is expired', { timeout: 30_000 }, async () => {
    const created = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/silences',
      headers: { authorization: `Bearer ${admin}` },
      payload: { matchers: [{ name: 'env', value: 'staging', isRegex: false, isEqual: true }], endsAt: new Date(Date.now() + 3_600_000).toISOString(), comment: 'staging rebuild' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const silenceId = created.json().id as string;

    // The correlator hears of the silence on the bus; until then an alert may still get through,
    // so each try uses a fresh alert.
    let n = 0;
    const muted = await eventually(async () => {
      const fp = `quiet-${n++}`;
      expect((await fire(fp, new Date().toISOString())).statusCode).toBe(202);
      const a = await eventually(() => alert(fp), 5_000, fp);
      return a.suppressedBy ? { fp, a } : undefined;
    }, 15_000, 'a muted alert');
    expect(muted.a.suppressedBy).toEqual({ kind: 'silence', ruleId: silenceId, reason: `silenced by ${silenceId} (staging rebuild)` });
    expect(await incidentsOf(muted.fp)).toEqual([]);

    const expired = await rt.app.inject({ method: 'DELETE', url: `/api/v1/silences/${silenceId}`, headers: { authorization: `Bearer ${admin}` } });
    expect(expired.statusCode).toBe(204);
    const fp = 'loud-1';
    await eventually(async () => {
      expect((await fire(fp, new Date(Date.now() - 1000).toISOString(), new Date().toISOString())).statusCode).toBe(202);
      expect((await fire(fp, new Date().toISOString())).statusCode).toBe(202);
      const list = await incidentsOf(fp);
      return list.length > 0 ? list : undefined;
    }, 15_000, 'an incident once the silence is expired');
  });
});
