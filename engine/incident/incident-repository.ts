/**
 * Incidents and their members. Returns domain types; the caller owns the transaction.
 */
import { randomUUID } from 'node:crypto';
import { type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import { type Incident, type IncidentMember, type IncidentStatus, type IncidentSummary, type RootCauseCandidateView, SUMMARY_FINGERPRINT_LIMIT } from './incident.ts';
import { type SeverityLevel, levelRank, rankedWords, wordsOfRank, worstSeverity } from './severity.ts';
import { type Executor, iso, isoOrNull } from '../db/executor.ts';
import { copyIn } from '../db/copy-in.ts';
import type { DB } from '../db/tables.ts';

const ACTIVE: IncidentStatus[] = ['open', 'acknowledged'];

/** An alert's state as far as its incident's counters are concerned. */
export interface MemberState {
  fingerprint: string;
  /** Given by the correlator's writes, for the summaries of incidents it opened (getSummaries). */
  sourceFingerprint?: string;
  status: 'firing' | 'resolved';
  severity: string;
  startsAt: string;
  endsAt: string | null;
  lastEventAt: string;
}

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
  component: string | null;
  assignee: string | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  merged_into: string | null;
}

/** One event's effect on an incident: a link (when `link` is set) or a member's state change. */
export interface MemberChange {
  incidentId: string;
  member: MemberState;
  /** The alert's status and severity before the event (ignored when the link adds a new member). */
  before: { status: string; severity: string } | undefined;
  /**
   * `newRow`: no member row for this incident and alert can be stored yet (the incident or the
   * alert is new in this write), so the row goes in by COPY; otherwise it is inserted unless
   * there.
   */
  link?: { reason: string; score: object | null; newRow?: boolean };
}

/** What COPY writes of a new member row. */
const MEMBER_ROW_COLUMNS = ['incident_id', 'fingerprint', 'link_reason', 'linked_at', 'score'] as const;

/** An active incident's engine key and members, for a correlator rebuilding its memory. */
export interface ActiveMembership {
  id: string;
  key: string;
  fingerprints: string[];
}

/**
 * Incidents resolve when the correlation engine says so (after its hold time), never here as
 * a side effect of counting.
 */
export class IncidentRepository {
  constructor(private readonly db: Executor) {}

  async create(init: {
    title: string;
    groupKey: string;
    severity: string;
    eventTime: string;
    now: string;
    /** Given by the correlation engine (derived from its key); random otherwise. */
    id?: string;
    correlationKey?: string;
    component?: string | null;
  }): Promise<string> {
    const id = init.id ?? randomUUID();
    await this.createMany([{ ...init, id, correlationKey: init.correlationKey ?? null, component: init.component ?? null }]);
    return id;
  }

  /**
   * Many incidents opened at once (the correlator's batch path); same fields as `create`, the
   * ids given.
   */
  async createMany(inits: ReadonlyArray<{ id: string; correlationKey: string | null; component: string | null; title: string; groupKey: string; severity: string; eventTime: string; now: string }>): Promise<void> {
    if (inits.length === 0) return;
    await this.db
      .insertInto('incidents')
      .values(
        inits.map((init) => ({
          id: init.id,
          title: init.title,
          status: 'open' as const,
          severity: init.severity,
          group_key: init.groupKey,
          alert_count: 0,
          firing_count: 0,
          started_at: init.eventTime,
          last_event_at: init.eventTime,
          resolved_at: null,
          created_at: init.now,
          updated_at: init.now,
          correlation_key: init.correlationKey,
          component: init.component,
        })),
      )
      .execute();
  }

