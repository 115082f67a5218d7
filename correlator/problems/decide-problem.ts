/**
 * What the miner does with one recurring signature, given what the store already holds for it.
 * Pure: the problem miner reads the state, calls this, and writes the outcome.
 *
 * - No problem holds the signature: a suggestion is created once at least `minOccurrences`
 *   incidents carry it in the window. Incidents that started before the last problem of this
 *   signature was resolved do not count again (they were that problem's).
 * - A problem holds it (new, investigating, known error; mined or manual): incidents not yet
 *   linked to it are linked. Re-running therefore links only new incidents.
 * - A rejected suggestion holds it: nothing happens until `resuggestAfter` incidents carrying
 *   it started after the rejection; then it is suggested again (status new) with every
 *   incident of the window not yet linked.
 */

export interface RecurringIncident {
  id: string;
  startedAtMs: number;
}

export interface CurrentProblem {
  id: string;
  status: 'new' | 'investigating' | 'known_error' | 'rejected';
  rejectedAtMs: number | null;
  linked: ReadonlySet<string>;
}

export interface DecideOptions {
  minOccurrences: number;
  resuggestAfter: number;
}

export type ProblemDecision =
  | { action: 'none'; reason: string }
  | { action: 'create'; incidentIds: string[] }
  | { action: 'link'; problemId: string; incidentIds: string[] }
  | { action: 'resuggest'; problemId: string; incidentIds: string[]; sinceRejection: number };

export function decideProblem(
  incidents: readonly RecurringIncident[],
  current: CurrentProblem | null,
  lastResolvedAtMs: number | null,
  opts: DecideOptions,
): ProblemDecision {
  const ordered = [...incidents].sort((a, b) => a.startedAtMs - b.startedAtMs || (a.id < b.id ? -1 : 1));
  if (current === null) {
    const eligible = lastResolvedAtMs === null ? ordered : ordered.filter((i) => i.startedAtMs > lastResolvedAtMs);
    if (eligible.length < opts.minOccurrences) {
      return { action: 'none', reason: `${eligible.length} occurrence(s), below the threshold of ${opts.minOccurrences}` };
    }
    return { action: 'create', incidentIds: eligible.map((i) => i.id) };
  }
  const fresh = ordered.filter((i) => !current.linked.has(i.id)).map((i) => i.id);
  if (current.status === 'rejected') {
    const since = current.rejectedAtMs;
    const after = since === null ? 0 : ordered.filter((i) => i.startedAtMs > since).length;
    if (since === null || after < opts.resuggestAfter) {
      return { action: 'none', reason: `rejected; ${after} of ${opts.resuggestAfter} recurrences since the rejection` };
    }
    return { action: 'resuggest', problemId: current.id, incidentIds: fresh, sinceRejection: after };
  }
  if (fresh.length === 0) return { action: 'none', reason: 'every incident is already linked' };
  return { action: 'link', problemId: current.id, incidentIds: fresh };
}
