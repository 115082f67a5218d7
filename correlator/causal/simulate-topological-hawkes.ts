/**
 * Seeded simulation of alarm cascades with a known causal graph, for tests and benchmarks.
 *
 * Items form a random tree (like the microwave and wireless networks in the Huawei data).
 * Every (item, type) fires at its background rate; every occurrence of a cause type then
 * triggers Poisson-many occurrences of each effect type on the same item and on each neighbour,
 * after an exponential lag — exactly the generative story of a topological Hawkes process, so a
 * correct miner must recover the graph given enough data. Times can be floored to whole seconds
 * to reproduce the ties real alarm clocks produce.
 */
import type { CausalEvent } from './causal-pattern.ts';
import { seededRandom } from './seeded-random.ts';

export interface SimulatedEdge {
  cause: number;
  effect: number;
  /** Expected effect occurrences on the cause's own item per cause occurrence. */
  sameItem: number;
  /** Expected effect occurrences on each neighbour item per cause occurrence. */
  neighbour: number;
  /** Mean lag, seconds. */
  lagSeconds: number;
}

export interface SimulationSpec {
  seed: number;
  typeCount: number;
  itemCount: number;
  durationSeconds: number;
  /** Background occurrences per second of each type on each item. */
  backgroundRate: number | readonly number[];
  edges: readonly SimulatedEdge[];
  /** Floor times to whole seconds. Default true. */
  wholeSeconds?: boolean;
}

export interface Simulation {
  events: CausalEvent[];
  adjacency: Map<string, string[]>;
}

/** Cascades deeper than this are cut: a safety net against a supercritical spec. */
const MAX_EVENTS = 2_000_000;

export function simulateTopologicalHawkes(spec: SimulationSpec): Simulation {
  const random = seededRandom(spec.seed);
  const poisson = (mean: number): number => {
    // Knuth's method: means here are small (rates × short spans, branching ratios).
    const limit = Math.exp(-mean);
    let k = 0;
    let p = random();
    while (p > limit) {
      k++;
      p *= random();
    }
    return k;
  };
  const exponential = (mean: number): number => -mean * Math.log(1 - random());

  const neighbours: number[][] = Array.from({ length: spec.itemCount }, () => []);
  for (let item = 1; item < spec.itemCount; item++) {
    const parent = Math.floor(random() * item);
    neighbours[item]!.push(parent);
    neighbours[parent]!.push(item);
  }

  const children: SimulatedEdge[][] = Array.from({ length: spec.typeCount }, () => []);
  for (const edge of spec.edges) children[edge.cause]!.push(edge);

  const raw: { type: number; item: number; time: number }[] = [];
  const queue: { type: number; item: number; time: number }[] = [];
  for (let type = 0; type < spec.typeCount; type++) {
    const rate = typeof spec.backgroundRate === 'number' ? spec.backgroundRate : (spec.backgroundRate[type] ?? 0);
    for (let item = 0; item < spec.itemCount; item++) {
      const count = poisson(rate * spec.durationSeconds);
      for (let c = 0; c < count; c++) queue.push({ type, item, time: random() * spec.durationSeconds });
    }
  }
  while (queue.length > 0 && raw.length < MAX_EVENTS) {
    const event = queue.pop()!;
    raw.push(event);
    for (const edge of children[event.type]!) {
      const spawn = (item: number, mean: number): void => {
        for (let c = poisson(mean); c > 0; c--) {
          const time = event.time + exponential(edge.lagSeconds);
          if (time < spec.durationSeconds) queue.push({ type: edge.effect, item, time });
        }
      };
      spawn(event.item, edge.sameItem);
      for (const nb of neighbours[event.item]!) spawn(nb, edge.neighbour);
    }
  }

  const whole = spec.wholeSeconds ?? true;
  const events = raw
    .map((e) => ({ type: e.type, item: `d${e.item}`, time: whole ? Math.floor(e.time) : e.time }))
    .sort((a, b) => a.time - b.time);
  const adjacency = new Map<string, string[]>(neighbours.map((ns, item) => [`d${item}`, ns.map((n) => `d${n}`)]));
  return { events, adjacency };
}
