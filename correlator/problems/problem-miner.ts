/**
 * Problem mining over the store: resolved incidents of the last `windowDays` are grouped by
 * signature; decideProblem says per signature whether to suggest a problem, link new
 * incidents to the one that holds it, bring back a rejected suggestion, or do nothing. Then the
 * evidence of every open problem whose incidents changed is assembled anew (recurring root
 * causes, causal patterns among its alert types, the latest incident re-ranked with them), and
 * active incidents are swept for known errors the bus may have let slip.
 *
 * Idempotent: a second run over the same store links nothing and suggests nothing. Several
 * engine processes run the job for a time slot once (its job id), and should two runs still
 * overlap, the unique index on open mined signatures keeps one suggestion per signature.
 */
import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { ProblemAttachedMessage } from '../../engine/bus/events.ts';
import type { DB } from '../../engine/db/tables.ts';
import { incidentMembers, incidentSignatures } from '../../engine/problem/incident-signatures.ts';
import { activeIncidentIds, attachKnownErrors } from '../../engine/problem/known-error-matcher.ts';
import type { ProblemEvidence } from '../../engine/problem/problem.ts';
import { ProblemRepository } from '../../engine/problem/problem-repository.ts';
import { type IncidentSignature, normalizeAlertName, signaturePartOf } from '../../engine/problem/signature.ts';
import { type TopologySnapshot, TopologySnapshots, itemsOf } from '../../engine/problem/topology-snapshot.ts';
import type { ItemAdjacency } from '../causal/causal-pattern.ts';
import type { IncidentView, MemberView } from '../engine/incident-view.ts';
import { rankRootCauses } from '../engine/rank-root-causes.ts';
import { type CurrentProblem, decideProblem } from './decide-problem.ts';
import { buildProblemEvidence } from './problem-evidence.ts';
import { type TypedOccurrence, mineProblemPatterns } from './problem-patterns.ts';

export const MINER = 'miner';

export interface ProblemMinerOptions {
  db: Kysely<DB>;
  /** A signature becomes a suggestion at this many incidents within the window. */
  minOccurrences: number;
  windowDays: number;
  /** A rejected suggestion comes back after this many new incidents of its signature. */
  resuggestAfter: number;
  now?: () => number;
  topology?: TopologySnapshots;
}

export interface MiningReport {
  /** Distinct signatures among the window's resolved incidents. */
  signatures: number;
  created: string[];
  /** Incidents newly linked, per problem (suggestions and re-suggestions included). */
  linked: Record<string, number>;
  resuggested: string[];
  evidence: string[];
  /** Known errors attached by the sweep; the caller publishes them. */
  attached: ProblemAttachedMessage[];
}

/** Incidents read per run at most (the newest); a busier window is mined on its latest part. */
const INCIDENT_LIMIT = 50_000;
/** Alert occurrences fed to causal mining per problem at most (the newest). */
const OCCURRENCE_LIMIT = 20_000;
/** Problems whose evidence is reassembled per run at most; the rest wait for the next run. */
const EVIDENCE_PER_RUN = 200;
const DAY_MS = 86_400_000;
const TITLE_LENGTH = 200;

export class ProblemMiner {
  private readonly now: () => number;
  private readonly topology: TopologySnapshots;

  constructor(private readonly opts: ProblemMinerOptions) {
    this.now = opts.now ?? Date.now;
    this.topology = opts.topology ?? new TopologySnapshots();
  }

