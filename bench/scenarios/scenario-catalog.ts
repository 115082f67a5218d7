/**
 * The evaluation's scenarios: every topology shape, several sizes, and one storm with many
 * overlapping faults. Seeds are fixed; the engine's parameters are the same for all of them
 * (they were tuned on the same specs with other seeds, see bench/eval-correlation.ts).
 *
 * Fault rates grow with the estate (an estate twice as big fails twice as often); a third of
 * the faults get a companion fault within two minutes, half of those near the first in the
 * graph, so every scenario has overlapping faults on related and on unrelated parts. The storm
 * doubles the fault rate and gives most faults a companion.
 */
import type { ScenarioSpec } from './scenario.ts';

const BASE = {
  hours: 48,
  faultsPerHour: 0.5,
  overlapChance: 0.35,
  noisePerHour: 0.25,
  noiseFlapChance: 0.2,
  flapChance: 0.05,
  duplicateChance: 0.1,
  maxDelayMs: 60_000,
  maintenanceWindows: 3,
} satisfies Partial<ScenarioSpec>;

export const SCENARIOS: readonly ScenarioSpec[] = [
  { ...BASE, name: 'microservice-small', seed: 101, shape: 'microservice', size: 'small', faultsPerHour: 0.25, noisePerHour: 0.12 },
  { ...BASE, name: 'microservice-medium', seed: 102, shape: 'microservice', size: 'medium' },
  { ...BASE, name: 'microservice-large', seed: 103, shape: 'microservice', size: 'large', faultsPerHour: 1 },
  { ...BASE, name: 'three-tier-medium', seed: 201, shape: 'three-tier', size: 'medium' },
  { ...BASE, name: 'network-tree-medium', seed: 301, shape: 'network-tree', size: 'medium' },
  { ...BASE, name: 'network-tree-large', seed: 302, shape: 'network-tree', size: 'large', faultsPerHour: 1 },
  { ...BASE, name: 'chain-medium', seed: 401, shape: 'chain', size: 'medium' },
  { ...BASE, name: 'storm-microservice-medium', seed: 501, shape: 'microservice', size: 'medium', hours: 24, faultsPerHour: 1.5, overlapChance: 0.7 },
];
