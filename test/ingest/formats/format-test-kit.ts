/**
 * What every format test does: post a body, read a sample, find an alert or an incident
 * once the correlator has done its work, and check a 400 problem document.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { AlertRecord } from '../../../engine/alert/alert.ts';
import type { IncidentSummary } from '../../../engine/incident/incident.ts';
import { type TestRuntime, eventually } from '../../support/test-runtime.ts';

const SAMPLES = path.resolve(import.meta.dirname, '../samples');

/** A sample payload as text (posted as is) or parsed (to vary it). */
export function sampleText(name: string): string {
  return readFileSync(path.join(SAMPLES, name), 'utf8');
}

export function sample<T = any>(name: string): T {
  return JSON.parse(sampleText(name)) as T;
}

export function post(rt: TestRuntime, url: string, body: unknown, query = ''): Promise<LightMyRequestResponse> {
  return rt.app.inject({
    method: 'POST',
    url: url + query,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
}

export async function listAlerts(rt: TestRuntime): Promise<AlertRecord[]> {
  return (await rt.app.inject({ method: 'GET', url: '/api/v1/alerts?limit=500' })).json().items as AlertRecord[];
}

export async function listIncidents(rt: TestRuntime): Promise<IncidentSummary[]> {
  return (await rt.app.inject({ method: 'GET', url: '/api/v1/incidents?limit=500' })).json().items as IncidentSummary[];
}

/** Waits for the alert with this fingerprint to satisfy `ok`. */
export function alertWhen(rt: TestRuntime, fingerprint: string, ok: (a: AlertRecord) => boolean = () => true, what = fingerprint): Promise<AlertRecord> {
  return eventually(async () => (await listAlerts(rt)).find((a) => a.fingerprint === fingerprint && ok(a)), 10_000, `alert ${what}`);
}

/** Waits for the incidents holding this source fingerprint to satisfy `ok`. */
export function incidentsWhen(rt: TestRuntime, sourceFingerprint: string, ok: (list: IncidentSummary[]) => boolean, what = sourceFingerprint): Promise<IncidentSummary[]> {
  return eventually(async () => {
    const list = (await listIncidents(rt)).filter((i) => i.sourceFingerprints.includes(sourceFingerprint));
    return ok(list) ? list : undefined;
  }, 10_000, `incidents of ${what}`);
}

/** Events stored for an alert, by status: what the dedup rules let through. */
export async function alertEvents(rt: TestRuntime, fingerprint: string): Promise<Array<{ status: string; event_time: Date }>> {
  return rt.adapters.database.db.selectFrom('alert_events').select(['status', 'event_time']).where('fingerprint', '=', fingerprint).orderBy('id').execute();
}

/** A 400 problem+json whose detail or errors name the field. */
export function expectProblem(res: LightMyRequestResponse, field: RegExp, context = ''): void {
  expect(res.statusCode, `${context} ${res.body}`).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = res.json();
  expect(problem.status).toBe(400);
  expect(`${problem.detail} ${JSON.stringify(problem.errors ?? [])}`, context).toMatch(field);
}

/** Lets a wrongly accepted job land before counting what was stored. */
export function settle(ms = 300): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
