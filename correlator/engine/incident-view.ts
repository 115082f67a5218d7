/**
 * A read-only snapshot of an incident as the engine holds it: what the console, the store and
 * root-cause ranking get. Times are epoch milliseconds. Why each member was linked (reason and
 * score) goes out with its decision and is kept in the store, not here.
 */
export interface MemberView {
  fingerprint: string;
  name: string;
  /** The learned-affinity type: alert name and item kind, e.g. `HighLatency@service`. */
  type: string;
  itemIds: readonly string[];
  /** First onset of this alert within the incident. */
  onsetMs: number;
  firing: boolean;
  flapping: boolean;
}

export interface IncidentView {
  key: string;
  status: 'open' | 'resolved' | 'merged';
  firstOnsetMs: number;
  lastOnsetMs: number;
  resolvedAtMs: number | null;
  mergedInto: string | null;
  component: string | null;
  members: MemberView[];
}
