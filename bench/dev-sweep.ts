/**
 * Our engine alone on dev seeds (never the reported ones), for comparing engine configs:
 *
 *   npx tsx bench/dev-sweep.ts [--offsets 1000,2000] [--seeds 3] [--only storm] [--config '{"linkThreshold":0.55}']
 *
 * For each offset, every scenario is generated with seeds base.seed + offset + 0…seeds-1
 * (the evaluation uses offset 0: never pass it here) and grouped with the default engine
 * config merged with --config (engineConfig's one-level merge). Prints F1, precision, recall
 * and compression per scenario and offset, and the mean F1 of each offset.
 */
import { parseArgs } from 'node:util';
import { CorrelationEngineGrouper } from '../correlator/engine/correlation-engine-grouper.ts';
import type { EngineConfig } from '../correlator/engine/engine-config.ts';
import { generateScenario } from './scenarios/generate-scenario.ts';
import { scoreGrouping } from './scenarios/metrics.ts';
import { SCENARIOS } from './scenarios/scenario-catalog.ts';

const { values: args } = parseArgs({
  options: {
    offsets: { type: 'string', default: '1000,2000' },
    seeds: { type: 'string', default: '3' },
    only: { type: 'string', default: '' },
    config: { type: 'string', default: '{}' },
  },
});
const offsets = args.offsets.split(',').map(Number);
if (offsets.some((o) => !(o >= 1000))) throw new Error('dev offsets start at 1000; the evaluation seeds are never swept');
const config = JSON.parse(args.config) as Partial<EngineConfig>;

const header = ['scenario'.padEnd(26), ...offsets.map((o) => `+${o}: F1    P     R     comp`.padEnd(30))].join('');
console.log(header);
const sums = offsets.map(() => 0);
let rows = 0;
for (const base of SCENARIOS.filter((s) => s.name.includes(args.only))) {
  const cells: string[] = [];
  offsets.forEach((offset, j) => {
    let f1 = 0;
    let p = 0;
    let r = 0;
    let comp = 0;
    const n = Number(args.seeds);
    for (let k = 0; k < n; k++) {
      const sc = generateScenario({ ...base, seed: base.seed + offset + k });
      const keys = new CorrelationEngineGrouper({ config, suppression: { maintenance: sc.maintenance, silences: [], inhibitRules: [] } }).group({ events: sc.events, topology: sc.topology });
      const s = scoreGrouping(sc.events, sc.truth, keys);
      f1 += s.f1 / n;
      p += s.precision / n;
      r += s.recall / n;
      comp += s.compression / n;
    }
    sums[j]! += f1;
    cells.push(`${f1.toFixed(3)} ${p.toFixed(3)} ${r.toFixed(3)} ${(comp * 100).toFixed(1)}%`.padEnd(30));
  });
  rows++;
  console.log([base.name.padEnd(26), ...cells].join(''));
}
console.log(['mean F1'.padEnd(26), ...sums.map((s) => (s / rows).toFixed(4).padEnd(30))].join(''));
