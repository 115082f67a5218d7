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
});
