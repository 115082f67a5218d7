/**
 * The vocabulary of generated correlation scenarios: what a spec asks for, and what a
 * generated scenario holds: the stream in arrival order, the topology and maintenance windows
 * an operator would have configured, and the ground truth, which only the scorer reads.
 */
import type { AlertEvent } from '../../engine/alert/alert.ts';
import type { ConfigItem, Topology } from '../../engine/topology/topology.ts';
import type { MaintenanceWindow } from '../../correlator/engine/maintenance-window.ts';

export type TopologyShape = 'microservice' | 'three-tier' | 'network-tree' | 'chain';
export type TopologySize = 'small' | 'medium' | 'large';

export interface ScenarioSpec {
  name: string;
  seed: number;
  shape: TopologyShape;
  size: TopologySize;
  hours: number;
  /** Mean rate of independent faults. */
  faultsPerHour: number;
  /** Chance that a fault gets a companion starting within two minutes: related or unrelated. */
  overlapChance: number;
  /** Isolated one-off alerts (each its own incident in the truth). */
  noisePerHour: number;
  /** Share of noise alerts that flap (long off periods, several episodes). */
  noiseFlapChance: number;
  /** Share of fault alerts that flap while the fault lasts. */
  flapChance: number;
  /** Chance an event is delivered twice. */
  duplicateChance: number;
  /** Arrival is event time plus up to this (a few arrive this late; none later). */
  maxDelayMs: number;
  maintenanceWindows: number;
}

/** One generated item with what the generator needs to make alerts for it. */
export interface GenItem extends ConfigItem {
  /** Replicas (pods, interfaces, virtual hosts…) that fire per-instance alerts. */
  instances: string[];
  /** The label naming an instance: `pod` (also gets a pod address and its node), `ifName`, `vhost`… */
  instanceLabel: string;
  /** Host/server name for the `node` label of per-instance alerts, if any. */
  node: string | null;
  /** Labels every alert of this item carries (its own item labels included). */
  alertLabels: Record<string, string>;
  /** Whether a fault may start here. */
  canFail: boolean;
}

export interface GenTopology {
  topology: Topology;
  items: GenItem[];
}

export interface Fault {
  id: string;
  rootItem: string;
  startMs: number;
  endMs: number;
  /** For a companion fault: the fault it overlaps and how ('related' = near it in the graph). */
  companionOf: string | null;
  overlap: 'related' | 'unrelated' | null;
}

export interface Scenario {
  spec: ScenarioSpec;
  topology: Topology;
  /** In arrival order. */
  events: AlertEvent[];
  /** Per event: its fault or noise id; null for alerts expected to be suppressed (maintenance). */
  truth: Array<string | null>;
  maintenance: MaintenanceWindow[];
  faults: Fault[];
  /** The largest arrival delay behind event time in the stream. */
  maxDelayMs: number;
}
