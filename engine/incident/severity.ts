/** Severity words of the common senders, ranked so an incident takes its worst member's. */
const RANK: Record<string, number> = {
  critical: 5, fatal: 5, emergency: 5, disaster: 5, page: 5,
  high: 4, error: 4, major: 4,
  warning: 3, warn: 3, average: 3, minor: 3,
  info: 2, informational: 2, information: 2, low: 2, notice: 2,
  none: 1, unknown: 1, test: 1,
};

export function severityRank(s: string): number {
  return RANK[s.toLowerCase()] ?? 1;
}

export function worstSeverity(list: string[]): string {
  let best = 'unknown';
  for (const s of list) if (severityRank(s) > severityRank(best)) best = s;
  return list.length > 0 && best === 'unknown' ? (list[0] ?? best) : best;
}

/** The five levels every severity word falls into (by rank), for per-severity targets such as SLAs. */
export const SEVERITY_LEVELS = ['critical', 'error', 'warning', 'info', 'unknown'] as const;
export type SeverityLevel = (typeof SEVERITY_LEVELS)[number];

/** `fatal`, `page`, `disaster` → critical; `high`, `major` → error; `minor` → warning; … */
export function severityLevel(s: string): SeverityLevel {
  return SEVERITY_LEVELS[5 - severityRank(s)] ?? 'unknown';
  }


const LEVEL_RANK: Record<SeverityLevel, number> = { critical: 5, error: 4, warning: 3, info: 2, unknown: 1 };

/** The rank of a level (5 for critical … 1 for unknown). */
export function levelRank(level: SeverityLevel): number {
  return LEVEL_RANK[level];
}

/** The (lowercase) words ranked at `rank`; rank 1 also takes every word not listed. */
export function wordsOfRank(rank: number): string[] {
  return Object.keys(RANK).filter((w) => RANK[w] === rank);
}

/** Every listed word with its rank, for a SQL CASE that sorts like severityRank. */
export function rankedWords(): Array<[word: string, rank: number]> {
  return Object.entries(RANK);
}