  /**
   * The correlator's batch path: links and member state changes of many events, folded into
   * their incidents with one insert of members, one locking read and one update per incident,
   * with the outcome of applying them one by one in order (`linkMember` / `foldMemberChange`).
   */
  async applyChanges(changes: readonly MemberChange[], now: string): Promise<void> {
    if (changes.length === 0) return;
    const links = changes.filter((c) => c.link);
    const fresh = new Set<string>();
    if (links.length > 0) {
      // New rows by COPY (copy-in.ts); a row that may be stored already by one JSON parameter
      // rather than five per member: a group links thousands, and a VALUES list that long costs
      // more to build, send and plan than the rows themselves.
      const copied: MemberChange[] = [];
      const maybeStored: MemberChange[] = [];
      for (const c of links) {
        const key = `${c.incidentId}\u0000${c.member.fingerprint}`;
        if (c.link!.newRow && !fresh.has(key)) {
          fresh.add(key);
          copied.push(c);
        } else maybeStored.push(c);
      }
      await copyIn(this.db, 'incident_alerts', MEMBER_ROW_COLUMNS, copied.map((c) => [c.incidentId, c.member.fingerprint, c.link!.reason, now, c.link!.score]));
      if (maybeStored.length > 0) {
        const members = maybeStored.map((c) => ({ incident_id: c.incidentId, fingerprint: c.member.fingerprint, link_reason: c.link!.reason, score: c.link!.score }));
        const inserted = await sql<{ incident_id: string; fingerprint: string }>`
          insert into incident_alerts (incident_id, fingerprint, link_reason, linked_at, score)
          select incident_id, fingerprint, link_reason, ${now}::timestamptz, score
          from json_to_recordset(${JSON.stringify(members)}::json) as x(incident_id text, fingerprint text, link_reason text, score json)
          on conflict (incident_id, fingerprint) do nothing
          returning incident_id, fingerprint`.execute(this.db);
        for (const r of inserted.rows) fresh.add(`${r.incident_id}\u0000${r.fingerprint}`);
      }
    }
    interface Fold {
      members: number;
      firing: number;
      counts: Map<string, number>;
      startsAt: number;
      eventTime: number;
    }
    const folds = new Map<string, Fold>();
    for (const c of changes) {
      let f = folds.get(c.incidentId);
      if (!f) folds.set(c.incidentId, (f = { members: 0, firing: 0, counts: new Map(), startsAt: Number.POSITIVE_INFINITY, eventTime: Number.NEGATIVE_INFINITY }));
      const key = `${c.incidentId}\u0000${c.member.fingerprint}`;
      const isNew = c.link !== undefined && fresh.delete(key);
      const before = isNew ? undefined : c.before;
      if (isNew) f.members++;
      if (before?.status === 'firing') {
        f.counts.set(before.severity, (f.counts.get(before.severity) ?? 0) - 1);
        f.firing--;
      }
      if (c.member.status === 'firing') {
        f.counts.set(c.member.severity, (f.counts.get(c.member.severity) ?? 0) + 1);
        f.firing++;
      }
      f.startsAt = Math.min(f.startsAt, Date.parse(c.member.startsAt));
      f.eventTime = Math.max(f.eventTime, Date.parse(c.member.lastEventAt));
    }
    const ids = [...folds.keys()].sort();
    const rows = await this.db
      .selectFrom('incidents')
      .select(['id', 'severity', 'severity_counts', 'alert_count', 'firing_count', 'started_at', 'last_event_at', 'severity_override'])
      .where('id', 'in', ids)
      .orderBy('id')
      .forUpdate()
      .execute();
    const updates = rows.map((row) => {
      const f = folds.get(row.id)!;
      const counts: Record<string, number> = { ...row.severity_counts };
      for (const [sev, d] of f.counts) counts[sev] = Math.max(0, (counts[sev] ?? 0) + d);
      for (const k of Object.keys(counts)) if (counts[k] === 0) delete counts[k];
      const firingSeverities = Object.keys(counts);
      return {
        id: row.id,
        alert_count: row.alert_count + f.members,
        firing_count: Math.max(0, row.firing_count + f.firing),
        severity_counts: counts,
        severity: row.severity_override ?? (firingSeverities.length > 0 ? worstSeverity(firingSeverities) : row.severity),
        started_at: new Date(Math.min(row.started_at.getTime(), f.startsAt)).toISOString(),
        last_event_at: new Date(Math.max(row.last_event_at.getTime(), f.eventTime)).toISOString(),
      };
    });
    if (updates.length === 0) return;
    // One statement for every touched incident, whatever their number.
    await sql`
      update incidents i set alert_count = x.alert_count, firing_count = x.firing_count, severity_counts = x.severity_counts, severity = x.severity,
        started_at = x.started_at, last_event_at = x.last_event_at, updated_at = ${now}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb)
        as x(id text, alert_count integer, firing_count integer, severity_counts jsonb, severity text, started_at timestamptz, last_event_at timestamptz)
      where i.id = x.id`.execute(this.db);
  }

