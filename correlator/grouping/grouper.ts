/**
 * The common shape of every way of grouping alerts into incidents, ours and the
 * baselines', so one evaluation can compare them on the same streams.
 */
import type { AlertEvent } from '../../engine/alert/alert.ts';
import type { Topology } from '../../engine/topology/topology.ts';

export interface GroupingInput {
  /** Alert events in the order they would arrive (not necessarily event-time order). */
  events: AlertEvent[];
  /** Known topology, if any. */
  topology?: Topology;
}

export interface Grouper {
  name: string;
  /**
   * One incident key per event, in input order. Events of the same alert must get the
   * same key for as long as that alert stays in one incident; a suppressed event gets null.
   */
  group(input: GroupingInput): Array<string | null>;
}
