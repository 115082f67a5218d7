/**
 * Where our engine loses pairs, by the kind of decision that placed each episode, on dev seeds
 * (never the reported ones):
 *
 *   npx tsx bench/debug-pair-losses.ts [scenario-substring] [seeds=3] [offset=1000]
 *
 * For every scored episode (as bench/scenarios/metrics.ts counts them), the true pairs it is
 * missing (same fault, another incident: recall) and the false pairs it is in (same incident,
 * another fault: precision), each pair counted half to either end, summed by the decision
 * kind of its first firing delivery: opened, linked (by root fit), kept while flapping, and so
 * on. Then the lost pairs as a share of true / predicted pairs, per scenario.
 */
import { CorrelationEngineGrouper } from '../correlator/engine/correlation-engine-grouper.ts';
import type { Decision } from '../correlator/engine/decision.ts';
import { generateScenario } from './scenarios/generate-scenario.ts';
import { SCENARIOS } from './scenarios/scenario-catalog.ts';

const [only = '', seedsArg = '3', offsetArg = '1000'] = process.argv.slice(2);

function kindOf(d: Decision): string {
  if (d.action === 'kept') return d.flapping ? 'kept-flapping' : 'kept';
  if (d.action === 'linked') {
    const s = d.score;
    if (/flapping/.test(d.reason)) return 'linked-flapping';
    return `linked-${s?.rootFit ?? (s?.relation ? 'topo' : 'no-topo')}`;
  }
  if (d.action === 'opened' && /flapping/.test(d.reason)) return 'opened-flapping';
  return d.action;
}

for (const base of SCENARIOS.filter((s) => s.name.includes(only))) {
  const lost = new Map<string, { recall: number; precision: number }>();
  let truePairs = 0;
  let predPairs = 0;
  for (let k = 0; k < Number(seedsArg); k++) {
    const sc = generateScenario({ ...base, seed: base.seed + Number(offsetArg) + k });
    const decisions: Decision[] = [];
    const grouper = new CorrelationEngineGrouper({ suppression: { maintenance: sc.maintenance, silences: [], inhibitRules: [] }, onDecision: (d) => decisions.push(d) });
    grouper.group({ events: sc.events, topology: sc.topology });
    const bySeq = new Map(decisions.map((d) => [d.seq, d]));
    const units = new Map<string, { truth: string; key: string; kind: string }>();
    sc.events.forEach((ev, i) => {
      const id = `${ev.fingerprint}\u0000${ev.startsAt}`;
      const truth = sc.truth[i];
      if (ev.status !== 'firing' || units.has(id) || !truth) return;
      const d = bySeq.get(i)!;
      units.set(id, { truth, key: d.incidentKey ?? `suppressed-${i}`, kind: kindOf(d) });
    });
    const byTruth = new Map<string, Array<{ key: string; kind: string }>>();
    const byKey = new Map<string, Array<{ truth: string; kind: string }>>();
    for (const u of units.values()) {
      byTruth.set(u.truth, [...(byTruth.get(u.truth) ?? []), u]);
      byKey.set(u.key, [...(byKey.get(u.key) ?? []), u]);
    }
    const add = (kind: string, field: 'recall' | 'precision', v: number): void => {
      const e = lost.get(kind) ?? { recall: 0, precision: 0 };
      e[field] += v;
      lost.set(kind, e);
    };
    for (const us of byTruth.values()) {
      truePairs += (us.length * (us.length - 1)) / 2;
      for (const u of us) for (const v of us) if (u !== v && u.key !== v.key) add(u.kind, 'recall', 0.5);
    }
    for (const us of byKey.values()) {
      predPairs += (us.length * (us.length - 1)) / 2;
      for (const u of us) for (const v of us) if (u !== v && u.truth !== v.truth) add(u.kind, 'precision', 0.5);
    }
  }
  console.log(`\n${base.name}: ${truePairs} true pairs, ${predPairs} predicted pairs`);
  for (const [kind, v] of [...lost].sort((a, b) => b[1].recall + b[1].precision - a[1].recall - a[1].precision)) {
    console.log(`  ${kind.padEnd(18)} recall lost ${(v.recall / truePairs * 100).toFixed(2).padStart(6)}%   precision lost ${(v.precision / predPairs * 100).toFixed(2).padStart(6)}%`);
  }
}