  async run(): Promise<MiningReport> {
    const db = this.opts.db;
    const nowMs = this.now();
    const now = new Date(nowMs).toISOString();
    const since = new Date(nowMs - this.opts.windowDays * DAY_MS);
    const report: MiningReport = { signatures: 0, created: [], linked: {}, resuggested: [], evidence: [], attached: [] };

    const incidents = await db
      .selectFrom('incidents')
      .select(['id', 'started_at'])
      .where('status', 'in', ['resolved', 'closed'])
      .where('started_at', '>=', since)
      .where('started_at', '<=', new Date(nowMs))
      .orderBy('started_at', 'desc')
      .limit(INCIDENT_LIMIT)
      .execute();
    const snapshot = await this.topology.current(db);
    const signatures = await incidentSignatures(db, snapshot, incidents.map((i) => i.id));
    const groups = new Map<string, { signature: IncidentSignature; incidents: Array<{ id: string; startedAtMs: number }> }>();
    for (const inc of incidents) {
      const sig = signatures.get(inc.id);
      if (!sig || sig.parts.length === 0) continue;
      const g = groups.get(sig.key) ?? { signature: sig, incidents: [] };
      g.incidents.push({ id: inc.id, startedAtMs: inc.started_at.getTime() });
      groups.set(sig.key, g);
    }
    report.signatures = groups.size;

    const repo = new ProblemRepository(db);
    const holders = await repo.currentBySignature();
    for (const key of [...groups.keys()].sort()) {
      const group = groups.get(key)!;
      const held = holders.get(key);
      // Below the threshold and held by no problem: nothing to look up.
      if (!held && group.incidents.length < this.opts.minOccurrences) continue;
      let current: CurrentProblem | null = null;
      if (held) {
        current = {
          id: held.id,
          status: held.status,
          rejectedAtMs: held.rejectedAt?.getTime() ?? null,
          linked: new Set(await repo.linkedIncidentIds(held.id)),
        };
      }
      const lastResolved = held ? null : await repo.lastResolvedAt(key);
      const decision = decideProblem(group.incidents, current, lastResolved?.getTime() ?? null, this.opts);
      if (decision.action === 'create') {
        const id = await this.suggest(group.signature, decision.incidentIds, now);
        if (id !== undefined) {
          report.created.push(id);
          report.linked[id] = decision.incidentIds.length;
        }
      } else if (decision.action === 'link' || decision.action === 'resuggest') {
        const expected = decision.action === 'resuggest' ? 'rejected' : current!.status;
        const linked = await db.transaction().execute(async (trx) => {
          const problems = new ProblemRepository(trx);
          const locked = await problems.lock(decision.problemId);
          // Changed since it was read (a person resolved or rejected it): next run decides anew.
          if (locked?.status !== expected) return undefined;
          if (decision.action === 'resuggest') {
            await problems.update(decision.problemId, { status: 'new', suggested: true }, now);
            await problems.addTimeline(decision.problemId, {
              who: MINER,
              action: 're-suggested',
              from: 'rejected',
              to: 'new',
              at: now,
              detail: { recurrencesSinceRejection: decision.sinceRejection, threshold: this.opts.resuggestAfter },
            });
          }
          const ids = await problems.link(decision.problemId, decision.incidentIds, 'mined', now);
          if (ids.length > 0) await problems.addTimeline(decision.problemId, { who: MINER, action: 'linked', at: now, detail: { incidentIds: ids } });
          return ids;
        });
        if (linked === undefined) continue;
        if (decision.action === 'resuggest') report.resuggested.push(decision.problemId);
        if (linked.length > 0) report.linked[decision.problemId] = linked.length;
      }
    }

    for (const id of await repo.needingEvidence(EVIDENCE_PER_RUN)) {
      await this.refreshEvidence(id, snapshot, nowMs);
      report.evidence.push(id);
    }

    report.attached = await attachKnownErrors({ db, topology: this.topology, incidentIds: await activeIncidentIds(db), now: this.now });
    return report;
  }

  /** Creates a suggestion; undefined when a concurrent run created it first. */
  private async suggest(signature: IncidentSignature, incidentIds: string[], now: string): Promise<string | undefined> {
    const id = randomUUID();
    try {
      await this.opts.db.transaction().execute(async (trx) => {
        const problems = new ProblemRepository(trx);
        await problems.create({
          id,
          signature: signature.key,
          signatureParts: signature.parts,
          description: signature.description,
          title: `Recurring: ${signature.description}`.slice(0, TITLE_LENGTH),
          status: 'new',
          suggested: true,
          origin: 'mined',
          now,
        });
        await problems.link(id, incidentIds, 'mined', now);
        await problems.addTimeline(id, {
          who: MINER,
          action: 'suggested',
          to: 'new',
          at: now,
          detail: { occurrences: incidentIds.length, windowDays: this.opts.windowDays, minOccurrences: this.opts.minOccurrences },
        });
      });
      return id;
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return undefined;
      throw err;
    }
  }

  /** Assembles a problem's evidence from its linked incidents and the alert history of its types. */
  async refreshEvidence(problemId: string, snapshot?: TopologySnapshot, nowMs = this.now()): Promise<ProblemEvidence | undefined> {
    const db = this.opts.db;
    const topo = snapshot ?? (await this.topology.current(db));
    const input = await new ProblemRepository(db).evidenceInputs(problemId);
    if (!input) return undefined;
    const types = [...new Set(input.signatureParts.map((p) => p.type))].sort();
    const occurrences = await this.occurrencesOf(input.incidents.map((i) => i.id), new Set(types), topo, nowMs);
    const causal = mineProblemPatterns(occurrences, { types, minOccurrences: this.opts.minOccurrences, adjacency: adjacencyOf(occurrences, topo) });
    const latest = input.incidents[input.incidents.length - 1];
    const rankedWithPatterns = causal.edges.length > 0 && latest && topo.graph ? await this.rankLatest(latest, causal.edges, topo) : null;
    const evidence = buildProblemEvidence({
      signature: { key: input.signature, description: input.description, parts: input.signatureParts },
      incidents: input.incidents.map((i) => ({ id: i.id, startedAtMs: i.startedAt.getTime(), rootCauses: i.rootCauses })),
      causal,
      rankedWithPatterns,
      windowDays: this.opts.windowDays,
      minOccurrences: this.opts.minOccurrences,
      nowMs,
    });
    // Not a change a person made: the problem's updated_at stays.
    await db.updateTable('problems').set({ evidence: JSON.stringify(evidence) }).where('id', '=', problemId).execute();
    return evidence;
  }

