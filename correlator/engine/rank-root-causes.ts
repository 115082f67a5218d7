/**
 * Ranks the items of an incident as root-cause candidates, each with the evidence behind its
 * place, in words an operator can check:
 *
 * - upstream: how many of the other alerting items depend on it (transitively, along causal
 *   relations), and whether nothing alerting is upstream of it ("upstream-most");
 * - onset: how early its first alert came in the incident;
 * - changes: a change recorded on it shortly before (or during) the incident;
 * - causal patterns: learned type-to-type edges from its alert types to the other members'.
 *
 * When the alerting items share an upstream item that has no alert itself (a silent host, an
 * unmonitored switch), that item is a candidate too. Pure: same input, same ranking.
 */
import type { TopologyGraph } from '../../engine/topology/topology-graph.ts';
import { formatGap } from '../group-key.ts';
import type { IncidentView } from './incident-view.ts';

export interface RecentChange {
  id: string;
  itemId: string;
  atMs: number;
  summary?: string;
}

/** A learned causal edge between alert types (names or `name@kind` types), e.g. from correlator/causal. */
export interface CausalEdgeHint {
  cause: string;
  effect: string;
  /** Strength in (0, 1]; 1 when omitted. */
  weight?: number;
}

export interface RootCauseExtras {
  changes?: readonly RecentChange[];
  causalEdges?: readonly CausalEdgeHint[];
  /** How long before the first alert a change still counts. Default 2 hours. */
  changeWindowMs?: number;
  /** Hops searched for upstream relations. Default 6. */
  maxHops?: number;
}

export interface RootCauseCandidate {
  itemId: string;
  name: string;
  rank: number;
  score: number;
  components: { upstream: number; onset: number; change: number; causal: number };
  alerting: boolean;
  evidence: string[];
}

const WEIGHTS = { upstream: 0.45, onset: 0.25, change: 0.2, causal: 0.1 };

interface ItemFacts {
  onsetMs: number;
  alerts: number;
  types: Set<string>;
}

export function rankRootCauses(incident: IncidentView, graph: TopologyGraph | null, extras: RootCauseExtras = {}): RootCauseCandidate[] {
  const maxHops = extras.maxHops ?? 6;
  const changeWindowMs = extras.changeWindowMs ?? 2 * 3600_000;
  const facts = new Map<string, ItemFacts>();
  for (const m of incident.members) {
    for (const id of m.itemIds) {
      const f = facts.get(id) ?? { onsetMs: m.onsetMs, alerts: 0, types: new Set<string>() };
      f.onsetMs = Math.min(f.onsetMs, m.onsetMs);
      f.alerts++;
      f.types.add(m.name);
      f.types.add(m.type);
      facts.set(id, f);
    }
  }
  const alerting = [...facts.keys()].sort();
  if (alerting.length === 0) return [];
  const first = Math.min(...alerting.map((id) => facts.get(id)!.onsetMs));
  const last = Math.max(...alerting.map((id) => facts.get(id)!.onsetMs));
  const span = Math.max(1, last - first);

  const downstreamOf = new Map<string, Set<string>>();
  for (const id of alerting) downstreamOf.set(id, new Set(graph ? graph.downstream(id, maxHops).keys() : []));

  // Silent shared causes: upstream of every alerting item, alerting themselves not.
  const candidates = new Set(alerting);
  if (graph && alerting.length > 1) {
    let common = new Set<string>([alerting[0]!, ...graph.upstream(alerting[0]!, maxHops).keys()]);
    for (const id of alerting.slice(1)) {
      const up = new Set(graph.upstream(id, maxHops).keys());
      up.add(id);
      common = new Set([...common].filter((x) => up.has(x)));
    }
    for (const id of common) {
      if (facts.has(id)) continue;
      candidates.add(id);
      downstreamOf.set(id, new Set(graph.downstream(id, maxHops).keys()));
    }
  }

  const changes = extras.changes ?? [];
  const edges = extras.causalEdges ?? [];
  const out: Omit<RootCauseCandidate, 'rank'>[] = [];
  for (const id of candidates) {
    const f = facts.get(id);
    const evidence: string[] = [];
    const down = downstreamOf.get(id)!;
    const explained = alerting.filter((x) => x !== id && down.has(x));
    const others = alerting.filter((x) => x !== id).length;
    const upstreamAlerting = alerting.filter((x) => x !== id && downstreamOf.get(x)!.has(id));
    let upstream = others === 0 ? 1 : explained.length / others;
    if (upstreamAlerting.length === 0 && explained.length > 0) evidence.push(`upstream-most alerting item: ${explained.length} of ${others} other alerting items depend on it`);
    else if (explained.length > 0) evidence.push(`${explained.length} of ${others} other alerting items depend on it`);
    if (upstreamAlerting.length > 0) {
      upstream *= 0.5;
      evidence.push(`it depends on alerting ${upstreamAlerting.slice(0, 3).map((x) => graph?.nameOf(x) ?? x).join(', ')}`);
    }
    if (!f) evidence.push('no alert of its own: a shared upstream of every alerting item');

    const onset = f ? 1 - (f.onsetMs - first) / span : 0;
    if (f) evidence.push(f.onsetMs === first ? 'earliest onset in the incident' : `first alert ${formatGap(f.onsetMs - first)} the incident's first`);

    let change = 0;
    for (const c of changes) {
      if (c.itemId !== id || c.atMs > last || c.atMs < first - changeWindowMs) continue;
      change = 1;
      evidence.push(`change ${c.id}${c.summary ? ` (${c.summary})` : ''} ${formatGap(c.atMs - first)} the first alert`);
      break;
    }

    let causal = 0;
    if (f && edges.length > 0) {
      const otherTypes = new Set<string>();
      for (const [x, g] of facts) if (x !== id) for (const t of g.types) otherTypes.add(t);
      for (const e of edges) {
        if (f.types.has(e.cause) && otherTypes.has(e.effect)) {
          const w = e.weight ?? 1;
          if (w > causal) {
            causal = w;
            evidence.push(`learned pattern: ${e.cause} leads to ${e.effect}`);
          }
        }
      }
    }
    const score = WEIGHTS.upstream * upstream + WEIGHTS.onset * onset + WEIGHTS.change * change + WEIGHTS.causal * causal;
    out.push({ itemId: id, name: graph?.nameOf(id) ?? id, score, components: { upstream, onset, change, causal }, alerting: f !== undefined, evidence });
  }
  out.sort((a, b) => b.score - a.score || (facts.get(a.itemId)?.onsetMs ?? Infinity) - (facts.get(b.itemId)?.onsetMs ?? Infinity) || (a.itemId < b.itemId ? -1 : 1));
  return out.map((c, i) => ({ ...c, rank: i + 1 }));
}
