/**
 * The stored escalation policy and `incident_escalations`. A level row is settled (fired
 * or cancelled) at most once: every change is conditional on it still being scheduled,
 * so a job, a second engine process and the reconcile can race on it safely. The caller
 * owns the transaction.
 */
import { type Executor, iso } from '../db/executor.ts';
import type { EscalationPolicy } from './escalation-policy.ts';

export interface StoredPolicy {
  policy: EscalationPolicy;
  updatedAt: string;
  updatedBy: string;
}

export interface EscalationRow {
  incidentId: string;
  level: number;
  dueAt: Date;
  channels: string[];
  status: 'scheduled' | 'fired' | 'cancelled';
  settledAt: Date | null;
  reason: string | null;
}

export class EscalationRepository {
  constructor(private readonly db: Executor) {}

  async stored(): Promise<StoredPolicy | undefined> {
    const row = await this.db.selectFrom('escalation_policy').select(['rules', 'updated_at', 'updated_by']).where('id', '=', 1).executeTakeFirst();
    return row && { policy: { rules: row.rules as EscalationPolicy['rules'] }, updatedAt: iso(row.updated_at), updatedBy: row.updated_by };
  }

  /** The stored policy, or one without rules (every incident gets the default rule). */
  async policy(): Promise<EscalationPolicy> {
    return (await this.stored())?.policy ?? { rules: [] };
  }

  async replace(policy: EscalationPolicy, by: string, at: Date): Promise<void> {
    const rules = JSON.stringify(policy.rules);
    await this.db
      .insertInto('escalation_policy')
      .values({ id: 1, rules, updated_at: at, updated_by: by })
      .onConflict((oc) => oc.column('id').doUpdateSet({ rules, updated_at: at, updated_by: by }))
      .execute();
  }

  /** Adds a level; false when the incident has it already. */
  async insert(row: { incidentId: string; level: number; dueAt: Date; channels: string[]; status: 'scheduled' | 'fired'; settledAt: Date | null }): Promise<boolean> {
    const r = await this.db
      .insertInto('incident_escalations')
      .values({ incident_id: row.incidentId, level: row.level, due_at: row.dueAt, channels: JSON.stringify(row.channels), status: row.status, settled_at: row.settledAt })
      .onConflict((oc) => oc.columns(['incident_id', 'level']).doNothing())
      .returning('level')
      .executeTakeFirst();
    return r !== undefined;
  }

  async lock(incidentId: string, level: number): Promise<EscalationRow | undefined> {
    const r = await this.db.selectFrom('incident_escalations').selectAll().where('incident_id', '=', incidentId).where('level', '=', level).forUpdate().executeTakeFirst();
    return r && toRow(r);
  }

  /** Marks a scheduled level fired; false when it was settled already. */
  async fire(incidentId: string, level: number, at: Date): Promise<boolean> {
    const r = await this.db
      .updateTable('incident_escalations')
      .set({ status: 'fired', settled_at: at })
      .where('incident_id', '=', incidentId)
      .where('level', '=', level)
      .where('status', '=', 'scheduled')
      .returning('level')
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Cancels every scheduled level of the incident; the levels cancelled. */
  async cancelScheduled(incidentId: string, reason: string, at: Date): Promise<number[]> {
    const rows = await this.db
      .updateTable('incident_escalations')
      .set({ status: 'cancelled', settled_at: at, reason })
      .where('incident_id', '=', incidentId)
      .where('status', '=', 'scheduled')
      .returning('level')
      .execute();
    return rows.map((r) => r.level).sort((a, b) => a - b);
  }

  /** Scheduled levels due before `before`, oldest first: their job never ran (or is about to). */
  async overdue(before: Date, limit: number): Promise<Array<{ incidentId: string; level: number }>> {
    const rows = await this.db
      .selectFrom('incident_escalations')
      .select(['incident_id', 'level'])
      .where('status', '=', 'scheduled')
      .where('due_at', '<', before)
      .orderBy('due_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ incidentId: r.incident_id, level: r.level }));
  }

  async ofIncidents(ids: readonly string[]): Promise<EscalationRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('incident_escalations').selectAll().where('incident_id', 'in', [...ids]).orderBy('level').execute();
    return rows.map(toRow);
  }
}

function toRow(r: { incident_id: string; level: number; due_at: Date; channels: string[]; status: EscalationRow['status']; settled_at: Date | null; reason: string | null }): EscalationRow {
  return { incidentId: r.incident_id, level: r.level, dueAt: r.due_at, channels: r.channels, status: r.status, settledAt: r.settled_at, reason: r.reason };
}
