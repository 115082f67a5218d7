/**
 * Replay = live: the same events in any arrival order within the lateness bound, or sorted by
 * event time at full speed, give every event the same incident.
 */
import { describe, expect, it } from 'vitest';
import { CorrelationEngineGrouper } from '../../../correlator/engine/correlation-engine-grouper.ts';
import type { AlertEvent } from '../../../engine/alert/alert.ts';
import { generateScenario } from '../../../bench/scenarios/generate-scenario.ts';
import { SCENARIOS } from '../../../bench/scenarios/scenario-catalog.ts';
import { SeededPrng } from '../../../bench/scenarios/seeded-prng.ts';

function keysByEvent(events: readonly AlertEvent[], order: readonly number[], group: (evs: AlertEvent[]) => Array<string | null>): Array<string | null> {
  const keys = group(order.map((i) => events[i]!));
  const out: Array<string | null> = new Array(events.length);
  order.forEach((i, k) => (out[i] = keys[k]!));
  return out;
}

describe('determinism', () => {
  const spec = SCENARIOS.find((s) => s.name === 'microservice-medium')!;
  const sc = generateScenario({ ...spec, hours: 12 });
  const group = (evs: AlertEvent[]): Array<string | null> =>
    new CorrelationEngineGrouper({ suppression: { maintenance: sc.maintenance, silences: [], inhibitRules: [] } }).group({ events: evs, topology: sc.topology });
  const arrival = sc.events.map((_, i) => i);
  const live = keysByEvent(sc.events, arrival, group);

  it('gives a full-speed replay in event-time order the same incidents as the live arrival order', () => {
    const replay = [...arrival].sort((a, b) => Date.parse(sc.events[a]!.eventTime) - Date.parse(sc.events[b]!.eventTime));
    expect(keysByEvent(sc.events, replay, group)).toEqual(live);
  });

  it('gives the same incidents for any shuffle within the lateness bound', () => {
    for (const seed of [1, 2, 3]) {
      const rng = new SeededPrng(seed);
      // Every event arrives up to 110 s after its event time: within the default 120 s bound.
      const shuffled = arrival
        .map((i) => ({ i, at: Date.parse(sc.events[i]!.eventTime) + rng.uniform(0, 110_000) }))
        .sort((a, b) => a.at - b.at)
        .map((x) => x.i);
      expect(keysByEvent(sc.events, shuffled, group)).toEqual(live);
    }
  });

  it('is a pure function of its input: two runs, same output', () => {
    expect(keysByEvent(sc.events, arrival, group)).toEqual(live);
  });
});
