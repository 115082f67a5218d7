/**
 * The problem: the cause behind recurring incidents. Lifecycle new → investigating →
 * known_error (with a workaround) → resolved; a suggestion of the miner can be rejected
 * instead (problem-workflow.ts has the transition table).
 */
import type { SignaturePart } from './signature.ts';

export const PROBLEM_STATUSES = ['new', 'investigating', 'known_error', 'resolved', 'rejected'] as const;
export type ProblemStatus = (typeof PROBLEM_STATUSES)[number];

/** `mined`: suggested by the recurring-incident miner; `manual`: filed by a person from incidents. */
export type ProblemOrigin = 'mined' | 'manual';

/** How an incident came to be linked: the miner, a person, or the known-error matcher. */
export type ProblemLinkHow = 'mined' | 'manual' | 'known-error';

export interface ProblemSummary {
  id: string;
  title: string;
  status: ProblemStatus;
  /** A mined suggestion nobody has accepted or rejected yet. */
  suggested: boolean;
  origin: ProblemOrigin;
  /** The signature key its incidents share, and the parts a new incident must contain to match. */
  signature: string;
  signatureParts: SignaturePart[];
  /** The signature in words. */
  description: string;
  workaround: string | null;
  occurrences: number;
  firstSeen: string | null;
  lastSeen: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface LinkedIncident {
  incidentId: string;
  how: ProblemLinkHow;
  linkedAt: string;
  title: string;
  status: string;
  severity: string;
  startedAt: string;
  resolvedAt: string | null;
}

export interface ProblemTimelineEntry {
  id: number;
  at: string;
  /** A token's name, or `miner` / `known-error-matcher` for the engine. */
  who: string;
  action: string;
  from: ProblemStatus | null;
  to: ProblemStatus | null;
  detail: Record<string, unknown>;
}

export interface Problem extends ProblemSummary {
  rootCauseNotes: string | null;
  /** What the miner found (ProblemEvidence), or for a manual problem what its incidents show. */
  evidence: ProblemEvidence | Record<string, never>;
  rejectedAt: string | null;
  resolvedAt: string | null;
  incidents: LinkedIncident[];
  timeline: ProblemTimelineEntry[];
  /** Linked incidents per UTC day of their start, oldest first. */
  frequency: DayCount[];
}

export interface DayCount {
  /** YYYY-MM-DD, UTC. */
  day: string;
  count: number;
}

/** A root-cause candidate as often as it was ranked among a problem's incidents. */
export interface RecurringRootCause {
  itemId: string;
  name: string;
  /** Incidents in which it ranked first. */
  top: number;
  /** Incidents in which it was a candidate at all. */
  seen: number;
  meanScore: number;
}

/** A learned type→type pattern among a problem's alert types, with figures a person can check. */
export interface ProblemCausalEdge {
  cause: string;
  effect: string;
  /** Expected effect occurrences per cause occurrence (branching ratio). */
  strength: number;
  lagSeconds: number;
  support: number;
  /** How much more often than chance the effect had the cause nearby just before. */
  lift: number | null;
  sameItemShare: number;
  /** False when the opposite direction was kept too (timestamps did not settle the order). */
  directionResolved: boolean;
  words: string;
}

export interface ProblemEvidence {
  signature: { key: string; description: string; parts: SignaturePart[] };
  /** The thresholds the miner applied. */
  window: { days: number; minOccurrences: number };
  occurrences: { total: number; perDay: DayCount[] };
  rootCauses: RecurringRootCause[];
  causal: {
    /** `mined`: edges below; `not-enough-data` / `single-type`: why there are none. */
    status: 'mined' | 'not-enough-data' | 'single-type';
    events: number;
    edges: ProblemCausalEdge[];
  };
  /** The latest incident's items re-ranked with the learned patterns (rankRootCauses' causal hints). */
  rankedWithPatterns: { incidentId: string; candidates: Array<{ itemId: string; name: string; rank: number; score: number; evidence: string[] }> } | null;
  /** The findings in sentences, for review. */
  explanation: string[];
  minedAt: string;
}
