/**
 * A fresh InfluxDB 1.x database per test file, so files can share one server and run in
 * parallel. `drop()` removes it again.
 */
import { uniqueName } from './isolation.ts';

export interface InfluxTestDatabase {
  name: string;
  drop(): Promise<void>;
}

export async function createInfluxDatabase(url: string): Promise<InfluxTestDatabase> {
  // uniqueName yields [a-z0-9_] only, so the quoted identifier needs no escaping.
  const name = uniqueName('t');
  await influxQl(url, `CREATE DATABASE "${name}"`);
  return {
    name,
    drop: () => influxQl(url, `DROP DATABASE "${name}"`),
  };
}

async function influxQl(url: string, statement: string): Promise<void> {
  const res = await fetch(new URL('/query', url), {
    method: 'POST',
    body: new URLSearchParams({ q: statement }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  // 1.x reports statement errors inside a 200 body.
  let error: unknown;
  try {
    const body = JSON.parse(text) as { error?: string; results?: Array<{ error?: string }> };
    error = body.error ?? body.results?.[0]?.error;
  } catch {
    error = text;
  }
  if (!res.ok || error !== undefined) {
    throw new Error(`InfluxDB ${statement} failed: HTTP ${res.status} ${String(error ?? text).slice(0, 300)}`);
  }
}
