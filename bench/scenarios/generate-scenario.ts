/**
 * Generates one correlation scenario with ground truth, reproducibly from its seed:
 *
 * - faults start on an item (weighted towards items others depend on) and cascade to the
 *   items that need it, hop by hop, each hop with a chance and a random delay; the root raises
 *   root-cause alerts, reached items raise symptom alerts, per pod or port for some types, and
 *   some only after a `for:` delay; everything resolves a little after the fault ends;
 * - faults overlap: a share gets a companion within two minutes, near the first in the graph
 *   (related) or far from it (unrelated); independent faults overlap by chance too;
 * - background noise: one-off alerts on random items (some on no known item), each its own
 *   incident in the truth, some flapping with long off periods;
 * - some fault alerts flap while the fault lasts;
 * - maintenance windows on a box and what runs on or hangs off it, with the maintenance work's
 *   own alerts; every alert of those items inside the window is expected suppressed (truth null);
 * - delivery: each event arrives up to `maxDelayMs` after its event time (so out of order),
 *   some twice.
 *
 * An alert already firing is not raised again by an overlapping fault: it stays with the fault
 * that raised it first (that is what its sender would do).
 */
import type { AlertEvent } from '../../engine/alert/alert.ts';
import type { MaintenanceWindow } from '../../correlator/engine/maintenance-window.ts';
import { ALERT_CATALOG, type AlertType } from './alert-catalog.ts';
import { buildTopology } from './build-topology.ts';
import type { Fault, GenItem, Scenario, ScenarioSpec, TopologyShape } from './scenario.ts';
import { SeededPrng } from './seeded-prng.ts';

export const CASCADE: Record<TopologyShape, { p: number; depth: number; hopMs: [number, number] }> = {
  microservice: { p: 0.8, depth: 4, hopMs: [5_000, 60_000] },
  'three-tier': { p: 0.8, depth: 4, hopMs: [5_000, 60_000] },
  'network-tree': { p: 0.95, depth: 4, hopMs: [3_000, 30_000] },
  chain: { p: 0.85, depth: 6, hopMs: [5_000, 60_000] },
};

const START_MS = Date.UTC(2024, 2, 2, 0, 0, 0);

interface Episode {
  item: GenItem | null;
  /** Labels of an alert on no known item. */
  labels?: Record<string, string>;
  type: AlertType;
  instance: string | null;
  startMs: number;
  endMs: number;
  truth: string | null;
}

