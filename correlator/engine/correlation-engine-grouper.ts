/**
 * Our engine behind the common Grouper shape, so the evaluation runs it on the same streams
 * as the baselines: events go through `ingest` in arrival order (the engine reorders within
 * its lateness bound), and each event gets the incident key its decision named.
 */
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { ItemMatcher } from '../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../engine/topology/topology-graph.ts';
import type { Grouper, GroupingInput } from '../grouping/grouper.ts';
import { CorrelationEngine, type Lesson } from './correlation-engine.ts';
import type { Decision } from './decision.ts';
import type { EngineConfig } from './engine-config.ts';
import type { IncidentView } from './incident-view.ts';
import type { SuppressionRules } from './find-suppression.ts';

export interface CorrelationEngineGrouperOptions {
  /** The method's name in reports (default `ours`). */
  name?: string;
  config?: Partial<EngineConfig>;
  /** Maintenance windows, silences and inhibition rules known to operators (not ground truth). */
  suppression?: SuppressionRules;
  /** Called with every decision, e.g. to keep the reasons. */
  onDecision?: (decision: Decision) => void;
  /**
   * Key each alert by the incident it ends up in (default), following the engine's merges
   * (Decision.absorbed), or, false, by the incident its decision named at the time.
   */
  finalIncidents?: boolean;
  /** Called with every incident as it resolves, and with those still open at the end of the stream. */
  onIncident?: (incident: IncidentView) => void;
  /** Learned before the stream starts, as a live engine learns its stored lessons (history it has seen). */
  lessons?: readonly Lesson[];
  /** Called with what each confirmed incident teaches, e.g. to warm a later run. */
  onLesson?: (lesson: Lesson) => void;
}

export class CorrelationEngineGrouper implements Grouper {
  readonly name: string;
  /** The engine of the latest `group` call, for inspection after a run. */
  lastEngine: CorrelationEngine | null = null;

  /** Receives every incident of the next `group` call (see the option of the same name). */
  onIncident: ((incident: IncidentView) => void) | null;

  constructor(private readonly options: CorrelationEngineGrouperOptions = {}) {
    this.name = options.name ?? 'ours';
    this.onIncident = options.onIncident ?? null;
  }

  group(input: GroupingInput): Array<string | null> {
    const graph = input.topology ? new TopologyGraph(input.topology) : null;
    const matcher = input.topology ? new ItemMatcher(input.topology.items) : null;
    const engine = new CorrelationEngine({
      graph,
      matcher,
      config: this.options.config,
      suppression: this.options.suppression,
      onIncidentResolved: this.onIncident ?? undefined,
      onLesson: this.options.onLesson,
    });
    for (const lesson of this.options.lessons ?? []) engine.learn(lesson);
    this.lastEngine = engine;
    const keys: Array<string | null> = new Array(input.events.length).fill(null);
    // ingest numbers arrivals from 0, so a decision's seq is its event's input index.
    // Incidents the engine merged (Decision.absorbed) → the incident they went into.
    const mergedInto = new Map<string, string>();
    const take = (ds: Decision[]): void => {
      for (const d of ds) {
        keys[d.seq] = d.incidentKey;
        for (const k of d.absorbed) mergedInto.set(k, d.incidentKey!);
        this.options.onDecision?.(d);
      }
    };
    input.events.forEach((ev: AlertEvent) => take(engine.ingest(ev)));
    take(engine.flush());
    if (this.onIncident) for (const view of engine.openIncidents()) this.onIncident(view);
    // Each alert's incident as the stream leaves it: an engine merge moved its members, as the
    // live correlator moves them in the store.
    if (this.options.finalIncidents !== false && mergedInto.size > 0) {
      for (let i = 0; i < keys.length; i++) {
        let k = keys[i];
        while (k != null && mergedInto.has(k)) k = mergedInto.get(k)!;
        keys[i] = k ?? null;
      }
    }
    return keys;
  }
}
