import { describe, expect, it } from 'vitest';
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
});
