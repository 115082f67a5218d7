/**
 * `sla_timers`, and the incident facts an SLA check needs. A timer is settled (`met` or
 * `breached`) at most once: every write is conditional on it being unsettled, so two
 * engine processes, a job and the reconcile can race on one timer safely. The caller
 * owns the transaction.
 */
import type { Executor } from '../db/executor.ts';
import type { IncidentStatus } from '../incident/incident.ts';
import type { SlaKind } from '../notify/notification.ts';

export interface SlaTimer {
  incidentId: string;
  kind: SlaKind;
  severity: string;
  dueAt: Date | null;
  outcome: 'met' | 'breached' | null;
}

/** An incident as its SLA sees it. */
export interface SlaIncident {
  id: string;
  status: IncidentStatus;
  severity: string;
  createdAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
}

export class SlaRepository {
  constructor(private readonly db: Executor) {}

  async incident(id: string, forUpdate = false): Promise<SlaIncident | undefined> {
    let q = this.db.selectFrom('incidents').select(['id', 'status', 'severity', 'created_at', 'acknowledged_at', 'resolved_at']).where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r && { id: r.id, status: r.status, severity: r.severity, createdAt: r.created_at, acknowledgedAt: r.acknowledged_at, resolvedAt: r.resolved_at };
  }

  async timers(incidentId: string): Promise<Map<SlaKind, SlaTimer>> {
    return (await this.timersOf([incidentId])).get(incidentId) ?? new Map();
  }

  /** The timers of many incidents in one query; an incident without timers is absent. */
  async timersOf(incidentIds: readonly string[]): Promise<Map<string, Map<SlaKind, SlaTimer>>> {
    const out = new Map<string, Map<SlaKind, SlaTimer>>();
    if (incidentIds.length === 0) return out;
    const rows = await this.db.selectFrom('sla_timers').select(['incident_id', 'kind', 'severity', 'due_at', 'outcome']).where('incident_id', 'in', [...incidentIds]).execute();
    for (const r of rows) {
      let m = out.get(r.incident_id);
      if (!m) out.set(r.incident_id, (m = new Map()));
      m.set(r.kind, { incidentId: r.incident_id, kind: r.kind, severity: r.severity, dueAt: r.due_at, outcome: r.outcome });
    }
    return out;
  }

  /** Creates the timer or moves its due time; a settled timer is left alone. */
  async upsert(incidentId: string, kind: SlaKind, severity: string, dueAt: Date | null): Promise<void> {
    await this.upsertMany([{ incidentId, kind, severity, dueAt }]);
  }

  /** `upsert` for many timers in one statement; at most one row per incident and kind. */
  async upsertMany(rows: ReadonlyArray<{ incidentId: string; kind: SlaKind; severity: string; dueAt: Date | null }>): Promise<void> {
    if (rows.length === 0) return;
    await this.db
      .insertInto('sla_timers')
      .values(rows.map((r) => ({ incident_id: r.incidentId, kind: r.kind, severity: r.severity, due_at: r.dueAt })))
      .onConflict((oc) =>
        oc
          .columns(['incident_id', 'kind'])
          .doUpdateSet((eb) => ({ severity: eb.ref('excluded.severity'), due_at: eb.ref('excluded.due_at') }))
          .where('sla_timers.outcome', 'is', null),
      )
      .execute();
  }

  /** Settles an unsettled (or missing) timer; false when it was already settled. */
  async settle(incidentId: string, kind: SlaKind, outcome: 'met' | 'breached', severity: string, dueAt: Date | null, at: Date): Promise<boolean> {
    const row = await this.db
      .insertInto('sla_timers')
      .values({ incident_id: incidentId, kind, severity, due_at: dueAt, outcome, settled_at: at })
      .onConflict((oc) => oc.columns(['incident_id', 'kind']).doUpdateSet({ severity, due_at: dueAt, outcome, settled_at: at }).where('sla_timers.outcome', 'is', null))
      .returning('incident_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Active incidents created since `since`, oldest first, with their timers: what the
   * reconcile checks for missing timers, moved due times and overdue checks.
   */
  async active(since: Date, limit: number): Promise<Array<SlaIncident & { timers: Map<SlaKind, SlaTimer> }>> {
    const incidents = await this.db
      .selectFrom('incidents')
      .select(['id', 'status', 'severity', 'created_at', 'acknowledged_at', 'resolved_at'])
      .where('status', 'in', ['open', 'acknowledged'])
      .where('created_at', '>=', since)
      .orderBy('created_at')
      .limit(limit)
      .execute();
    if (incidents.length === 0) return [];
    const timers = await this.db
      .selectFrom('sla_timers')
      .select(['incident_id', 'kind', 'severity', 'due_at', 'outcome'])
      .where(
        'incident_id',
        'in',
        incidents.map((i) => i.id),
      )
      .execute();
    const byIncident = new Map<string, Map<SlaKind, SlaTimer>>();
    for (const t of timers) {
      const m = byIncident.get(t.incident_id) ?? new Map<SlaKind, SlaTimer>();
      m.set(t.kind, { incidentId: t.incident_id, kind: t.kind, severity: t.severity, dueAt: t.due_at, outcome: t.outcome });
      byIncident.set(t.incident_id, m);
    }
    return incidents.map((r) => ({
      id: r.id,
      status: r.status,
      severity: r.severity,
      createdAt: r.created_at,
      acknowledgedAt: r.acknowledged_at,
      resolvedAt: r.resolved_at,
      timers: byIncident.get(r.id) ?? new Map(),
    }));
  }
}
