import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG } from '../../correlator/engine/engine-config.ts';
import { ConfigError, loadConfig } from '../../engine/config/config.ts';

function problems(env: Record<string, string>, role?: string): string[] {
  try {
    loadConfig(env, role);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('config', () => {
  it('defaults to embedded adapters, port 8080 and every role', () => {
    const c = loadConfig({});
    expect(c.http.port).toBe(8080);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.influx).toBeUndefined();
    expect(c.roles).toEqual(['ingest', 'correlator', 'engine', 'web']);
    expect(Object.isFrozen(c.http)).toBe(true);
  });

  it('lists every error at once instead of falling back', () => {
    const list = problems({ PORT: 'abc', DATABASE_URL: 'mysql://x', INFLUX_URL: 'http://influx:8086', LOG_LEVEL: 'loud' });
    expect(list.some((p) => p.startsWith('PORT="abc"'))).toBe(true);
    expect(list.some((p) => p.includes('DATABASE_URL'))).toBe(true);
    expect(list.some((p) => p.includes('INFLUX_TOKEN'))).toBe(true);
    expect(list.some((p) => p.includes('LOG_LEVEL'))).toBe(true);
  });

  it('rejects ports out of range and unknown roles', () => {
    expect(problems({ PORT: '70000' })).toHaveLength(1);
    expect(problems({}, 'ingest,oracle').join()).toContain('oracle');
  });

  it('needs shared services for a subset of roles', () => {
    expect(problems({}, 'ingest').join()).toContain('REDIS_URL and DATABASE_URL');
    const c = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: 'postgres://x@127.0.0.1/db' }, 'ingest,web');
    expect(c.roles).toEqual(['ingest', 'web']);
  });

  it('accepts InfluxDB 1.x with a database', () => {
    const c = loadConfig({ INFLUX_URL: 'http://127.0.0.1:8086', INFLUX_VERSION: '1', INFLUX_DATABASE: 'aiops' });
    expect(c.influx).toMatchObject({ version: 1, database: 'aiops' });
  });
  it('has SLA targets per severity level by default, in milliseconds, and takes decimals or none', () => {
    const c = loadConfig({});
    expect(c.sla.ackMs).toEqual({ critical: 5 * 60_000, error: 15 * 60_000, warning: 60 * 60_000 });
    expect(c.sla.resolveMs).toEqual({ critical: 60 * 60_000, error: 240 * 60_000, warning: 1440 * 60_000 });
    const custom = loadConfig({ SLA_ACK_MINUTES: 'critical:0.05, info:30', SLA_RESOLVE_MINUTES: 'none' });
    expect(custom.sla.ackMs).toEqual({ critical: 3000, info: 30 * 60_000 });
    expect(custom.sla.resolveMs).toEqual({});
  });

  it('lists every bad SLA and notification value', () => {
    const list = problems({
      SLA_ACK_MINUTES: 'critical:5,sev1:3,warning:0,error',
      SLA_RESOLVE_MINUTES: 'critical:5,critical:6',
      NOTIFY_WEBHOOK_URLS: 'https://ok.example/hook,ftp://x/y,not a url',
      NOTIFY_EVENTS: 'opened,paged',
      NOTIFY_WEBHOOK_SECRET: 'short',
      NOTIFY_ATTEMPTS: '0',
      PUBLIC_URL: 'aiops.example.com',
    });
    for (const needle of ['"sev1"', 'warning:0', '"error"', 'critical is given twice', 'entry 2 must use', 'entry 3 is not a valid URL', '"paged"', 'NOTIFY_WEBHOOK_SECRET is shorter', 'NOTIFY_ATTEMPTS', 'PUBLIC_URL']) {
      expect(list.some((p) => p.includes(needle)), needle).toBe(true);
    }
    // A webhook URL can carry a secret token: never repeated in a message.
    expect(list.join('\n')).not.toContain('not a url');
    expect(problems({ NOTIFY_WEBHOOK_SECRET: 'long-enough-secret-value' }).join()).toContain('NOTIFY_WEBHOOK_URLS is not');
  });

  it('reads notification targets, events and the public URL', () => {
    const c = loadConfig({
      NOTIFY_WEBHOOK_URLS: 'https://a.example/hook, https://b.example/hook',
      NOTIFY_SLACK_WEBHOOK_URLS: 'https://hooks.slack.com/services/T/B/X',
      NOTIFY_EVENTS: 'escalated',
      PUBLIC_URL: 'https://aiops.example.com/',
    });
    expect(c.notify).toMatchObject({ webhookUrls: ['https://a.example/hook', 'https://b.example/hook'], slackWebhookUrls: ['https://hooks.slack.com/services/T/B/X'], events: ['escalated'], attempts: 8 });
    expect(c.publicUrl).toBe('https://aiops.example.com');
    expect(loadConfig({}).notify).toMatchObject({ webhookUrls: [], slackWebhookUrls: [], events: ['opened', 'escalated', 'resolved'], webhookSecret: undefined });
  });

  it('compresses writes to InfluxDB unless it is on this machine, or as INFLUX_GZIP says', () => {
    const gzip = (url: string, setting?: string) =>
      loadConfig({ INFLUX_URL: url, INFLUX_VERSION: '1', INFLUX_DATABASE: 'aiops', ...(setting ? { INFLUX_GZIP: setting } : {}) }).influx?.gzip;
    expect(gzip('http://127.0.0.1:8086')).toBe(false);
    expect(gzip('http://127.0.0.53:8086')).toBe(false);
    expect(gzip('http://localhost:8086')).toBe(false);
    expect(gzip('http://[::1]:8086')).toBe(false);
    expect(gzip('https://influx.example.com')).toBe(true);
    expect(gzip('http://10.0.0.5:8086')).toBe(true);
    expect(gzip('http://127.0.0.1:8086', 'true')).toBe(true);
    expect(gzip('https://influx.example.com', 'false')).toBe(false);
    expect(() => gzip('http://127.0.0.1:8086', 'yes')).toThrow(/INFLUX_GZIP/);
  });

  it('caps the correlation engine memory as the engine does unless told otherwise, within bounds', () => {
    const c = loadConfig({});
    expect(c.correlator.maxAlerts).toBe(DEFAULT_ENGINE_CONFIG.maxAlerts);
    expect(c.correlator.maxIncidents).toBe(DEFAULT_ENGINE_CONFIG.maxIncidents);
    const set = loadConfig({ CORRELATOR_MAX_ALERTS: '2000000', CORRELATOR_MAX_INCIDENTS: '5000' });
    expect([set.correlator.maxAlerts, set.correlator.maxIncidents]).toEqual([2_000_000, 5000]);
    const list = problems({ CORRELATOR_MAX_ALERTS: '10', CORRELATOR_MAX_INCIDENTS: 'many' });
    expect(list.some((p) => p.startsWith('CORRELATOR_MAX_ALERTS'))).toBe(true);
    expect(list.some((p) => p.startsWith('CORRELATOR_MAX_INCIDENTS'))).toBe(true);
  });
});