export function generateScenario(spec: ScenarioSpec): Scenario {
  const rng = new SeededPrng(spec.seed);
  const gen = buildTopology(spec.shape, spec.size, rng);
  const byId = new Map(gen.items.map((i) => [i.id, i]));
  const dependents = new Map<string, string[]>();
  const adjacent = new Map<string, string[]>();
  for (const r of gen.topology.relations) {
    push(dependents, r.to, r.from);
    push(adjacent, r.to, r.from);
    push(adjacent, r.from, r.to);
  }
  const endMs = START_MS + spec.hours * 3600_000;
  const episodes: Episode[] = [];
  const busy = new Map<string, Array<[number, number]>>();
  const podIps = new Map<string, string>();

  const fpOf = (e: Pick<Episode, 'item' | 'labels' | 'type' | 'instance'>): string =>
    `gen:${e.item ? e.item.id : JSON.stringify(e.labels)}|${e.type.name}|${e.instance ?? ''}`;

  /** Adds the spells of one alert unless it is already firing then; returns whether it did. */
  const addAlert = (base: Omit<Episode, 'startMs' | 'endMs'>, startMs: number, endMs: number, spells: Array<[number, number]>): boolean => {
    const fp = fpOf(base);
    const taken = busy.get(fp) ?? [];
    if (taken.some(([s, e]) => s < endMs + 60_000 && startMs < e + 60_000)) return false;
    taken.push([startMs, endMs]);
    busy.set(fp, taken);
    for (const [s, e] of spells) episodes.push({ ...base, startMs: s, endMs: e });
    return true;
  };

  /** On/off spells of a flapping alert between start and end. */
  const flapSpells = (startMs: number, endMs: number, onMs: [number, number], offMs: [number, number]): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    let t = startMs;
    while (t < endMs) {
      const e = Math.min(endMs, t + rng.uniform(...onMs));
      out.push([Math.round(t), Math.round(e)]);
      t = e + rng.uniform(...offMs);
    }
    return out;
  };

  const raise = (item: GenItem, types: AlertType[], atMs: number, untilMs: number, truth: string | null, flapChance: number): void => {
    for (const type of types) {
      const instances: Array<string | null> = type.perInstance && item.instances.length > 0 ? item.instances.filter(() => rng.chance(0.8)) : [null];
      if (instances.length === 0) instances.push(rng.pick(item.instances));
      for (const instance of instances) {
        let s = atMs + rng.uniform(0, 20_000);
        // Some rules only fire after a `for:` clause.
        if (rng.chance(0.15)) s += rng.uniform(60_000, 240_000);
        const e = Math.max(s + 30_000, untilMs + rng.uniform(0, 90_000));
        const spells = rng.chance(flapChance) ? flapSpells(s, e, [30_000, 150_000], [30_000, 200_000]) : [[Math.round(s), Math.round(e)] as [number, number]];
        addAlert({ item, type, instance, truth }, Math.round(s), Math.round(e), spells);
      }
    }
  };

  // --- faults ----------------------------------------------------------------------------
  const failable = gen.items.filter((i) => i.canFail);
  // Faults that matter start where others depend; leaves fail too, but rarely (noise covers them).
  const weightOf = (i: GenItem): number => {
    const n = dependents.get(i.id)?.length ?? 0;
    return n === 0 ? 0.25 : 1 + Math.min(4, n);
  };
  const totalWeight = failable.reduce((s, i) => s + weightOf(i), 0);
  const pickRoot = (): GenItem => {
    let r = rng.uniform(0, totalWeight);
    for (const i of failable) {
      r -= weightOf(i);
      if (r <= 0) return i;
    }
    return failable[failable.length - 1]!;
  };
  const faults: Fault[] = [];
  const cascade = CASCADE[spec.shape];
  const runFault = (fault: Fault): void => {
    const root = byId.get(fault.rootItem)!;
    raise(root, rng.sample(ALERT_CATALOG.root[root.kind] ?? [], rng.int(2, 3)), fault.startMs, fault.endMs, fault.id, spec.flapChance);
    const seen = new Set([root.id]);
    let frontier: Array<{ item: GenItem; at: number }> = [{ item: root, at: fault.startMs }];
    for (let depth = 1; depth <= cascade.depth && frontier.length > 0; depth++) {
      const next: Array<{ item: GenItem; at: number }> = [];
      for (const { item, at } of frontier) {
        for (const d of dependents.get(item.id) ?? []) {
          if (seen.has(d) || !rng.chance(cascade.p)) continue;
          seen.add(d);
          const dep = byId.get(d)!;
          const reachedAt = at + rng.uniform(...cascade.hopMs);
          const until = fault.endMs + depth * rng.uniform(5_000, 30_000);
          raise(dep, rng.sample(ALERT_CATALOG.symptom[dep.kind] ?? [], rng.int(1, 3)), reachedAt, until, fault.id, spec.flapChance);
          next.push({ item: dep, at: reachedAt });
        }
      }
      frontier = next;
    }
  };
  const within = (from: string, maxHops: number): Map<string, number> => {
    const dist = new Map([[from, 0]]);
    let frontier = [from];
    for (let h = 1; h <= maxHops; h++) {
      const next: string[] = [];
      for (const n of frontier) for (const m of adjacent.get(n) ?? []) if (!dist.has(m)) {
        dist.set(m, h);
        next.push(m);
      }
      frontier = next;
    }
    return dist;
  };
  let t = START_MS + rng.uniform(5, 30) * 60_000;
  while (t < endMs - 40 * 60_000) {
    const id = `f${faults.length + 1}`;
    const fault: Fault = { id, rootItem: pickRoot().id, startMs: Math.round(t), endMs: Math.round(t + rng.uniform(8, 30) * 60_000), companionOf: null, overlap: null };
    faults.push(fault);
    if (rng.chance(spec.overlapChance)) {
      const near = within(fault.rootItem, 5);
      const related = rng.chance(0.5);
      const pool = related
        ? failable.filter((i) => i.id !== fault.rootItem && (near.get(i.id) ?? 99) <= 3)
        : failable.filter((i) => !near.has(i.id));
      if (pool.length > 0) {
        const s = fault.startMs + rng.uniform(0, 120_000);
        faults.push({
          id: `f${faults.length + 1}`, rootItem: rng.pick(pool).id, startMs: Math.round(s), endMs: Math.round(s + rng.uniform(8, 30) * 60_000),
          companionOf: id, overlap: related ? 'related' : 'unrelated',
        });
      }
    }
    t += rng.exponential(3600_000 / spec.faultsPerHour);
  }
  faults.sort((a, b) => a.startMs - b.startMs);
  for (const f of faults) runFault(f);

  // --- noise -----------------------------------------------------------------------------
  const noiseCount = Math.round(spec.noisePerHour * spec.hours);
  for (let n = 0; n < noiseCount; n++) {
    const s = Math.round(rng.uniform(START_MS, endMs - 20 * 60_000));
    const e = Math.round(s + rng.uniform(2, 15) * 60_000);
    const truth = `noise-${n + 1}`;
    const flapping = rng.chance(spec.noiseFlapChance);
    if (rng.chance(0.1)) {
      const job = `batch-${rng.int(1, 40)}`;
      const type = rng.pick(ALERT_CATALOG.noise);
      const labels = { job, env: 'prod', instance: `${job}:9100` };
      const end = flapping ? s + rng.uniform(20, 45) * 60_000 : e;
      const spells = flapping ? flapSpells(s, end, [60_000, 240_000], [240_000, 540_000]) : [[s, e] as [number, number]];
      addAlert({ item: null, labels, type, instance: null, truth }, s, end, spells);
      continue;
    }
    const item = rng.pick(gen.items);
    const pool = rng.chance(0.25) ? (ALERT_CATALOG.symptom[item.kind] ?? ALERT_CATALOG.noise) : ALERT_CATALOG.noise;
    const type = rng.pick(pool);
    const instance = type.perInstance && item.instances.length > 0 ? rng.pick(item.instances) : null;
    const end = flapping ? s + rng.uniform(20, 45) * 60_000 : e;
    const spells = flapping ? flapSpells(s, end, [60_000, 240_000], [240_000, 540_000]) : [[s, e] as [number, number]];
    addAlert({ item, type, instance, truth }, s, Math.round(end), spells);
  }

  // --- maintenance -----------------------------------------------------------------------
  const maintenance: MaintenanceWindow[] = [];
  const boxes = gen.items.filter((i) => (dependents.get(i.id)?.length ?? 0) > 0 && ['host', 'storage', 'switch', 'appserver', 'database'].includes(i.kind));
  const windows: Array<{ items: Set<string>; startMs: number; endMs: number }> = [];
  for (let w = 0; w < spec.maintenanceWindows && boxes.length > 0; w++) {
    const box = rng.pick(boxes);
    const covered = [box.id, ...(dependents.get(box.id) ?? [])];
    const ws = Math.floor(rng.uniform(START_MS + 3600_000, endMs - 2 * 3600_000) / 60_000) * 60_000;
    const minutes = rng.int(30, 60);
    const we = ws + minutes * 60_000;
    windows.push({ items: new Set(covered), startMs: ws, endMs: we });
    const id = `mw-${w + 1}`;
    // Every other window is written as a weekly schedule that covers the same spell, as an
    // operator would for a recurring patch slot.
    const d = new Date(ws);
    maintenance.push({
      id,
      itemIds: covered,
      comment: `planned work on ${box.name}`,
      schedule:
        w % 2 === 0
          ? { kind: 'once', startMs: ws, endMs: we }
          : { kind: 'weekly', days: [d.getUTCDay()], start: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`, durationMinutes: minutes },
    });
    // The work itself: the box goes down, what depends on it complains.
    const workAt = ws + rng.uniform(1, 5) * 60_000;
    const workEnd = workAt + rng.uniform(5, 20) * 60_000;
    raise(box, rng.sample(ALERT_CATALOG.root[box.kind] ?? [], 1), workAt, workEnd, null, 0);
    for (const dep of dependents.get(box.id) ?? []) {
      const item = byId.get(dep)!;
      raise(item, rng.sample(ALERT_CATALOG.symptom[item.kind] ?? [], 1), workAt + rng.uniform(0, 60_000), workEnd, null, 0);
    }
  }
  for (const ep of episodes) {
    if (ep.item && windows.some((w) => w.items.has(ep.item!.id) && ep.startMs >= w.startMs && ep.startMs < w.endMs)) ep.truth = null;
  }

  // --- delivery --------------------------------------------------------------------------
  const deliveries: Array<{ event: AlertEvent; truth: string | null; arrival: number; order: number }> = [];
  const deliver = (event: AlertEvent, truth: string | null): void => {
    const at = Date.parse(event.eventTime);
    const delay = rng.chance(0.05) ? rng.uniform(0.5, 1) * spec.maxDelayMs : rng.uniform(0, 0.5) * spec.maxDelayMs;
    deliveries.push({ event, truth, arrival: at + delay, order: deliveries.length });
    if (rng.chance(spec.duplicateChance)) {
      deliveries.push({ event: { ...event }, truth, arrival: at + rng.uniform(0, spec.maxDelayMs), order: deliveries.length });
    }
  };
  episodes.sort((a, b) => a.startMs - b.startMs);
  for (const ep of episodes) {
    const labels = labelsOf(ep, podIps, rng);
    const fp = fpOf(ep);
    const summary = ep.type.summary.replace('{item}', ep.item?.name ?? ep.labels?.job ?? 'unknown').replace('{instance}', ep.instance ?? '');
    const base = {
      source: 'gen',
      sourceFingerprint: fp.slice(4),
      fingerprint: fp,
      name: ep.type.name,
      severity: ep.type.severity,
      labels,
      annotations: { summary },
      startsAt: iso(ep.startMs),
      generatorUrl: null,
    };
    deliver({ ...base, status: 'firing', endsAt: null, eventTime: iso(ep.startMs) }, ep.truth);
    if (ep.endMs < endMs) deliver({ ...base, status: 'resolved', endsAt: iso(ep.endMs), eventTime: iso(ep.endMs) }, ep.truth);
  }
  deliveries.sort((a, b) => a.arrival - b.arrival || a.order - b.order);
  let maxDelayMs = 0;
  for (const d of deliveries) maxDelayMs = Math.max(maxDelayMs, d.arrival - Date.parse(d.event.eventTime));
  return {
    spec,
    topology: gen.topology,
    events: deliveries.map((d) => d.event),
    truth: deliveries.map((d) => d.truth),
    maintenance,
    faults,
    maxDelayMs,
  };
}

function labelsOf(ep: Episode, podIps: Map<string, string>, rng: SeededPrng): Record<string, string> {
  const labels: Record<string, string> = { ...(ep.item ? ep.item.alertLabels : ep.labels), alertname: ep.type.name, severity: ep.type.severity };
  if (ep.item && ep.instance !== null) {
    labels[ep.item.instanceLabel] = ep.instance;
    if (ep.item.instanceLabel === 'pod') {
      let ip = podIps.get(ep.instance);
      if (ip === undefined) {
        ip = `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
        podIps.set(ep.instance, ip);
      }
      labels.instance = `${ip}:8080`;
      if (ep.item.node) labels.node = ep.item.node;
    }
  }
  return labels;
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function iso(ms: number): string {
  return new Date(Math.round(ms)).toISOString();
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
