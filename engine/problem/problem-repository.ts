/**
 * Problems, their linked incidents and their timeline. Returns domain types; the caller owns
 * the transaction (workflows lock a problem with `lock` before changing it).
 */
import { sql } from 'kysely';
import { type Executor, iso, isoOrNull } from '../db/executor.ts';
import type { DayCount, LinkedIncident, Problem, ProblemLinkHow, ProblemOrigin, ProblemStatus, ProblemSummary, ProblemTimelineEntry } from './problem.ts';
import type { SignaturePart } from './signature.ts';

export interface NewProblem {
  id: string;
  signature: string;
  signatureParts: SignaturePart[];
  description: string;
  title: string;
  status: ProblemStatus;
  suggested: boolean;
  origin: ProblemOrigin;
  workaround?: string | null;
  rootCauseNotes?: string | null;
  evidence?: object;
  now: string;
}

export interface ProblemChange {
  status?: ProblemStatus;
  suggested?: boolean;
  workaround?: string | null;
  rootCauseNotes?: string | null;
  evidence?: object;
  rejectedAt?: string | null;
  resolvedAt?: string | null;
}

export interface TimelineDraft {
  who: string;
  action: string;
  from?: ProblemStatus | null;
  to?: ProblemStatus | null;
  detail?: Record<string, unknown>;
  at: string;
}

/** A known error as the matcher needs it. */
export interface KnownErrorRef {
  id: string;
  title: string;
  workaround: string;
  signatureParts: SignaturePart[];
}

type ProblemRow = {
  id: string;
  signature: string;
  signature_parts: SignaturePart[];
  description: string;
  title: string;
  status: ProblemStatus;
  suggested: boolean;
  origin: ProblemOrigin;
  workaround: string | null;
  occurrences: number;
  first_seen: Date | null;
  last_seen: Date | null;
  created_at: Date;
  updated_at: Date;
};

const SUMMARY_COLUMNS = [
  'id',
  'signature',
  'signature_parts',
  'description',
  'title',
  'status',
  'suggested',
  'origin',
  'workaround',
  'occurrences',
  'first_seen',
  'last_seen',
  'created_at',
  'updated_at',
] as const;

/** Timeline entries returned with a problem at most (newest kept). */
const TIMELINE_LIMIT = 500;
/** Linked incidents returned with a problem at most (newest kept); `occurrences` has the count. */
const INCIDENT_LIMIT = 1000;

export class ProblemRepository {
  constructor(private readonly db: Executor) {}

  async create(p: NewProblem): Promise<void> {
    await this.db
      .insertInto('problems')
      .values({
        id: p.id,
        signature: p.signature,
        signature_parts: JSON.stringify(p.signatureParts),
        description: p.description,
        title: p.title,
        status: p.status,
        suggested: p.suggested,
        origin: p.origin,
        workaround: p.workaround ?? null,
        root_cause_notes: p.rootCauseNotes ?? null,
        evidence: JSON.stringify(p.evidence ?? {}),
        created_at: p.now,
        updated_at: p.now,
      })
      .execute();
  }

  /** The problem's status and review flag, locked until the transaction ends; undefined when unknown. */
  async lock(id: string): Promise<{ status: ProblemStatus; suggested: boolean; workaround: string | null } | undefined> {
    return this.db.selectFrom('problems').select(['status', 'suggested', 'workaround']).where('id', '=', id).forUpdate().executeTakeFirst();
  }

