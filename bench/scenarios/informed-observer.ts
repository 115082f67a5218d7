/**
 * A yardstick for how hard a scenario is to group: an observer told what no correlator knows,
 * every fault's root item and start time, and which alerts are background noise (those it
 * groups as the truth does). What it must still decide is which fault raised each fault
 * alert, and it decides that by the generator's own model, one alert at a time:
 *
 * - it simulates each fault's cascade from its root `samples` times, with the generator's hop
 *   chance, depth and hop delays, giving for every item the chance the fault gets there and
 *   when;
 * - an alert's likelihood under a fault is the chance that the fault raises the alert's type on
 *   the alert's item (as a root type on the root item, as a symptom elsewhere) with an onset
 *   where the alert's is, rule delays and `for:` clauses included;
 * - it takes the likeliest fault; a flap of an alert goes with the alert's earlier episode
 *   while that fault can still be firing.
 *
 * It uses no joint evidence (the items between a root and an alert, a fault's alerts on one item
 * firing together), which a correlator has, so it is not a bound: a correlator can beat it on a
 * stream. Where it scores low, the faults' cascades overlap so much that even knowing where
 * each fault started leaves many alerts a toss-up.
 */
import { ALERT_CATALOG } from './alert-catalog.ts';
import { CASCADE } from './generate-scenario.ts';
import type { Fault, Scenario } from './scenario.ts';
import { SeededPrng } from './seeded-prng.ts';

/** Generator constants the likelihood uses (generate-scenario.ts `raise`). */
const RULE_DELAY_MS = 20_000;
const FOR_CHANCE = 0.15;
const FOR_MS: [number, number] = [60_000, 240_000];
const ROOT_TYPES: [number, number] = [2, 3];
const SYMPTOM_TYPES: [number, number] = [1, 3];

/** Density (per ms) of an alert's onset u ms after its item was reached. */
function onsetDensity(u: number): number {
  const direct = u >= 0 && u <= RULE_DELAY_MS ? 1 / RULE_DELAY_MS : 0;
  const lo = Math.max(u - RULE_DELAY_MS, FOR_MS[0]);
  const hi = Math.min(u, FOR_MS[1]);
  const delayed = hi > lo ? (hi - lo) / (RULE_DELAY_MS * (FOR_MS[1] - FOR_MS[0])) : 0;
  return (1 - FOR_CHANCE) * direct + FOR_CHANCE * delayed;
}

/** Chance that a fault raising k of m types (k uniform in lo…hi) raises a given one. */
function typeChance(m: number, [lo, hi]: [number, number]): number {
  let sum = 0;
  for (let k = lo; k <= hi; k++) sum += Math.min(k, m) / m;
  return sum / (hi - lo + 1);
}

/**
 * The observer's incident key for every event of the stream (its fault id, the noise id, or
 * `maintenance` for alerts the truth expects suppressed), scored like any method's keys.
 */
export function informedObserverKeys(sc: Scenario, samples = 2000): string[] {
  const cascade = CASCADE[sc.spec.shape];
  const kindOf = new Map(sc.topology.items.map((i) => [i.id, i.kind]));
  const dependents = new Map<string, string[]>();
  for (const r of sc.topology.relations) {
    const list = dependents.get(r.to);
    if (list) list.push(r.from);
    else dependents.set(r.to, [r.from]);
  }
  const rng = new SeededPrng(sc.spec.seed ^ 0x5eed);
  // Per fault and item: when the simulated cascades got there (ms after the fault's start).
  const reach = new Map<string, Map<string, number[]>>();
  for (const f of sc.faults) {
    const delays = new Map<string, number[]>();
    for (let n = 0; n < samples; n++) {
      const seen = new Set([f.rootItem]);
      let frontier: Array<{ item: string; at: number }> = [{ item: f.rootItem, at: 0 }];
      for (let depth = 1; depth <= cascade.depth && frontier.length > 0; depth++) {
        const next: Array<{ item: string; at: number }> = [];
        for (const { item, at } of frontier) {
          for (const d of dependents.get(item) ?? []) {
            if (seen.has(d) || !rng.chance(cascade.p)) continue;
            seen.add(d);
            const reachedAt = at + rng.uniform(...cascade.hopMs);
            const list = delays.get(d);
            if (list) list.push(reachedAt);
            else delays.set(d, [reachedAt]);
            next.push({ item: d, at: reachedAt });
          }
        }
        frontier = next;
      }
    }
    reach.set(f.id, delays);
  }
  // The latest an alert of a fault can start after the fault does.
  const spanMs = cascade.depth * cascade.hopMs[1] + RULE_DELAY_MS + FOR_MS[1];
  // How long after its fault ends an alert of it can still be firing (and flapping).
  const tailMs = cascade.depth * 30_000 + 90_000;

  const likelihood = (f: Fault, item: string, type: string, onsetMs: number): number => {
    const kind = kindOf.get(item) ?? '';
    if (item === f.rootItem) {
      const roots = ALERT_CATALOG.root[kind] ?? [];
      return roots.some((t) => t.name === type) ? typeChance(roots.length, ROOT_TYPES) * onsetDensity(onsetMs - f.startMs) : 0;
    }
    const symptoms = ALERT_CATALOG.symptom[kind] ?? [];
    if (!symptoms.some((t) => t.name === type)) return 0;
    let s = 0;
    for (const d of reach.get(f.id)!.get(item) ?? []) s += onsetDensity(onsetMs - f.startMs - d);
    return (typeChance(symptoms.length, SYMPTOM_TYPES) * s) / samples;
  };

  // Episodes as the metrics count them, decided once each in onset order.
  const unitOf = (i: number): string => `${sc.events[i]!.fingerprint}\u0000${sc.events[i]!.startsAt}`;
  const firstOf = new Map<string, number>();
  sc.events.forEach((ev, i) => {
    if (ev.status === 'firing' && !firstOf.has(unitOf(i))) firstOf.set(unitOf(i), i);
  });
  const units = [...firstOf.entries()].sort((a, b) => Date.parse(sc.events[a[1]]!.startsAt) - Date.parse(sc.events[b[1]]!.startsAt));
  const faultById = new Map(sc.faults.map((f) => [f.id, f]));
  const byStart = [...sc.faults].sort((a, b) => a.startMs - b.startMs);
  const decided = new Map<string, string>();
  const lastFault = new Map<string, Fault>();
  for (const [unit, i] of units) {
    const ev = sc.events[i]!;
    const truth = sc.truth[i] ?? null;
    if (truth === null || !faultById.has(truth)) {
      decided.set(unit, truth ?? 'maintenance');
      continue;
    }
    const onset = Date.parse(ev.startsAt);
    const item = ev.fingerprint.slice(ev.fingerprint.indexOf(':') + 1).split('|')[0]!;
    const earlier = lastFault.get(ev.fingerprint);
    let best: Fault | null = null;
    if (earlier && onset <= earlier.endMs + tailMs) best = earlier;
    else {
      let bestL = 0;
      for (const f of byStart) {
        if (f.startMs > onset) break;
        if (f.startMs < onset - spanMs) continue;
        const l = likelihood(f, item, ev.name, onset);
        if (l > bestL) {
          bestL = l;
          best = f;
        }
      }
    }
    // Nothing explains it (outside the model's reach): the observer is told its fault.
    const chosen = best ?? faultById.get(truth)!;
    lastFault.set(ev.fingerprint, chosen);
    decided.set(unit, chosen.id);
  }
  return sc.events.map((_, i) => decided.get(unitOf(i)) ?? 'resolved');
}
