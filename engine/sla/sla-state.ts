/**
 * An incident's SLA as the API and the console show it: each target's due time, whether it
 * was met or breached, and where its escalation stands. Read for a page of incidents at once
 * (two queries, whatever the page size), and carried by `incident.sla` stream messages.
 */
import { type Executor, iso, isoOrNull } from '../db/executor.ts';
import type { IncidentStatus } from '../incident/incident.ts';
import { EscalationRepository } from './escalation-repository.ts';
import { SlaPolicy } from './sla-policy.ts';

export interface SlaTimerState {
  /** null: no target at the incident's severity. */
  dueAt: string | null;
  targetMinutes: number | null;
  /** Settled: met or breached; null while it runs (or was never checked). */
  outcome: 'met' | 'breached' | null;
  settledAt: string | null;
  /** Breached, or still owed past its due time (as of the read). */
  overdue: boolean;
}

export interface EscalationLevelState {
  level: number;
  dueAt: string;
  channels: string[];
  status: 'scheduled' | 'fired' | 'cancelled';
  settledAt: string | null;
  reason: string | null;
}

export interface SlaState {
  /** null: no target for it at the incident's severity (or not scheduled yet). */
  ack: SlaTimerState | null;
  resolve: SlaTimerState | null;
  /** A target was breached, or one still owed is past due. */
  breached: boolean;
  /** The highest level fired so far (0: none). */
  escalationLevel: number;
  escalations: EscalationLevelState[];
}

export async function slaStates(db: Executor, ids: readonly string[], now: number = Date.now()): Promise<Map<string, SlaState>> {
  const out = new Map<string, SlaState>();
  if (ids.length === 0) return out;
  const timers = await db
    .selectFrom('sla_timers as t')
    .innerJoin('incidents as i', 'i.id', 't.incident_id')
    .select(['t.incident_id', 't.kind', 't.due_at', 't.outcome', 't.settled_at', 'i.created_at', 'i.status'])
    .where('t.incident_id', 'in', [...ids])
    .execute();
  const escalations = await new EscalationRepository(db).ofIncidents(ids);
  const state = (id: string): SlaState => {
    let s = out.get(id);
    if (!s) out.set(id, (s = { ack: null, resolve: null, breached: false, escalationLevel: 0, escalations: [] }));
    return s;
  };
  for (const t of timers) {
    // A timer row without a due time means no target at the incident's severity: shown as none.
    if (t.due_at === null && t.outcome === null) continue;
    const owed = SlaPolicy.pending(t.kind, t.status as IncidentStatus);
    const overdue = t.outcome === 'breached' || (t.outcome === null && owed && t.due_at !== null && t.due_at.getTime() <= now);
    const s = state(t.incident_id);
    s[t.kind] = {
      dueAt: isoOrNull(t.due_at),
      targetMinutes: t.due_at === null ? null : Math.round((t.due_at.getTime() - t.created_at.getTime()) / 600) / 100,
      outcome: t.outcome,
      settledAt: isoOrNull(t.settled_at),
      overdue,
    };
    if (overdue) s.breached = true;
  }
  for (const e of escalations) {
    const s = state(e.incidentId);
    s.escalations.push({ level: e.level, dueAt: iso(e.dueAt), channels: e.channels, status: e.status, settledAt: isoOrNull(e.settledAt), reason: e.reason });
    if (e.status === 'fired') s.escalationLevel = Math.max(s.escalationLevel, e.level);
  }
  return out;
}

/** The state of an incident without timers yet. */
export const NO_SLA: SlaState = Object.freeze({ ack: null, resolve: null, breached: false, escalationLevel: 0, escalations: [] }) as unknown as SlaState;