  async addTimelineMany(entries: ReadonlyArray<{ incidentId: string; actor: string; kind: string; detail: Record<string, unknown> }>): Promise<void> {
    if (entries.length === 0) return;
    await this.db
      .insertInto('incident_timeline')
      .values(entries.map((e) => ({ incident_id: e.incidentId, actor: e.actor, kind: e.kind, detail: JSON.stringify(e.detail) })))
      .execute();
  }

  /** Resolved by the correlation engine (its members quiet for the hold time); a no-op when already over. */
  async resolve(id: string, resolvedAt: string, now: string): Promise<boolean> {
    const res = await this.db
      .updateTable('incidents')
      .set({ status: 'resolved', resolved_at: resolvedAt, updated_at: now })
      .where('id', '=', id)
      .where('status', 'in', ACTIVE)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** A flapping member came back within the flapping window: the incident is open again. */
  async reopen(id: string, now: string): Promise<boolean> {
    const res = await this.db
      .updateTable('incidents')
      .set({ status: 'open', resolved_at: null, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'resolved')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** The facts the workflow checks a transition against; locks the row for the transaction. */
  async lockForWorkflow(id: string): Promise<{ id: string; status: IncidentStatus; correlationKey: string | null; mergedInto: string | null } | undefined> {
    const row = await this.db.selectFrom('incidents').select(['id', 'status', 'correlation_key', 'merged_into']).where('id', '=', id).forUpdate().executeTakeFirst();
    return row ? { id: row.id, status: row.status, correlationKey: row.correlation_key, mergedInto: row.merged_into } : undefined;
  }

  async acknowledge(id: string, actor: string, now: string): Promise<void> {
    await this.db.updateTable('incidents').set({ status: 'acknowledged', acknowledged_at: now, acknowledged_by: actor, updated_at: now }).where('id', '=', id).execute();
  }

  async resolveByOperator(id: string, actor: string, now: string): Promise<void> {
    await this.db.updateTable('incidents').set({ status: 'resolved', resolved_at: now, resolved_by: actor, updated_at: now }).where('id', '=', id).execute();
  }

  async close(id: string, now: string, mergedInto: string | null = null): Promise<void> {
    await this.db.updateTable('incidents').set({ status: 'closed', closed_at: now, merged_into: mergedInto, updated_at: now }).where('id', '=', id).execute();
  }

  async assign(id: string, assignee: string | null, now: string): Promise<void> {
    await this.db.updateTable('incidents').set({ assignee, updated_at: now }).where('id', '=', id).execute();
  }

  async overrideSeverity(id: string, severity: string, now: string): Promise<void> {
    await this.db.updateTable('incidents').set({ severity, severity_override: severity, updated_at: now }).where('id', '=', id).execute();
  }

  /** Moves members (all, or the given ones) from one incident to another; a member already there stays once. */
  async moveMembers(fromId: string, toId: string, fingerprints: readonly string[] | null, reason: string, now: string): Promise<string[]> {
    let q = this.db.selectFrom('incident_alerts').select('fingerprint').where('incident_id', '=', fromId);
    if (fingerprints) q = q.where('fingerprint', 'in', [...fingerprints]);
    const moving = (await q.execute()).map((r) => r.fingerprint);
    if (moving.length === 0) return [];
    await this.db
      .insertInto('incident_alerts')
      .columns(['incident_id', 'fingerprint', 'link_reason', 'linked_at', 'score'])
      .expression((eb) =>
        eb
          .selectFrom('incident_alerts')
          .select([sql.lit(toId).as('incident_id'), 'fingerprint', sql.lit(reason).as('link_reason'), sql<string>`${now}::timestamptz`.as('linked_at'), sql.lit(null).as('score')])
          .where('incident_id', '=', fromId)
          .where('fingerprint', 'in', moving),
      )
      .onConflict((oc) => oc.columns(['incident_id', 'fingerprint']).doNothing())
      .execute();
    await this.db.deleteFrom('incident_alerts').where('incident_id', '=', fromId).where('fingerprint', 'in', moving).execute();
    return moving;
  }

  /** Recomputes an incident's counters, span and severity from its members (after a merge or split). */
  async recount(id: string, now: string): Promise<void> {
    const members = await this.db
      .selectFrom('incident_alerts')
      .innerJoin('alerts', 'alerts.fingerprint', 'incident_alerts.fingerprint')
      .select(['alerts.status', 'alerts.severity', 'alerts.starts_at', 'alerts.last_event_at'])
      .where('incident_alerts.incident_id', '=', id)
      .execute();
    const row = await this.db.selectFrom('incidents').select(['severity', 'severity_override', 'started_at', 'last_event_at']).where('id', '=', id).executeTakeFirstOrThrow();
    const counts: Record<string, number> = {};
    let firing = 0;
    let started = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const m of members) {
      if (m.status === 'firing') {
        counts[m.severity] = (counts[m.severity] ?? 0) + 1;
        firing++;
      }
      started = Math.min(started, m.starts_at.getTime());
      last = Math.max(last, m.last_event_at.getTime());
    }
    const firingSeverities = Object.keys(counts);
    await this.db
      .updateTable('incidents')
      .set({
        alert_count: members.length,
        firing_count: firing,
        severity_counts: JSON.stringify(counts),
        severity: row.severity_override ?? (firingSeverities.length > 0 ? worstSeverity(firingSeverities) : row.severity),
        started_at: Number.isFinite(started) ? new Date(started) : row.started_at,
        last_event_at: Number.isFinite(last) ? new Date(last) : row.last_event_at,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  async addTimeline(incidentId: string, actor: string, kind: string, detail: Record<string, unknown> = {}): Promise<void> {
    await this.db.insertInto('incident_timeline').values({ incident_id: incidentId, actor, kind, detail: JSON.stringify(detail) }).execute();
  }

  async timeline(incidentId: string, limit: number): Promise<Array<{ at: string; actor: string; kind: string; detail: Record<string, unknown> }>> {
    const rows = await this.db.selectFrom('incident_timeline').select(['at', 'actor', 'kind', 'detail']).where('incident_id', '=', incidentId).orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ at: iso(r.at), actor: r.actor, kind: r.kind, detail: r.detail }));
  }

  async setRootCauses(id: string, candidates: unknown[]): Promise<void> {
    await this.db.updateTable('incidents').set({ root_causes: JSON.stringify(candidates) }).where('id', '=', id).execute();
  }

  /** Root-cause candidates of many incidents, in one statement. */
  async setRootCausesMany(entries: ReadonlyArray<{ id: string; candidates: unknown[] }>): Promise<void> {
    if (entries.length === 0) return;
    await sql`
      update incidents i set root_causes = x.root_causes
      from jsonb_to_recordset(${JSON.stringify(entries.map((e) => ({ id: e.id, root_causes: e.candidates })))}::jsonb) as x(id text, root_causes jsonb)
      where i.id = x.id`.execute(this.db);
  }

  async statusOf(id: string): Promise<IncidentStatus | undefined> {
    const row = await this.db.selectFrom('incidents').select('status').where('id', '=', id).executeTakeFirst();
    return row?.status;
  }

  /** Incidents of the engine that are still active, with their members. */
  async activeMemberships(): Promise<ActiveMembership[]> {
    const rows = await this.db
      .selectFrom('incidents')
      .innerJoin('incident_alerts', 'incident_alerts.incident_id', 'incidents.id')
      .select(['incidents.id', 'incidents.correlation_key', 'incident_alerts.fingerprint'])
      .where('incidents.status', 'in', ACTIVE)
      .where('incidents.correlation_key', 'is not', null)
      .execute();
    const byId = new Map<string, ActiveMembership>();
    for (const r of rows) {
      let m = byId.get(r.id);
      if (!m) byId.set(r.id, (m = { id: r.id, key: r.correlation_key!, fingerprints: [] }));
      m.fingerprints.push(r.fingerprint);
    }
    return [...byId.values()];
  }

  async getSummary(id: string): Promise<IncidentSummary | undefined> {
    const row = await this.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.withFingerprints(row) : undefined;
  }

  /**
   * Summaries of many incidents in two or three statements, in the order of `ids` (missing ones
   * left out). `linkedTogether` names incidents whose every member the caller's write linked at one time
   * (opened by it, nothing moved in or out), with those members: their source fingerprints are
   * then put in link order (by fingerprint, in the store's collation) from the list given,
   * without reading members from the tables.
   */
  async getSummaries(ids: readonly string[], linkedTogether?: ReadonlyMap<string, ReadonlyArray<{ fingerprint: string; sourceFingerprint: string }>>): Promise<IncidentSummary[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('incidents').selectAll().where('id', 'in', [...ids]).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const given = rows.filter((r) => linkedTogether?.has(r.id));
    const fps = given.length > 0 ? await this.orderedFingerprints(given.map((r) => [r.id, linkedTogether!.get(r.id)!] as const)) : new Map<string, string[]>();
    for (const [id, list] of await this.fingerprintsOf(rows.filter((r) => !linkedTogether?.has(r.id)).map((r) => r.id))) fps.set(id, list);
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row ? [toSummary(row, fps.get(id) ?? [])] : [];
    });
  }