  async update(id: string, change: ProblemChange, now: string): Promise<void> {
    await this.db
      .updateTable('problems')
      .set({
        ...(change.status !== undefined ? { status: change.status } : {}),
        ...(change.suggested !== undefined ? { suggested: change.suggested } : {}),
        ...(change.workaround !== undefined ? { workaround: change.workaround } : {}),
        ...(change.rootCauseNotes !== undefined ? { root_cause_notes: change.rootCauseNotes } : {}),
        ...(change.evidence !== undefined ? { evidence: JSON.stringify(change.evidence) } : {}),
        ...(change.rejectedAt !== undefined ? { rejected_at: change.rejectedAt } : {}),
        ...(change.resolvedAt !== undefined ? { resolved_at: change.resolvedAt } : {}),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  async addTimeline(problemId: string, e: TimelineDraft): Promise<void> {
    await this.db
      .insertInto('problem_timeline')
      .values({ problem_id: problemId, at: e.at, who: e.who, action: e.action, from_status: e.from ?? null, to_status: e.to ?? null, detail: JSON.stringify(e.detail ?? {}) })
      .execute();
  }

  /**
   * Links incidents (an incident already linked stays as it was) and refreshes the problem's
   * occurrence count and first/last seen. Returns the ids that were newly linked.
   */
  async link(problemId: string, incidentIds: readonly string[], how: ProblemLinkHow, now: string): Promise<string[]> {
    if (incidentIds.length === 0) return [];
    const inserted = await this.db
      .insertInto('problem_incidents')
      .values([...new Set(incidentIds)].map((incident_id) => ({ problem_id: problemId, incident_id, how, linked_at: now })))
      .onConflict((oc) => oc.columns(['problem_id', 'incident_id']).doNothing())
      .returning('incident_id')
      .execute();
    if (inserted.length > 0) await this.refreshOccurrences(problemId);
    return inserted.map((r) => r.incident_id);
  }

  async unlink(problemId: string, incidentIds: readonly string[]): Promise<string[]> {
    if (incidentIds.length === 0) return [];
    const deleted = await this.db
      .deleteFrom('problem_incidents')
      .where('problem_id', '=', problemId)
      .where('incident_id', 'in', [...new Set(incidentIds)])
      .returning('incident_id')
      .execute();
    if (deleted.length > 0) await this.refreshOccurrences(problemId);
    return deleted.map((r) => r.incident_id);
  }

  private async refreshOccurrences(problemId: string): Promise<void> {
    const agg = this.db
      .selectFrom('problem_incidents')
      .innerJoin('incidents', 'incidents.id', 'problem_incidents.incident_id')
      .where('problem_incidents.problem_id', '=', problemId);
    const row = await agg
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('incidents.started_at').as('first'), eb.fn.max('incidents.started_at').as('last')])
      .executeTakeFirst();
    await this.db
      .updateTable('problems')
      .set({ occurrences: Number(row?.n ?? 0), first_seen: row?.first ?? null, last_seen: row?.last ?? null })
      .where('id', '=', problemId)
      .execute();
  }

  async linkedIncidentIds(problemId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('problem_incidents').select('incident_id').where('problem_id', '=', problemId).execute();
    return rows.map((r) => r.incident_id);
  }

  /**
   * The problem that holds each signature, for the miner: the one not resolved (a mined one
   * first, then the most recently updated manual one). Open problems are few; all are read.
   */
  async currentBySignature(): Promise<Map<string, { id: string; status: Exclude<ProblemStatus, 'resolved'>; origin: ProblemOrigin; rejectedAt: Date | null }>> {
    const rows = await this.db
      .selectFrom('problems')
      .select(['id', 'signature', 'status', 'origin', 'rejected_at'])
      .where('status', '<>', 'resolved')
      .orderBy('signature')
      .orderBy(sql`case when origin = 'mined' then 0 else 1 end`)
      .orderBy('updated_at', 'desc')
      .orderBy('id')
      .execute();
    const out = new Map<string, { id: string; status: Exclude<ProblemStatus, 'resolved'>; origin: ProblemOrigin; rejectedAt: Date | null }>();
    for (const r of rows) {
      if (!out.has(r.signature)) out.set(r.signature, { id: r.id, status: r.status as Exclude<ProblemStatus, 'resolved'>, origin: r.origin, rejectedAt: r.rejected_at });
    }
    return out;
  }

  /** When the last problem of this signature was resolved, if one was. */
  async lastResolvedAt(signature: string): Promise<Date | null> {
    const row = await this.db
      .selectFrom('problems')
      .select((eb) => eb.fn.max('resolved_at').as('at'))
      .where('signature', '=', signature)
      .where('status', '=', 'resolved')
      .executeTakeFirst();
    return row?.at ?? null;
  }

  /** Problems in known_error with a workaround and a signature that can match. */
  async knownErrors(): Promise<KnownErrorRef[]> {
    const rows = await this.db
      .selectFrom('problems')
      .select(['id', 'title', 'workaround', 'signature_parts'])
      .where('status', '=', 'known_error')
      .where('workaround', 'is not', null)
      .orderBy('id')
      .execute();
    return rows
      .filter((r) => r.workaround !== null && r.workaround.trim() !== '' && r.signature_parts.length > 0)
      .map((r) => ({ id: r.id, title: r.title, workaround: r.workaround!, signatureParts: r.signature_parts }));
  }

  /**
   * The causal patterns learned for open problems (new, investigating, known error), as
   * type→type hints with a weight in (0, 1]: what a root-cause ranking can take as
   * `causalEdges` (correlator/engine/rank-root-causes.ts). The strongest weight wins per pair.
   */
  async causalHints(): Promise<Array<{ cause: string; effect: string; weight: number }>> {
    const rows = await this.db
      .selectFrom('problems')
      .select('evidence')
      .where('status', 'in', ['new', 'investigating', 'known_error'])
      .where('suggested', '=', false)
      .execute();
    const best = new Map<string, { cause: string; effect: string; weight: number }>();
    for (const r of rows) {
      const edges = (r.evidence as { causal?: { edges?: Array<{ cause?: unknown; effect?: unknown; strength?: unknown }> } }).causal?.edges ?? [];
      for (const e of edges) {
        if (typeof e.cause !== 'string' || typeof e.effect !== 'string' || typeof e.strength !== 'number' || !(e.strength > 0)) continue;
        const key = `${e.cause}\u0000${e.effect}`;
        const weight = Math.min(1, e.strength);
        if ((best.get(key)?.weight ?? 0) < weight) best.set(key, { cause: e.cause, effect: e.effect, weight });
      }
    }
    return [...best.values()].sort((a, b) => (a.cause < b.cause ? -1 : a.cause > b.cause ? 1 : a.effect < b.effect ? -1 : a.effect > b.effect ? 1 : 0));
  }

  /** Problems in these states (all when none given), most recently seen first. */
  async list(opts: { statuses?: ProblemStatus[]; limit: number; offset: number }): Promise<ProblemSummary[]> {
    let q = this.db.selectFrom('problems').select(SUMMARY_COLUMNS);
    if (opts.statuses && opts.statuses.length > 0) q = q.where('status', 'in', opts.statuses);
    const rows = await q
      .orderBy(sql`last_seen desc nulls last`)
      .orderBy('updated_at', 'desc')
      .orderBy('id')
      .limit(opts.limit)
      .offset(opts.offset)
      .execute();
    return rows.map(toSummary);
  }

  async getSummary(id: string): Promise<ProblemSummary | undefined> {
    const row = await this.db.selectFrom('problems').select(SUMMARY_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toSummary(row) : undefined;
  }

  async get(id: string): Promise<Problem | undefined> {
    const row = await this.db.selectFrom('problems').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const incidents = await this.db
      .selectFrom('problem_incidents')
      .innerJoin('incidents', 'incidents.id', 'problem_incidents.incident_id')
      .select([
        'problem_incidents.incident_id',
        'problem_incidents.how',
        'problem_incidents.linked_at',
        'incidents.title',
        'incidents.status',
        'incidents.severity',
        'incidents.started_at',
        'incidents.resolved_at',
      ])
      .where('problem_incidents.problem_id', '=', id)
      .orderBy('incidents.started_at', 'desc')
      .orderBy('incidents.id')
      .limit(INCIDENT_LIMIT)
      .execute();
    const timeline = await this.db
      .selectFrom('problem_timeline')
      .selectAll()
      .where('problem_id', '=', id)
      .orderBy('id', 'desc')
      .limit(TIMELINE_LIMIT)
      .execute();
    const frequency = await this.frequency(id);
    return {
      ...toSummary(row),
      rootCauseNotes: row.root_cause_notes,
      evidence: row.evidence as Problem['evidence'],
      rejectedAt: isoOrNull(row.rejected_at),
      resolvedAt: isoOrNull(row.resolved_at),
      incidents: incidents.map(
        (r): LinkedIncident => ({
          incidentId: r.incident_id,
          how: r.how,
          linkedAt: iso(r.linked_at),
          title: r.title,
          status: r.status,
          severity: r.severity,
          startedAt: iso(r.started_at),
          resolvedAt: isoOrNull(r.resolved_at),
        }),
      ),
      timeline: timeline.reverse().map(
        (r): ProblemTimelineEntry => ({
          id: Number(r.id),
          at: iso(r.at),
          who: r.who,
          action: r.action,
          from: r.from_status,
          to: r.to_status,
          detail: r.detail,
        }),
      ),
      frequency,
    };
  }

  /** The problems an incident is linked to, with how it came to be linked; most recently linked first. */
  async ofIncident(incidentId: string): Promise<Array<ProblemSummary & { how: ProblemLinkHow; linkedAt: string }>> {
    const rows = await this.db
      .selectFrom('problem_incidents')
      .innerJoin('problems', 'problems.id', 'problem_incidents.problem_id')
      .select(SUMMARY_COLUMNS.map((c) => `problems.${c}` as const))
      .select(['problem_incidents.how', 'problem_incidents.linked_at'])
      .where('problem_incidents.incident_id', '=', incidentId)
      .orderBy('problem_incidents.linked_at', 'desc')
      .orderBy('problems.id')
      .limit(100)
      .execute();
    return rows.map((r) => ({ ...toSummary(r), how: r.how, linkedAt: iso(r.linked_at) }));
  }

  /** Linked incidents per UTC day of their start, from `sinceDay` (YYYY-MM-DD) on, for many problems at once. */
  async frequencies(ids: readonly string[], sinceDay: string): Promise<Map<string, DayCount[]>> {
    const out = new Map<string, DayCount[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return out;
    const result = await sql<{ problem_id: string; day: string; n: number }>`
      select pi.problem_id, to_char(i.started_at at time zone 'UTC', 'YYYY-MM-DD') as day, count(*)::int as n
      from problem_incidents pi join incidents i on i.id = pi.incident_id
      where pi.problem_id in (${sql.join([...ids])}) and i.started_at >= ${`${sinceDay}T00:00:00Z`}::timestamptz
      group by 1, 2 order by 1, 2`.execute(this.db);
    for (const r of result.rows) out.get(r.problem_id)?.push({ day: r.day, count: Number(r.n) });
    return out;
  }

  /** Linked incidents per UTC day of their start. */
  async frequency(id: string): Promise<DayCount[]> {
    const result = await sql<{ day: string; n: number }>`
      select to_char(i.started_at at time zone 'UTC', 'YYYY-MM-DD') as day, count(*)::int as n
      from problem_incidents pi join incidents i on i.id = pi.incident_id
      where pi.problem_id = ${id}
      group by 1 order by 1`.execute(this.db);
    return result.rows.map((r) => ({ day: r.day, count: Number(r.n) }));
  }

  /**
   * Open problems (new, investigating, known error) whose evidence is missing or older than
   * their latest link: what the miner should (re)assemble evidence for.
   */
  async needingEvidence(limit: number): Promise<string[]> {
    const result = await sql<{ id: string }>`
      select p.id from problems p
      where p.status in ('new', 'investigating', 'known_error')
        and (p.evidence->>'minedAt' is null
             or exists (select 1 from problem_incidents pi
                        where pi.problem_id = p.id and pi.linked_at > (p.evidence->>'minedAt')::timestamptz))
      order by p.id
      limit ${limit}`.execute(this.db);
    return result.rows.map((r) => r.id);
  }

  /** What evidence is assembled from: the signature and the linked incidents (the latest INCIDENT_LIMIT), oldest first. */
  async evidenceInputs(id: string): Promise<
    | {
        signature: string;
        signatureParts: SignaturePart[];
        description: string;
        incidents: Array<{ id: string; startedAt: Date; lastEventAt: Date; rootCauses: unknown[] }>;
      }
    | undefined
  > {
    const row = await this.db.selectFrom('problems').select(['signature', 'signature_parts', 'description']).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const incidents = await this.db
      .selectFrom('problem_incidents')
      .innerJoin('incidents', 'incidents.id', 'problem_incidents.incident_id')
      .select(['incidents.id', 'incidents.started_at', 'incidents.last_event_at', 'incidents.root_causes'])
      .where('problem_incidents.problem_id', '=', id)
      .orderBy('incidents.started_at', 'desc')
      .orderBy('incidents.id', 'desc')
      .limit(INCIDENT_LIMIT)
      .execute();
    incidents.reverse();
    return {
      signature: row.signature,
      signatureParts: row.signature_parts,
      description: row.description,
      incidents: incidents.map((r) => ({ id: r.id, startedAt: r.started_at, lastEventAt: r.last_event_at, rootCauses: r.root_causes })),
    };
  }
}

function toSummary(row: ProblemRow): ProblemSummary {
  return {
    id: row.id,
    title: row.title,
    status: row.status,
    suggested: row.suggested,
    origin: row.origin,
    signature: row.signature,
    signatureParts: row.signature_parts,
    description: row.description,
    workaround: row.workaround,
    occurrences: row.occurrences,
    firstSeen: isoOrNull(row.first_seen),
    lastSeen: isoOrNull(row.last_seen),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
