/**
 * EngineConfig.pruneCandidates skips the full scoring of candidates whose score bound cannot
 * reach the best score found so far. It must never change a decision: every stream here is
 * decided twice, with pruning on and off, and each decision (action, incident, reason, score
 * figures) must be the same. A bound that is too low somewhere fails here. Each stream must
 * also have taken a shortcut (candidates skipped by their bound, or name and label indexes
 * left unread when a topology hit beat every candidate they could add), and the random one
 * both, or the comparison would prove nothing.
 */
import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import type { Decision } from '../../../correlator/engine/decision.ts';
import type { EngineConfig } from '../../../correlator/engine/engine-config.ts';
import { keepFirst } from '../../../correlator/engine/keep-first.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import type { AlertEvent } from '../../../engine/alert/alert.ts';
import type { Topology } from '../../../engine/topology/topology.ts';
import { generateScenario } from '../../../bench/scenarios/generate-scenario.ts';
import { SCENARIOS } from '../../../bench/scenarios/scenario-catalog.ts';
import { SeededPrng } from '../../../bench/scenarios/seeded-prng.ts';

/** What a caller can see of a decision. */
function visible(d: Decision): unknown {
  return [d.seq, d.action, d.incidentKey, d.isNewIncident, d.reason, d.score, d.flapping, d.late];
}

interface Run {
  decisions: unknown[];
  /** Candidates not scored, and events whose name and label indexes were not read. */
  pruned: number;
  skippedScans: number;
}

/** Decides the stream in arrival order; `ops` may act as an operator after a given event. */
function run(
  events: readonly AlertEvent[],
  prune: boolean,
  options: { topology?: Topology; config?: Partial<EngineConfig>; ops?: (engine: CorrelationEngine, i: number) => void } = {},
): Run {
  const engine = new CorrelationEngine({
    graph: options.topology ? new TopologyGraph(options.topology) : null,
    matcher: options.topology ? new ItemMatcher(options.topology.items) : null,
    config: { ...options.config, pruneCandidates: prune },
  });
  const decisions: unknown[] = [];
  events.forEach((ev, i) => {
    for (const d of engine.ingest(ev)) decisions.push(visible(d));
    options.ops?.(engine, i);
  });
  for (const d of engine.flush()) decisions.push(visible(d));
  const stats = engine.stats();
  return { decisions, pruned: stats.candidatesPruned, skippedScans: stats.indexScansSkipped };
}

function expectSameDecisions(on: Run, off: Run): void {
  expect(off.pruned + off.skippedScans).toBe(0);
  expect(on.pruned + on.skippedScans).toBeGreaterThan(0);
  expect(on.decisions.length).toBe(off.decisions.length);
  for (let i = 0; i < on.decisions.length; i++) {
    // One at a time, so a failure names the first decision that differs.
    expect(on.decisions[i], `decision ${i}`).toEqual(off.decisions[i]);
  }
}

function firing(fp: string, atMs: number, labels: Record<string, string>, summary: string, status: AlertEvent['status'] = 'firing'): AlertEvent {
  const at = new Date(atMs).toISOString();
  return {
    source: 'alertmanager',
    sourceFingerprint: fp,
    fingerprint: `alertmanager:${fp}`,
    status,
    name: labels.alertname!,
    severity: labels.severity ?? 'warning',
    labels,
    annotations: { summary },
    startsAt: at,
    endsAt: status === 'resolved' ? at : null,
    eventTime: at,
    generatorUrl: null,
  };
}

