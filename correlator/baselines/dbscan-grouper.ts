/**
 * Baseline: DBSCAN over time and topology distance, as OpenNMS ALEC clusters alarms.
 *
 * Distance between two episodes (ALEC's AlarmInSpaceTimeDistanceMeasure):
 *   d = alpha · (beta · |Δt| in minutes + (1 − beta) · hops)
 * where hops is the shortest undirected path between their items (the nearest pair when an
 * alert maps to several; infinite when either maps to none). ALEC's published defaults are
 * alpha = 144.47, beta = 0.5526, eps = 100, minPts = 1: the same item within 75 s, or adjacent
 * items within 27 s. With minPts = 1 every point is a core point, so clusters are the connected
 * components of the eps-neighbourhood graph and nothing is noise; with minPts > 1, noise points
 * become incidents of their own.
 *
 * It runs offline over the whole stream (ALEC re-clusters its live alarms periodically), which
 * gives it hindsight ours does not have. Neighbours are searched in a time-sorted sweep and a
 * hop ball per item, so the cost is O(n · points within the eps time span).
 */
import { ItemMatcher } from '../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../engine/topology/topology-graph.ts';
import type { Grouper, GroupingInput } from '../grouping/grouper.ts';
import { alertEpisodes, keysPerEvent } from './alert-episodes.ts';

export interface DbscanOptions {
  alpha: number;
  beta: number;
  eps: number;
  minPts: number;
}

export const ALEC_DEFAULTS: DbscanOptions = { alpha: 144.47117699, beta: 0.55257784, eps: 100, minPts: 1 };

export class DbscanGrouper implements Grouper {
  readonly name: string;
  private readonly opts: DbscanOptions;

  constructor(options: Partial<DbscanOptions> = {}, name = 'dbscan') {
    this.opts = { ...ALEC_DEFAULTS, ...options };
    this.name = name;
  }

  group(input: GroupingInput): Array<string | null> {
    const { alpha, beta, eps, minPts } = this.opts;
    const index = alertEpisodes(input.events);
    const eps0 = index.episodes;
    const graph = input.topology ? new TopologyGraph(input.topology) : null;
    const matcher = input.topology ? new ItemMatcher(input.topology.items) : null;
    const items = eps0.map((ep) => {
      if (!graph || !matcher) return [] as number[];
      return matcher.match(ep.event.labels).map((id) => graph.indexOf(id)!);
    });
    const maxMinutes = eps / (alpha * beta);
    const maxHops = Math.floor(eps / (alpha * (1 - beta)));
    const balls = new Map<number, Map<number, number>>();
    const ballOf = (item: number): Map<number, number> => {
      let ball = balls.get(item);
      if (ball === undefined) {
        ball = new Map<number, number>([[item, 0]]);
        for (const r of graph!.reach(item, maxHops)) {
          const cur = ball.get(r.index);
          if (cur === undefined || r.hops < cur) ball.set(r.index, r.hops);
        }
        balls.set(item, ball);
      }
      return ball;
    };
    const hops = (a: number, b: number): number => {
      let best = Number.POSITIVE_INFINITY;
      for (const x of items[a]!) {
        const ball = ballOf(x);
        for (const y of items[b]!) best = Math.min(best, ball.get(y) ?? Number.POSITIVE_INFINITY);
      }
      return best;
    };
    const neighbours = (i: number): number[] => {
      const out = [i];
      if (items[i]!.length === 0) return out;
      const t = eps0[i]!.startMs;
      for (const dir of [-1, 1]) {
        for (let j = i + dir; j >= 0 && j < eps0.length; j += dir) {
          const dtMin = Math.abs(eps0[j]!.startMs - t) / 60_000;
          if (dtMin > maxMinutes) break;
          if (items[j]!.length === 0) continue;
          const d = alpha * (beta * dtMin + (1 - beta) * hops(i, j));
          if (d <= eps) out.push(j);
        }
      }
      return out;
    };
    // Standard DBSCAN; episodes are already in time order, so the output is deterministic.
    const label = new Int32Array(eps0.length).fill(-2); // -2 unvisited, -1 noise
    let cluster = 0;
    for (let i = 0; i < eps0.length; i++) {
      if (label[i] !== -2) continue;
      const seeds = neighbours(i);
      if (seeds.length < minPts) {
        label[i] = -1;
        continue;
      }
      const c = cluster++;
      label[i] = c;
      const queue = seeds.filter((j) => j !== i);
      for (let k = 0; k < queue.length; k++) {
        const j = queue[k]!;
        if (label[j] === -1) label[j] = c;
        if (label[j] !== -2) continue;
        label[j] = c;
        const more = neighbours(j);
        if (more.length >= minPts) for (const m of more) if (label[m] === -2 || label[m] === -1) queue.push(m);
      }
    }
    const keys = Array.from(label, (l, i) => (l >= 0 ? `dbscan-${l}` : `dbscan-noise-${i}`));
    return keysPerEvent(index, keys);
  }
}
