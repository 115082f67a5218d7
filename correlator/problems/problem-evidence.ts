/**
 * The evidence a problem manager reviews, assembled from a problem's incidents: the signature,
 * occurrences per day, the root-cause candidates its incidents most often had, the causal
 * patterns among its alert types, and the latest incident re-ranked with those patterns; then
 * the same in sentences. Pure.
 */
import type { DayCount, ProblemEvidence, RecurringRootCause } from '../../engine/problem/problem.ts';
import type { IncidentSignature } from '../../engine/problem/signature.ts';

export interface EvidenceIncident {
  id: string;
  startedAtMs: number;
  /** incidents.root_causes as stored: ranked candidates, best first. */
  rootCauses: readonly unknown[];
}

export interface EvidenceInput {
  signature: Pick<IncidentSignature, 'key' | 'description' | 'parts'>;
  incidents: readonly EvidenceIncident[];
  causal: ProblemEvidence['causal'];
  rankedWithPatterns: ProblemEvidence['rankedWithPatterns'];
  windowDays: number;
  minOccurrences: number;
  nowMs: number;
}

/** Root-cause candidates listed at most. */
const ROOT_CAUSES_SHOWN = 5;

export function buildProblemEvidence(input: EvidenceInput): ProblemEvidence {
  const perDay = countPerDay(input.incidents.map((i) => i.startedAtMs));
  const rootCauses = tallyRootCauses(input.incidents);
  const evidence: Omit<ProblemEvidence, 'explanation'> = {
    signature: { key: input.signature.key, description: input.signature.description, parts: [...input.signature.parts] },
    window: { days: input.windowDays, minOccurrences: input.minOccurrences },
    occurrences: { total: input.incidents.length, perDay },
    rootCauses,
    causal: input.causal,
    rankedWithPatterns: input.rankedWithPatterns,
    minedAt: new Date(input.nowMs).toISOString(),
  };
  return { ...evidence, explanation: explain(evidence, input) };
}

export function countPerDay(timesMs: readonly number[]): DayCount[] {
  const counts = new Map<string, number>();
  for (const t of timesMs) {
    const day = new Date(t).toISOString().slice(0, 10);
    counts.set(day, (counts.get(day) ?? 0) + 1);
  }
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, count]) => ({ day, count }));
}

/** How often each item was a root-cause candidate, and how often the first one. */
export function tallyRootCauses(incidents: readonly EvidenceIncident[]): RecurringRootCause[] {
  const byItem = new Map<string, { name: string; top: number; seen: number; scoreSum: number }>();
  for (const inc of incidents) {
    const seenHere = new Set<string>();
    for (const raw of inc.rootCauses) {
      const c = raw as { itemId?: unknown; name?: unknown; rank?: unknown; score?: unknown };
      if (typeof c.itemId !== 'string' || seenHere.has(c.itemId)) continue;
      seenHere.add(c.itemId);
      const t = byItem.get(c.itemId) ?? { name: typeof c.name === 'string' ? c.name : c.itemId, top: 0, seen: 0, scoreSum: 0 };
      t.seen++;
      if (c.rank === 1) t.top++;
      t.scoreSum += typeof c.score === 'number' ? c.score : 0;
      byItem.set(c.itemId, t);
    }
  }
  return [...byItem.entries()]
    .map(([itemId, t]) => ({ itemId, name: t.name, top: t.top, seen: t.seen, meanScore: Math.round((t.scoreSum / t.seen) * 1000) / 1000 }))
    .sort((a, b) => b.top - a.top || b.seen - a.seen || b.meanScore - a.meanScore || (a.itemId < b.itemId ? -1 : 1))
    .slice(0, ROOT_CAUSES_SHOWN);
}

function explain(e: Omit<ProblemEvidence, 'explanation'>, input: EvidenceInput): string[] {
  const out: string[] = [];
  const n = e.occurrences.total;
  const days = e.occurrences.perDay;
  const span = days.length > 0 ? ` (first ${days[0]!.day}, last ${days[days.length - 1]!.day})` : '';
  out.push(`${e.signature.description} recurred in ${n} incident${n === 1 ? '' : 's'}${span}; a signature becomes a suggestion at ${e.window.minOccurrences} incidents within ${e.window.days} days.`);
  const busiest = [...days].sort((a, b) => b.count - a.count)[0];
  if (busiest && busiest.count > 1) out.push(`The busiest day was ${busiest.day}, with ${busiest.count} incidents.`);
  const top = e.rootCauses[0];
  if (top && top.top > 0) {
    out.push(`${top.name} was the top root-cause candidate in ${top.top} of ${n} incidents${e.rootCauses[1] && e.rootCauses[1].top > 0 ? `, ${e.rootCauses[1].name} in ${e.rootCauses[1].top}` : ''}.`);
  } else if (top) {
    out.push(`${top.name} was a root-cause candidate in ${top.seen} of ${n} incidents.`);
  } else {
    out.push('Its incidents carry no root-cause candidates (no topology covered their alerts).');
  }
  if (e.causal.status === 'mined') {
    if (e.causal.edges.length === 0) out.push(`No causal pattern stands out among its alert types in ${e.causal.events} occurrences: they tend to fire together without a consistent order.`);
    for (const edge of e.causal.edges.slice(0, 5)) out.push(`Learned pattern: ${edge.words}.`);
  } else if (e.causal.status === 'not-enough-data') {
    out.push(`Too little history (${e.causal.events} occurrences) to learn which of its alert types causes which; that needs ${input.minOccurrences} episodes of at least two of them in the window.`);
  }
  const ranked = e.rankedWithPatterns?.candidates[0];
  if (ranked && e.rankedWithPatterns) out.push(`With these patterns, ${ranked.name} ranks first as the root cause of the latest incident (${e.rankedWithPatterns.incidentId}).`);
  return out;
}
