/**
 * The engine's mutable bookkeeping, internal to correlation-engine.ts (exported only so the
 * helpers in this folder can be typed). Nothing here is part of the public contract.
 */
import type { SuppressionHit } from './find-suppression.ts';

export interface AlertState {
  fingerprint: string;
  name: string;
  type: string;
  labels: Readonly<Record<string, string>>;
  /** Matched item indices in the graph, and their ids. */
  items: readonly number[];
  itemIds: readonly string[];
  component: string | null;
  pairs: readonly string[];
  tokens: readonly string[];
  firing: boolean;
  /** Recent event identities (status|time|startsAt), to recognise redeliveries. */
  recent: string[];
  incident: IncidentState | null;
  suppressed: SuppressionHit | null;
  /** Times of recent state changes, at most `flapping.changes` of them. */
  changes: number[];
  flapping: boolean;
  lastChangeMs: number;
  lastEventMs: number;
}

export interface MemberState {
  alert: AlertState;
  onsetMs: number;
}

export interface Exemplar {
  name: string;
  pairs: readonly string[];
  tokens: readonly string[];
}

export interface IncidentState {
  key: string;
  status: 'open' | 'resolved' | 'merged';
  firstOnsetMs: number;
  lastOnsetMs: number;
  resolvedAtMs: number | null;
  mergedInto: string | null;
  members: Map<string, MemberState>;
  /**
   * Members whose alert state the engine dropped (the `maxAlerts` cap or retention): they stay
   * members in the store but are no longer held here, so the cap bounds all alert state.
   */
  dropped: number;
  /** Members currently firing, and members marked flapping: either keeps the incident open. */
  firing: number;
  flapping: number;
  /** Item index → members on it; alert type → members of it. */
  items: Map<number, number>;
  /**
   * Items that could be the single root cause of every member so far (common causal
   * ancestors); null before the first member with items. Never emptied: a member that fits no
   * common root leaves it as it was.
   */
  rootCandidates: Set<number> | null;
  /** Its own items among rootCandidates (alerting possible roots) → their first onset. */
  roots: Map<number, number>;
  /** Item index → first onset of a member on it. */
  itemOnsets: Map<number, number>;
  /** Item index → first onset of a member on it whose type was root-like when it joined (AlertRoleModel). */
  rootTyped: Map<number, number>;
  types: Map<string, number>;
  /** First member, then the latest ones (a ring), for label and text similarity. */
  exemplars: Exemplar[];
  /** Whether the incident sits in the candidate indexes (open and recently active). */
  indexed: boolean;
  /** Keys it is filed under in the label index. */
  indexPairs: Set<string>;
  names: Map<string, number>;
  /** Bumped to cancel a pending resolve timer. */
  resolveVersion: number;
  /** Operator splits of this incident so far, and whether it is a part split off another. */
  split: number;
  splitOff: boolean;
  /** Scratch for candidate gathering: the event that last found it, and its slot then. */
  candidateStamp: number;
  candidateSlot: number;
}

export type TimerKind = 'unindex' | 'resolve' | 'unflap' | 'evict-incident';

export interface Timer {
  at: number;
  seq: number;
  kind: TimerKind;
  alert?: AlertState;
  incident?: IncidentState;
  /**
   * The incident an `evict-incident` timer is for, by key: the timer waits out the retention
   * and must not keep an incident the `maxIncidents` cap dropped before that.
   */
  key?: string;
  /** The state the timer was set for; a changed state makes it a no-op. */
  version: number;
}

/** A resolved or merged incident kept for operators, in the order it was retired (CorrelationEngine.retire). */
export interface Retired {
  incident: IncidentState;
  status: 'resolved' | 'merged';
  /** Its resolution time when resolved: a reopened and resolved again incident has a newer entry. */
  version: number | null;
}