  /** As fingerprintsOf, for members given (linked at one time): ordered by fingerprint as the store orders it. */
  private async orderedFingerprints(members: ReadonlyArray<readonly [string, ReadonlyArray<{ fingerprint: string; sourceFingerprint: string }>]>): Promise<Map<string, string[]>> {
    const rows = members.flatMap(([id, list]) => list.map((m) => ({ i: id, f: m.fingerprint, s: m.sourceFingerprint })));
    const result = await sql<FingerprintRow>`
      select i as incident_id, s as source_fingerprint from (
        select i, s, f, row_number() over (partition by i order by f) as n
        from json_to_recordset(${JSON.stringify(rows)}::json) as x(i text, f text, s text)
      ) k
      where n <= ${SUMMARY_FINGERPRINT_LIMIT + 1}
      order by i, n`.execute(this.db);
    return listsByIncident(result.rows);
  }

  async get(id: string): Promise<Incident | undefined> {
    const summary = await this.getSummary(id);
    if (!summary) return undefined;
    const rows = await this.db
      .selectFrom('incident_alerts')
      .innerJoin('alerts', 'alerts.fingerprint', 'incident_alerts.fingerprint')
      .select(MEMBER_COLUMNS)
      .where('incident_alerts.incident_id', '=', id)
      .orderBy('incident_alerts.linked_at')
      .orderBy('alerts.fingerprint')
      .execute();
    const members: IncidentMember[] = rows.map(memberOf);
    const extra = await this.db.selectFrom('incidents').select('root_causes').where('id', '=', id).executeTakeFirst();
    return { ...summary, members, rootCauses: (extra?.root_causes ?? []) as Incident['rootCauses'], timeline: await this.timeline(id, 500) };
  }

