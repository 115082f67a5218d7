/**
 * State stays bounded as history grows: a long replay leaves only recent alerts and incidents
 * in memory, and the hard cap holds.
 */
import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import { generateScenario } from '../../../bench/scenarios/generate-scenario.ts';
import { SCENARIOS } from '../../../bench/scenarios/scenario-catalog.ts';
import { tileStream } from '../../../bench/scenarios/tile-stream.ts';
import type { AlertEvent } from '../../../engine/alert/alert.ts';

function event(id: string, status: 'firing' | 'resolved', at: string): AlertEvent {
  const labels = { alertname: `Alert${id}`, service: `svc-${id}` };
  return { source: 'alertmanager', sourceFingerprint: id, fingerprint: `alertmanager:${id}`, status, name: labels.alertname, severity: 'warning', labels, annotations: {}, startsAt: at, endsAt: null, eventTime: at, generatorUrl: null };
}

describe('bounded state', () => {
  const sc = generateScenario({ ...SCENARIOS.find((s) => s.name === 'microservice-medium')!, hours: 24 });
  const graph = new TopologyGraph(sc.topology);
  const matcher = new ItemMatcher(sc.topology.items);

  it('holds about the same state after 5 blocks of history as after 1', () => {
    const e = new CorrelationEngine({ graph, matcher });
    const sizes: number[] = [];
    let n = 0;
    for (const ev of tileStream(sc.events, sc.events.length * 5)) {
      e.ingest(ev);
      if (++n % sc.events.length === 0) sizes.push(e.stats().alerts + e.stats().incidents);
    }
    e.flush();
    expect(Math.max(...sizes.slice(1))).toBeLessThan(sizes[0]! * 1.5 + 50);
  });

  it('never holds more alert states than the cap', () => {
    const e = new CorrelationEngine({ graph, matcher, config: { maxAlerts: 100 } });
    for (const ev of tileStream(sc.events, 3000)) {
      e.ingest(ev);
      expect(e.stats().alerts).toBeLessThanOrEqual(100);
    }
  });

  it('holds no more member entries than the cap: an incident lets go of the alerts the cap dropped, and keeps its first onset', () => {
    const e = new CorrelationEngine({ graph: new TopologyGraph({ items: [], relations: [] }), matcher: new ItemMatcher([]), config: { maxAlerts: 50, latenessMs: 0, holdMs: 3600_000 } });
    const at = (s: number) => new Date(Date.parse('2026-11-22T10:00:00Z') + s * 1000).toISOString();
    // Faults of 20 alerts on a service each, none resolving: as in the throughput benchmarks.
    for (let f = 0; f < 30; f++) {
      for (let k = 0; k < 20; k++) {
        e.decide({ ...event(`f${f}k${k}`, 'firing', at(f * 20 + k)), labels: { alertname: `Alert${k}`, service: `svc-${f}` }, name: `Alert${k}` });
        expect(e.stats().members).toBeLessThanOrEqual(50);
      }
    }
    expect(e.stats().incidents).toBe(30);
    const first = e.incident(`alertmanager:f0k0@${Date.parse(at(0))}`)!;
    expect(first.members).toEqual([]);
    expect(first.firstOnsetMs).toBe(Date.parse(at(0)));
  });

  it('an incident whose members were all dropped keeps its first onset when a new member joins', () => {
    const e = new CorrelationEngine({ graph: new TopologyGraph({ items: [], relations: [] }), matcher: new ItemMatcher([]), config: { maxAlerts: 3, latenessMs: 0, holdMs: 3600_000 } });
    const at = (s: number) => new Date(Date.parse('2026-11-22T10:00:00Z') + s * 1000).toISOString();
    const fire = (id: string, service: string, s: number) => e.decide({ ...event(id, 'firing', at(s)), labels: { alertname: 'QueueBacklog', service }, name: 'QueueBacklog' });
    const key = fire('a1', 'billing', 0).incidentKey!;
    fire('a2', 'billing', 1);
    for (let i = 0; i < 3; i++) fire(`other${i}`, `svc-${i}`, 2 + i);
    expect(e.incident(key)!.members).toEqual([]);
    expect(fire('a3', 'billing', 6).incidentKey).toBe(key);
    expect(e.incident(key)!.members.map((m) => m.fingerprint)).toEqual(['alertmanager:a3']);
    expect(e.incident(key)!.firstOnsetMs).toBe(Date.parse(at(0)));
  });

  it('past maxIncidents drops the earliest resolved incidents first, never an open one', () => {
    const e = new CorrelationEngine({ graph: new TopologyGraph({ items: [], relations: [] }), matcher: new ItemMatcher([]), config: { maxIncidents: 5, latenessMs: 0, holdMs: 0 } });
    const at = (s: number) => new Date(Date.parse('2026-11-22T10:00:00Z') + s * 1000).toISOString();
    const fire = (id: string, status: 'firing' | 'resolved', s: number) => e.decide({ ...event(id, status, at(s)), labels: { alertname: `Alert${id}`, service: `svc-${id}` } });
    const open = fire('stays', 'firing', 0).incidentKey!;
    const keys: string[] = [];
    for (let i = 0; i < 20; i++) {
      keys.push(fire(`r${i}`, 'firing', 10 * i + 1).incidentKey!);
      fire(`r${i}`, 'resolved', 10 * i + 2);
      expect(e.stats().incidents).toBeLessThanOrEqual(6);
    }
    fire('last', 'firing', 300);
    expect(e.incident(open)!.status).toBe('open');
    // The latest resolved ones are kept for operators, the earliest were dropped.
    expect(keys.map((k) => e.incident(k)?.status ?? 'dropped')).toEqual([...Array(16).fill('dropped'), 'resolved', 'resolved', 'resolved', 'resolved']);
    expect(e.capacity()).toMatchObject({ maxIncidents: 5, incidentsCapped: 16, alertsCapped: 0 });
    // Their retention timers find nothing to do and hold nothing: an hour later only the open ones are left.
    fire('later', 'firing', 4000);
    expect(e.stats().incidents).toBe(3);
    // Retention, not the cap, took the last four.
    expect(e.capacity().incidentsCapped).toBe(16);
  });

  it('at the cap forgets the least recently seen alert, also after the oldest was seen again', () => {
    const e = new CorrelationEngine({ graph: new TopologyGraph({ items: [], relations: [] }), matcher: new ItemMatcher([]), config: { maxAlerts: 3 } });
    const at = (s: number) => new Date(Date.parse('2026-11-22T10:00:00Z') + s * 1000).toISOString();
    e.decide(event('a', 'firing', at(0)));
    e.decide(event('b', 'firing', at(1)));
    e.decide(event('c', 'firing', at(2)));
    // a is seen again: b is now the least recently seen.
    e.decide(event('a', 'firing', at(3)));
    e.decide(event('d', 'firing', at(4)));
    // a fifth alert past the cap takes c next, not a or d.
    e.decide(event('x', 'firing', at(5)));
    expect(e.stats().alerts).toBe(3);
    // Two states left because of the cap (b, then c), and nothing left by time.
    expect(e.capacity()).toMatchObject({ alerts: 3, maxAlerts: 3, alertsCapped: 2, incidentsCapped: 0 });
    const resolvedHere = (id: string) => e.decide(event(id, 'resolved', at(6))).action !== 'ignored';
    expect([resolvedHere('b'), resolvedHere('c'), resolvedHere('a'), resolvedHere('d'), resolvedHere('x')]).toEqual([false, false, true, true, true]);
  });
});
