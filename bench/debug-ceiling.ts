/**
 * Our engine beside the informed observer (bench/scenarios/informed-observer.ts), stream by
 * stream, to find the streams where the engine trails what per-alert evidence plus knowing the
 * faults would give:
 *
 *   npx tsx bench/debug-ceiling.ts [microservice-small] [seeds=3] [offset=1000] [samples=2000]
 *
 * The observer reads the ground truth, and nothing here changes the engine's parameters; study
 * the streams it points to on dev seeds (offset 1000 and up) only.
 */
import { CorrelationEngineGrouper } from '../correlator/engine/correlation-engine-grouper.ts';
import { generateScenario } from './scenarios/generate-scenario.ts';
import { informedObserverKeys } from './scenarios/informed-observer.ts';
import { scoreGrouping } from './scenarios/metrics.ts';
import { SCENARIOS } from './scenarios/scenario-catalog.ts';

const [name = 'microservice-small', seedsArg = '3', offsetArg = '1000', samplesArg = '2000'] = process.argv.slice(2);
const base = SCENARIOS.find((s) => s.name === name);
if (!base) throw new Error(`unknown scenario ${name}`);
const seeds = Number(seedsArg);
const first = base.seed + Number(offsetArg);
console.log(`${name}, seeds ${first}…${first + seeds - 1}, ${samplesArg} simulated cascades a fault\n`);
console.log('seed     faults  episodes  observer F1  P      R      engine F1  P      R      engine − observer');
const f = (x: number): string => x.toFixed(3).padEnd(7);
let sumObserver = 0;
let sumEngine = 0;
for (let k = 0; k < seeds; k++) {
  const sc = generateScenario({ ...base, seed: first + k });
  const observer = scoreGrouping(sc.events, sc.truth, informedObserverKeys(sc, Number(samplesArg)));
  const keys = new CorrelationEngineGrouper({ suppression: { maintenance: sc.maintenance, silences: [], inhibitRules: [] } }).group({ events: sc.events, topology: sc.topology });
  const engine = scoreGrouping(sc.events, sc.truth, keys);
  sumObserver += observer.f1 / seeds;
  sumEngine += engine.f1 / seeds;
  const gap = engine.f1 - observer.f1;
  console.log(`${String(first + k).padEnd(9)}${String(sc.faults.length).padEnd(8)}${String(observer.alerts).padEnd(10)}${f(observer.f1)}      ${f(observer.precision)}${f(observer.recall)}${f(engine.f1)}    ${f(engine.precision)}${f(engine.recall)}${gap >= 0 ? '+' : ''}${gap.toFixed(3)}`);
}
console.log(`\nmean F1: observer ${sumObserver.toFixed(3)}, engine ${sumEngine.toFixed(3)}`);