  /**
   * Firing events in the window of every alert whose name its incidents' members carry and whose
   * part has one of the problem's types, typed and placed as in signatures.
   */
  private async occurrencesOf(incidentIds: string[], types: ReadonlySet<string>, topo: TopologySnapshot, nowMs: number): Promise<TypedOccurrence[]> {
    if (types.size < 2) return [];
    const members = await incidentMembers(this.opts.db, incidentIds);
    const names = new Set<string>();
    for (const list of members.values()) for (const m of list) names.add(m.name);
    if (names.size === 0) return [];
    const rows = await this.opts.db
      .selectFrom('alert_events')
      .innerJoin('alerts', 'alerts.fingerprint', 'alert_events.fingerprint')
      .select(['alerts.fingerprint', 'alerts.name', 'alerts.labels', 'alert_events.event_time'])
      .where('alerts.name', 'in', [...names])
      .where('alert_events.status', '=', 'firing')
      .where('alert_events.event_time', '>=', new Date(nowMs - this.opts.windowDays * DAY_MS))
      .where('alert_events.event_time', '<=', new Date(nowMs))
      .orderBy('alert_events.event_time', 'desc')
      .limit(OCCURRENCE_LIMIT)
      .execute();
    const placeOf = new Map<string, { type: string; item: string } | null>();
    const out: TypedOccurrence[] = [];
    for (const r of rows) {
      let place = placeOf.get(r.fingerprint);
      if (place === undefined) {
        const items = itemsOf(topo, r.labels);
        const part = signaturePartOf({ name: r.name, labels: r.labels, items });
        place = types.has(part.type) ? { type: part.type, item: items[0]?.id ?? (part.where || `type:${normalizeAlertName(r.name)}`) } : null;
        placeOf.set(r.fingerprint, place);
      }
      if (place) out.push({ type: place.type, item: place.item, timeMs: r.event_time.getTime() });
    }
    return out.reverse();
  }

  /** The latest incident's items ranked with the learned patterns as causal hints. */
  private async rankLatest(
    latest: { id: string; startedAt: Date; lastEventAt: Date },
    edges: ProblemEvidence['causal']['edges'],
    topo: TopologySnapshot,
  ): Promise<ProblemEvidence['rankedWithPatterns']> {
    const members = await sql<{ fingerprint: string; name: string; labels: Record<string, string>; onset: Date | null }>`
      select a.fingerprint, a.name, a.labels,
        (select min(e.event_time) from alert_events e
          where e.fingerprint = a.fingerprint and e.status = 'firing'
            and e.event_time between ${latest.startedAt} and ${latest.lastEventAt}) as onset
      from incident_alerts ia join alerts a on a.fingerprint = ia.fingerprint
      where ia.incident_id = ${latest.id}
      order by ia.linked_at, a.fingerprint
      limit 1000`.execute(this.opts.db);
    const views: MemberView[] = members.rows.map((r) => {
      const labels = typeof r.labels === 'string' ? (JSON.parse(r.labels) as Record<string, string>) : r.labels;
      const items = itemsOf(topo, labels);
      const part = signaturePartOf({ name: r.name, labels, items });
      return {
        fingerprint: r.fingerprint,
        name: normalizeAlertName(r.name),
        type: part.type,
        itemIds: items.map((i) => i.id),
        onsetMs: new Date(r.onset ?? latest.startedAt).getTime(),
        firing: false,
        flapping: false,
        reason: '',
        score: null,
      };
    });
    if (views.length === 0) return null;
    const view: IncidentView = {
      key: latest.id,
      status: 'resolved',
      firstOnsetMs: Math.min(...views.map((v) => v.onsetMs)),
      lastOnsetMs: Math.max(...views.map((v) => v.onsetMs)),
      resolvedAtMs: null,
      mergedInto: null,
      component: null,
      members: views,
    };
    const ranked = rankRootCauses(view, topo.graph, { causalEdges: edges.map((e) => ({ cause: e.cause, effect: e.effect, weight: Math.min(1, e.strength) })) });
    return {
      incidentId: latest.id,
      candidates: ranked.slice(0, 5).map((c) => ({ itemId: c.itemId, name: c.name, rank: c.rank, score: Math.round(c.score * 1000) / 1000, evidence: c.evidence })),
    };
  }
}

/** Topology neighbours among the items the occurrences are on (undirected, as causal mining wants). */
function adjacencyOf(occurrences: readonly TypedOccurrence[], topo: TopologySnapshot): ItemAdjacency | undefined {
  if (!topo.graph) return undefined;
  const items = new Set(occurrences.map((o) => o.item));
  const adjacency = new Map<string, string[]>();
  for (const id of items) {
    const near = topo.graph.neighbours(id).map((n) => n.id).filter((n) => items.has(n));
    if (near.length > 0) adjacency.set(id, [...new Set(near)].sort());
  }
  return adjacency;
}