describe('pruned candidate scoring', () => {
  it('decides generated scenarios with topology and a learning model as unpruned scoring does', () => {
    for (const name of ['storm-microservice-medium', 'network-tree-medium']) {
      const spec = SCENARIOS.find((s) => s.name === name)!;
      const sc = generateScenario({ ...spec, hours: 12 });
      // A cap of one too, so that topology hits alone exceed it and the cap decides.
      for (const config of [{}, { maxCandidates: 1 }]) {
        expectSameDecisions(run(sc.events, true, { topology: sc.topology, config }), run(sc.events, false, { topology: sc.topology, config }));
      }
    }
  });

  it('decides many faults sharing alert names and hosts (bench:engine input) as unpruned scoring does', () => {
    const events: AlertEvent[] = [];
    const t0 = Date.UTC(2026, 10, 21, 10);
    for (let i = 0; i < 150; i++) {
      for (let k = 0; k < 20; k++) {
        const labels = { alertname: `Symptom${(i + k) % 20}`, service: `svc-${i}`, instance: `host-${k}`, severity: k === 0 ? 'critical' : 'warning' };
        events.push(firing(`f${i}x${k}`, t0 + i * 10, labels, `symptom ${k} of fault ${i}`));
      }
    }
    const config = { latenessMs: 0 };
    expectSameDecisions(run(events, true, { config }), run(events, false, { config }));
  });

  it('decides a random stream of close calls, with resolves, merges and splits, as unpruned scoring does', () => {
    // Small pools of names, services and hosts and uneven gaps: many candidates score near
    // each other and near the link threshold; resolved incidents teach the learned model, and
    // operators' merges and splits add feedback, so the learned term is not always 0.
    const rng = new SeededPrng(7);
    const events: AlertEvent[] = [];
    const firingNow: AlertEvent[] = [];
    let at = Date.UTC(2026, 10, 21, 10);
    for (let n = 0; n < 3000; n++) {
      // Bursts (equal times, so equal time terms) between uneven gaps.
      if (rng.chance(0.4)) at += rng.int(0, 60_000);
      if (firingNow.length > 0 && rng.chance(0.35)) {
        const ev = firingNow.splice(rng.int(0, firingNow.length - 1), 1)[0]!;
        events.push(firing(ev.sourceFingerprint, at, { ...ev.labels }, ev.annotations.summary!, 'resolved'));
        continue;
      }
      const labels: Record<string, string> = { alertname: `Alert${rng.int(0, 7)}`, instance: `i-${rng.int(0, 9)}`, severity: rng.pick(['critical', 'warning']) };
      if (rng.chance(0.8)) labels.service = `svc-${rng.int(0, 3)}`;
      if (rng.chance(0.5)) labels.host = `host-${rng.int(0, 1)}`;
      if (rng.chance(0.6)) labels.team = `team-${rng.int(0, 1)}`;
      if (rng.chance(0.3)) labels.region = 'region-0';
      const ev = firing(`r${n}`, at, labels, rng.pick(['latency above target', 'errors rising', 'disk almost full', `queue ${rng.int(0, 3)} stalled`]));
      events.push(ev);
      firingNow.push(ev);
    }
    const ops = (engine: CorrelationEngine, i: number): void => {
      if (i % 97 !== 96) return;
      const open = engine.openIncidents();
      if (open.length >= 2 && i % 2 === 0) engine.merge(open[0]!.key, open[1]!.key);
      else {
        const big = open.find((v) => v.members.length >= 2);
        if (big) engine.split(big.key, [big.members[0]!.fingerprint]);
      }
    };
    const base: Partial<EngineConfig> = { latenessMs: 0, holdMs: 60_000, maxGapMs: 300_000, learning: { minSupport: 1 } as EngineConfig['learning'] };
    // With the default weights the bound's slack is mostly the learned term; with others, each
    // term of the bound is what separates a pruned candidate from the best.
    for (const weights of [undefined, { time: 0.3, topology: 0.4, labels: 0.3, text: 0, learned: 0 }, { time: 0.3, topology: 0.4, labels: 0, text: 0.3, learned: 0 }]) {
      const config = weights ? { ...base, weights } : base;
      const on = run(events, true, { config, ops });
      expectSameDecisions(on, run(events, false, { config, ops }));
      expect(on.pruned).toBeGreaterThan(0);
      expect(on.skippedScans).toBeGreaterThan(0);
    }
  });
});

describe('keepFirst', () => {
  it('keeps the items a full sort would keep', () => {
    const rng = new SeededPrng(3);
    for (let n = 0; n < 300; n++) {
      const items = Array.from({ length: rng.int(0, 120) }, (_, i) => ({ v: rng.int(0, 10), i }));
      const before = (x: { v: number; i: number }, y: { v: number; i: number }): number => y.v - x.v || x.i - y.i;
      const k = rng.int(0, 60);
      // A prefix of the array, as the engine uses it (entries past `n` are reused scratch).
      const tail = [{ v: -1, i: -1 }];
      const kept = [...items, ...tail];
      const count = keepFirst(kept, items.length, k, before);
      expect(count).toBe(Math.min(k, items.length));
      expect(kept.slice(0, count).sort(before)).toEqual([...items].sort(before).slice(0, k));
      expect(kept.slice(items.length)).toEqual(tail);
    }
  });
});
