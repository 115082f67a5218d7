/**
 * Incidents and their members. Returns domain types; the caller owns the transaction.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { type Incident, type IncidentMember, type IncidentStatus, type IncidentSummary, SUMMARY_FINGERPRINT_LIMIT } from './incident.ts';
import { worstSeverity } from './severity.ts';
import { type Executor, iso, isoOrNull } from '../db/executor.ts';

const ACTIVE: IncidentStatus[] = ['open', 'acknowledged'];

interface IncidentRow {
  id: string;
  title: string;
  status: IncidentStatus;
  severity: string;
  group_key: string;
  alert_count: number;
  firing_count: number;
  started_at: Date;
  last_event_at: Date;
  resolved_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export class IncidentRepository {
  constructor(private readonly db: Executor) {}

  /** The active incident this alert already belongs to, if any. */
  async findActiveByMember(fingerprint: string): Promise<IncidentSummary | undefined> {
    const row = await this.db
      .selectFrom('incidents')
      .innerJoin('incident_alerts', 'incident_alerts.incident_id', 'incidents.id')
      .selectAll('incidents')
      .where('incident_alerts.fingerprint', '=', fingerprint)
      .where('incidents.status', 'in', ACTIVE)
      .orderBy('incidents.created_at', 'desc')
      .executeTakeFirst();
    return row ? this.withFingerprints(row) : undefined;
  }

  /**
   * The active incident of this group whose event-time span, widened by the window,
   * contains `eventTime`. Works on event time, so a late delivery joins the right one.
   */
  async findActiveForGroup(groupKey: string, eventTime: string, windowMs: number): Promise<IncidentSummary | undefined> {
    const t = new Date(eventTime).getTime();
    const row = await this.db
      .selectFrom('incidents')
      .selectAll()
      .where('group_key', '=', groupKey)
      .where('status', 'in', ACTIVE)
      .where('started_at', '<=', new Date(t + windowMs))
      .where('last_event_at', '>=', new Date(t - windowMs))
      .orderBy('last_event_at', 'desc')
      .executeTakeFirst();
    return row ? this.withFingerprints(row) : undefined;
  }

  async create(init: { title: string; groupKey: string; severity: string; eventTime: string; now: string }): Promise<string> {
    const id = randomUUID();
    await this.db
      .insertInto('incidents')
      .values({
        id,
        title: init.title,
        status: 'open',
        severity: init.severity,
        group_key: init.groupKey,
        alert_count: 0,
        firing_count: 0,
        started_at: init.eventTime,
        last_event_at: init.eventTime,
        resolved_at: null,
        created_at: init.now,
        updated_at: init.now,
      })
      .execute();
    return id;
  }

  async addMember(incidentId: string, fingerprint: string, reason: string, now: string): Promise<void> {
    await this.db
      .insertInto('incident_alerts')
      .values({ incident_id: incidentId, fingerprint, link_reason: reason, linked_at: now })
      .onConflict((oc) => oc.columns(['incident_id', 'fingerprint']).doNothing())
      .execute();
  }

  /**
   * Recomputes counts, span, severity and status from the members. An active incident
   * whose members have all resolved becomes resolved at its last member's end.
   */
  async refresh(incidentId: string, now: string): Promise<IncidentSummary> {
    const members = await this.db
      .selectFrom('incident_alerts')
      .innerJoin('alerts', 'alerts.fingerprint', 'incident_alerts.fingerprint')
      .select(['alerts.status', 'alerts.severity', 'alerts.starts_at', 'alerts.ends_at', 'alerts.last_event_at'])
      .where('incident_alerts.incident_id', '=', incidentId)
      .execute();
    const current = await this.db.selectFrom('incidents').selectAll().where('id', '=', incidentId).executeTakeFirstOrThrow();
    const firing = members.filter((m) => m.status === 'firing');
    const times = members.map((m) => m.starts_at.getTime());
    const lasts = members.map((m) => m.last_event_at.getTime());
    let status = current.status;
    let resolvedAt = current.resolved_at;
    if (ACTIVE.includes(status) && members.length > 0 && firing.length === 0) {
      status = 'resolved';
      resolvedAt = new Date(Math.max(...members.map((m) => (m.ends_at ?? m.last_event_at).getTime())));
    }
    await this.db
      .updateTable('incidents')
      .set({
        alert_count: members.length,
        firing_count: firing.length,
        severity: worstSeverity((firing.length > 0 ? firing : members).map((m) => m.severity)),
        started_at: new Date(Math.min(...times, current.started_at.getTime())),
        last_event_at: new Date(Math.max(...lasts, current.last_event_at.getTime())),
        status,
        resolved_at: resolvedAt,
        updated_at: now,
      })
      .where('id', '=', incidentId)
      .execute();
    const summary = await this.getSummary(incidentId);
    if (!summary) throw new Error(`incident ${incidentId} vanished during refresh`);
    return summary;
  }

  async getSummary(id: string): Promise<IncidentSummary | undefined> {
    const row = await this.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.withFingerprints(row) : undefined;
  }

  async get(id: string): Promise<Incident | undefined> {
    const summary = await this.getSummary(id);
    if (!summary) return undefined;
    const rows = await this.db
      .selectFrom('incident_alerts')
      .innerJoin('alerts', 'alerts.fingerprint', 'incident_alerts.fingerprint')
      .select([
        'alerts.fingerprint',
        'alerts.source',
        'alerts.source_fingerprint',
        'alerts.name',
        'alerts.status',
        'alerts.severity',
        'alerts.labels',
        'incident_alerts.link_reason',
        'incident_alerts.linked_at',
      ])
      .where('incident_alerts.incident_id', '=', id)
      .orderBy('incident_alerts.linked_at')
      .orderBy('alerts.fingerprint')
      .execute();
    const members: IncidentMember[] = rows.map((r) => ({
      fingerprint: r.fingerprint,
      source: r.source,
      sourceFingerprint: r.source_fingerprint,
      name: r.name,
      status: r.status,
      severity: r.severity,
      labels: r.labels,
      linkReason: r.link_reason,
      linkedAt: iso(r.linked_at),
    }));
    return { ...summary, members };
  }

  async list(opts: { statuses?: IncidentStatus[]; limit: number; offset: number }): Promise<IncidentSummary[]> {
    let q = this.db.selectFrom('incidents').selectAll();
    if (opts.statuses && opts.statuses.length > 0) q = q.where('status', 'in', opts.statuses);
    const rows = await q.orderBy('last_event_at', 'desc').orderBy('id').limit(opts.limit).offset(opts.offset).execute();
    if (rows.length === 0) return [];
    const byIncident = await this.fingerprintsOf(rows.map((r) => r.id));
    return rows.map((r) => toSummary(r, byIncident.get(r.id) ?? []));
  }

  private async withFingerprints(row: IncidentRow): Promise<IncidentSummary> {
    const fps = await this.fingerprintsOf([row.id]);
    return toSummary(row, fps.get(row.id) ?? []);
  }

  /** The first SUMMARY_FINGERPRINT_LIMIT + 1 source fingerprints of each incident, sorted. */
  private async fingerprintsOf(ids: string[]): Promise<Map<string, string[]>> {
    const ranked = this.db
      .selectFrom('incident_alerts')
      .innerJoin('alerts', 'alerts.fingerprint', 'incident_alerts.fingerprint')
      .select([
        'incident_alerts.incident_id as incident_id',
        'alerts.source_fingerprint as source_fingerprint',
        sql<number>`row_number() over (partition by incident_alerts.incident_id order by alerts.source_fingerprint)`.as('rank'),
      ])
      .where('incident_alerts.incident_id', 'in', ids)
      .as('ranked');
    const rows = await this.db
      .selectFrom(ranked)
      .select(['ranked.incident_id', 'ranked.source_fingerprint'])
      .where('ranked.rank', '<=', SUMMARY_FINGERPRINT_LIMIT + 1)
      .orderBy('ranked.incident_id')
      .orderBy('ranked.source_fingerprint')
      .execute();
    const byIncident = new Map<string, string[]>();
    for (const r of rows) {
      const list = byIncident.get(r.incident_id) ?? [];
      list.push(r.source_fingerprint);
      byIncident.set(r.incident_id, list);
    }
    return byIncident;
  }
}

function toSummary(row: IncidentRow, sourceFingerprints: string[]): IncidentSummary {
  return {
    id: row.id,
    title: row.title,
    status: row.status,
    severity: row.severity,
    groupKey: row.group_key,
    alertCount: row.alert_count,
    firingCount: row.firing_count,
    startedAt: iso(row.started_at),
    lastEventAt: iso(row.last_event_at),
    resolvedAt: isoOrNull(row.resolved_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    sourceFingerprints: sourceFingerprints.slice(0, SUMMARY_FINGERPRINT_LIMIT),
    sourceFingerprintsTruncated: sourceFingerprints.length > SUMMARY_FINGERPRINT_LIMIT,
  };
}
