/**
 * Where our engine's pair errors come from, on one scenario's dev seeds (never the reported ones):
 *
 *   npx tsx bench/debug-false-merges.ts microservice-small [seeds=3] [offset=1000]
 *
 * For every incident holding alerts of several true faults, the minority faults (false merges,
 * costing precision) with their roots, hop distance and start gap to the majority fault, and
 * the reason the first of their alerts joined; for every fault spread over several incidents,
 * the smaller pieces (costing recall) with the reason their first alert opened or joined them.
 * Lines are sorted by the pairs they cost.
 */
import { CorrelationEngineGrouper } from '../correlator/engine/correlation-engine-grouper.ts';
import type { Decision } from '../correlator/engine/decision.ts';
import { TopologyGraph } from '../engine/topology/topology-graph.ts';
import { generateScenario } from './scenarios/generate-scenario.ts';
import { SCENARIOS } from './scenarios/scenario-catalog.ts';

const [name = 'microservice-small', seedsArg = '3', offsetArg = '1000'] = process.argv.slice(2);
const base = SCENARIOS.find((s) => s.name === name);
if (!base) throw new Error(`unknown scenario ${name}`);

for (let k = 0; k < Number(seedsArg); k++) {
  const seed = base.seed + Number(offsetArg) + k;
  const sc = generateScenario({ ...base, seed });
  const graph = new TopologyGraph(sc.topology);
  const decisions: Decision[] = [];
  const grouper = new CorrelationEngineGrouper({ suppression: { maintenance: sc.maintenance, silences: [], inhibitRules: [] }, onDecision: (d) => decisions.push(d) });
  grouper.group({ events: sc.events, topology: sc.topology });
  const bySeq = new Map(decisions.map((d) => [d.seq, d]));
  // Episodes as the metrics count them: the first firing delivery of a fingerprint and start.
  const episodes = new Map<string, { truth: string; key: string; d: Decision }>();
  sc.events.forEach((ev, i) => {
    const truth = sc.truth[i];
    const id = `${ev.fingerprint}\u0000${ev.startsAt}`;
    if (ev.status !== 'firing' || episodes.has(id) || !truth) return;
    const d = bySeq.get(i)!;
    episodes.set(id, { truth, key: d.incidentKey ?? `suppressed-${i}`, d });
  });
  const faults = new Map(sc.faults.map((f) => [f.id, f]));
  const byKey = new Map<string, Map<string, Array<{ d: Decision }>>>();
  const byTruth = new Map<string, Map<string, Array<{ d: Decision }>>>();
  for (const e of episodes.values()) {
    const k1 = byKey.get(e.key) ?? new Map();
    byKey.set(e.key, k1);
    k1.set(e.truth, [...(k1.get(e.truth) ?? []), e]);
    const t1 = byTruth.get(e.truth) ?? new Map();
    byTruth.set(e.truth, t1);
    t1.set(e.key, [...(t1.get(e.key) ?? []), e]);
  }
  const describe = (truth: string): string => {
    const f = faults.get(truth);
    if (!f) return `${truth} (noise)`;
    return `${f.id} root ${f.rootItem} at ${new Date(f.startMs).toISOString().slice(11, 19)}${f.companionOf ? ` (${f.overlap} companion of ${f.companionOf})` : ''}`;
  };
  const hopsBetween = (a: string, b: string): string => {
    const fa = faults.get(a);
    const fb = faults.get(b);
    if (!fa || !fb) return '?';
    const p = graph.path(fa.rootItem, fb.rootItem, 8);
    return p === null ? '>8' : String(p.length);
  };
  const lines: Array<[number, string]> = [];
  for (const [key, parts] of byKey) {
    if (parts.size < 2) continue;
    const sorted = [...parts].sort((x, y) => y[1].length - x[1].length);
    const [owner, ownerEps] = sorted[0]!;
    for (const [truth, eps] of sorted.slice(1)) {
      const first = eps.map((e) => e.d).sort((x, y) => x.eventTimeMs - y.eventTimeMs)[0]!;
      const fo = faults.get(owner);
      const ft = faults.get(truth);
      const gap = fo && ft ? `${Math.round((ft.startMs - fo.startMs) / 1000)} s` : '?';
      lines.push([
        eps.length * ownerEps.length,
        `MERGE ${eps.length}×${ownerEps.length} in ${key}: ${describe(truth)} into ${describe(owner)}; root hops ${hopsBetween(owner, truth)}, start gap ${gap}\n      first: ${first.itemIds.join(',')} ${first.event.name} ${first.action}: ${first.reason}`,
      ]);
    }
  }
  for (const [truth, pieces] of byTruth) {
    if (pieces.size < 2) continue;
    const sorted = [...pieces].sort((x, y) => y[1].length - x[1].length);
    const main = sorted[0]![1].length;
    for (const [key, eps] of sorted.slice(1)) {
      const first = eps.map((e) => e.d).sort((x, y) => x.eventTimeMs - y.eventTimeMs)[0]!;
      const others = [...(byKey.get(key)?.keys() ?? [])].filter((t) => t !== truth);
      lines.push([
        eps.length * main,
        `SPLIT ${eps.length}×${main} ${describe(truth)} piece ${key}${others.length ? ` (shared with ${others.join(',')})` : ''}\n      first: ${first.itemIds.join(',')} ${first.event.name} ${first.action}${first.flapping ? ' flapping' : ''}${first.late ? ' late' : ''}: ${first.reason}`,
      ]);
    }
  }
  console.log(`\n=== ${name} seed ${seed}: ${episodes.size} episodes, ${sc.faults.length} faults`);
  for (const [, line] of lines.sort((x, y) => y[0] - x[0]).slice(0, 25)) console.log(line);
}