  /** The first `limit` members' names, labels and annotations, in link order (for reading their metrics). */
  async memberLabels(id: string, limit: number): Promise<Array<{ name: string; labels: Record<string, string>; annotations: Record<string, string> }>> {
    return this.db
      .selectFrom('incident_alerts')
      .innerJoin('alerts', 'alerts.fingerprint', 'incident_alerts.fingerprint')
      .select(['alerts.name', 'alerts.labels', 'alerts.annotations'])
      .where('incident_alerts.incident_id', '=', id)
      .orderBy('incident_alerts.linked_at')
      .orderBy('incident_alerts.fingerprint')
      .limit(limit)
      .execute();
  }

  /** Labels of the firing members of active incidents (at most `limit`), for mapping them onto the topology. */
  async activeFiringLabels(limit: number): Promise<Array<{ incidentId: string; labels: Record<string, string> }>> {
    const rows = await this.db
      .selectFrom('incidents')
      .innerJoin('incident_alerts', 'incident_alerts.incident_id', 'incidents.id')
      .innerJoin('alerts', 'alerts.fingerprint', 'incident_alerts.fingerprint')
      .select(['incidents.id', 'alerts.labels'])
      .where('incidents.status', 'in', ACTIVE)
      .where('alerts.status', '=', 'firing')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ incidentId: r.id, labels: r.labels }));
  }

  /** Active incidents with their ranked root-cause candidates (those that have any), most severe activity first. */
  async activeWithRootCauses(limit: number): Promise<Array<{ id: string; title: string; severity: string; status: IncidentStatus; rootCauses: RootCauseCandidateView[] }>> {
    const rows = await this.db
      .selectFrom('incidents')
      .select(['id', 'title', 'severity', 'status', 'root_causes'])
      .where('status', 'in', ACTIVE)
      .orderBy('last_event_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, title: r.title, severity: r.severity, status: r.status, rootCauses: (r.root_causes ?? []) as RootCauseCandidateView[] }));
  }

  /** A page of incidents matching `filter`, in `sort` order (default: latest activity first). */
  async list(opts: IncidentFilter & { sort?: IncidentSort; limit: number; offset: number }): Promise<IncidentSummary[]> {
    let q = filtered(this.db.selectFrom('incidents').selectAll(), opts);
    const sort = opts.sort ?? 'last_event';
    if (sort === 'severity') q = q.orderBy(severityRankSql(), 'desc');
    if (sort === 'started') q = q.orderBy('started_at', 'desc');
    if (sort === 'alerts') q = q.orderBy('alert_count', 'desc');
    const rows = await q.orderBy('last_event_at', 'desc').orderBy('id').limit(opts.limit).offset(opts.offset).execute();
    if (rows.length === 0) return [];
    const byIncident = await this.fingerprintsOf(rows.map((r) => r.id));
    return rows.map((r) => toSummary(r, byIncident.get(r.id) ?? []));
  }

  /** How many incidents match `filter` (for a pager or a virtual list's height). */
  async count(filter: IncidentFilter): Promise<number> {
    const row = await filtered(this.db.selectFrom('incidents').select((eb) => eb.fn.countAll<string | number>().as('n')), filter).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private async withFingerprints(row: IncidentRow): Promise<IncidentSummary> {
    const fps = await this.fingerprintsOf([row.id]);
    return toSummary(row, fps.get(row.id) ?? []);
  }

  /**
   * The first SUMMARY_FINGERPRINT_LIMIT + 1 members' source fingerprints of each incident,
   * in link order, read through the (incident, linked_at) index: a few rows per incident
   * whatever its size, never a sort of all members.
   */
  private async fingerprintsOf(ids: string[]): Promise<Map<string, string[]>> {
    if (ids.length === 0) return new Map();
    const result = await sql<FingerprintRow>`
      select ids.id as incident_id, f.source_fingerprint
      from (values ${sql.join(ids.map((id) => sql`(${id})`))}) as ids(id)
      cross join lateral (
        select a.source_fingerprint
        from incident_alerts ia join alerts a on a.fingerprint = ia.fingerprint
        where ia.incident_id = ids.id
        order by ia.linked_at, ia.fingerprint
        limit ${SUMMARY_FINGERPRINT_LIMIT + 1}
      ) f`.execute(this.db);
    return listsByIncident(result.rows);
  }
}

interface FingerprintRow {
  incident_id: string;
  source_fingerprint: string;
}

/** Summary fingerprint rows, in their order, as one list per incident. */
function listsByIncident(rows: readonly FingerprintRow[]): Map<string, string[]> {
  const byIncident = new Map<string, string[]>();
  for (const r of rows) {
    const list = byIncident.get(r.incident_id);
    if (list) list.push(r.source_fingerprint);
    else byIncident.set(r.incident_id, [r.source_fingerprint]);
  }
  return byIncident;
}

/** Orders a list may take; each ends with latest activity, then id, so pages never overlap. */
export const INCIDENT_SORTS = ['last_event', 'severity', 'started', 'alerts'] as const;
export type IncidentSort = (typeof INCIDENT_SORTS)[number];

/** What the incident list can be narrowed by; every given condition must hold. */
export interface IncidentFilter {
  statuses?: IncidentStatus[];
  /** Severity levels (each severity word falls in one, engine/incident/severity.ts). */
  severities?: SeverityLevel[];
  /** Case-insensitive substring of the title or the group key. */
  text?: string;
  /** The owner, exactly; null: incidents nobody owns. */
  assignee?: string | null;
}

function filtered<O>(q: SelectQueryBuilder<DB, 'incidents', O>, f: IncidentFilter): SelectQueryBuilder<DB, 'incidents', O> {
  if (f.statuses && f.statuses.length > 0) q = q.where('status', 'in', f.statuses);
  if (f.severities && f.severities.length > 0) {
    const ranks = f.severities.map(levelRank);
    const listed = ranks.filter((r) => r > 1).flatMap(wordsOfRank);
    q = q.where((eb) => {
      const lower = sql<string>`lower(severity)`;
      const terms = [];
      if (listed.length > 0) terms.push(eb(lower, 'in', listed));
      // Rank 1 (unknown) is every word not ranked higher, listed or not.
      if (ranks.includes(1)) terms.push(eb(lower, 'not in', [2, 3, 4, 5].flatMap(wordsOfRank)));
      return eb.or(terms);
    });
  }
  if (f.text !== undefined && f.text !== '') {
    const pattern = `%${f.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) => eb.or([eb('title', 'ilike', pattern), eb('group_key', 'ilike', pattern)]));
  }
  if (f.assignee !== undefined) q = f.assignee === null ? q.where('assignee', 'is', null) : q.where('assignee', '=', f.assignee);
  return q;
}

/** severityRank in SQL: a CASE over the ranked words, unknown words ranking 1. */
function severityRankSql() {
  return sql<number>`case lower(severity) ${sql.join(
    rankedWords().map(([w, r]) => sql`when ${sql.lit(w)} then ${sql.lit(r)}`),
    sql` `,
  )} else 1 end`;
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
    component: row.component,
    assignee: row.assignee,
    acknowledgedAt: isoOrNull(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    mergedInto: row.merged_into,
  };
}

/** The columns a member is read from (incident_alerts joined with alerts). */
export const MEMBER_COLUMNS = [
  'alerts.fingerprint',
  'alerts.source',
  'alerts.source_fingerprint',
  'alerts.name',
  'alerts.status',
  'alerts.severity',
  'alerts.labels',
  'incident_alerts.link_reason',
  'incident_alerts.linked_at',
  'incident_alerts.score',
  'alerts.suppressed_by',
  'alerts.flapping',
] as const;

type MemberRow = Pick<Selectable<DB['alerts']>, 'fingerprint' | 'source' | 'source_fingerprint' | 'name' | 'status' | 'severity' | 'labels' | 'suppressed_by' | 'flapping'> &
  Pick<Selectable<DB['incident_alerts']>, 'link_reason' | 'linked_at' | 'score'>;

/** A member as the API shows it, from a row with MEMBER_COLUMNS. */
export function memberOf(r: MemberRow): IncidentMember {
  return {
    fingerprint: r.fingerprint,
    source: r.source,
    sourceFingerprint: r.source_fingerprint,
    name: r.name,
    status: r.status,
    severity: r.severity,
    labels: r.labels,
    linkReason: r.link_reason,
    linkedAt: iso(r.linked_at),
    linkScore: r.score,
    suppressedBy: r.suppressed_by,
    flapping: r.flapping,
  };
}
