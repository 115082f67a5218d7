/**
 * Which alerts our engine links into another fault's incident, on dev seeds (never the
 * reported ones), with the figures of each such link:
 *
 *   npx tsx bench/debug-foreign-links.ts <scenario> [offsets=1000] [--all]
 *
 * An incident belongs to the fault (ground truth) of the alert that opened it. For every
 * fault whose alerts were linked into another fault's incident, prints the first such link
 * (with --all: every one): the relation and hops of the topology hit, the root fit, the gap to
 * the incident's latest new alert, the time since its first, the score and its terms, the
 * learned role share, and whether the fault opened an incident of its own at all.
 */
import { CorrelationEngineGrouper } from '../correlator/engine/correlation-engine-grouper.ts';
import type { Decision } from '../correlator/engine/decision.ts';
import { generateScenario } from './scenarios/generate-scenario.ts';
import { SCENARIOS } from './scenarios/scenario-catalog.ts';

const args = process.argv.slice(2);
const all = args.includes('--all');
const [only = '', offsetsArg = '1000'] = args.filter((a) => a !== '--all');
const offsets = offsetsArg.split(',').map(Number);
if (offsets.some((o) => !(o >= 1000))) throw new Error('dev offsets start at 1000; the evaluation seeds are never looked at here');
const base = SCENARIOS.find((s) => s.name === only);
if (!base) throw new Error(`unknown scenario ${only}: ${SCENARIOS.map((s) => s.name).join(', ')}`);

for (const offset of offsets) {
  for (let k = 0; k < 3; k++) {
    const sc = generateScenario({ ...base, seed: base.seed + offset + k });
    const decisions: Decision[] = [];
    new CorrelationEngineGrouper({ suppression: { maintenance: sc.maintenance, silences: [], inhibitRules: [] }, onDecision: (d) => decisions.push(d) }).group({ events: sc.events, topology: sc.topology });
    decisions.sort((a, b) => a.eventTimeMs - b.eventTimeMs || a.seq - b.seq);
    const founder = new Map<string, string>();
    const ownIncident = new Set<string>();
    const links = new Map<string, { count: number; lines: string[] }>();
    for (const d of decisions) {
      const truth = sc.truth[d.seq] ?? null;
      if (d.action === 'opened' && d.incidentKey !== null) {
        founder.set(d.incidentKey, truth ?? '-');
        if (truth !== null) ownIncident.add(truth);
      }
      if (d.action !== 'linked' || truth === null || truth.startsWith('noise') || d.score === null) continue;
      const into = founder.get(d.incidentKey!) ?? '?';
      if (into === truth) continue;
      const s = d.score;
      const pair = `${truth} -> ${into}`;
      const line =
        `  ${d.event.name}@${d.itemIds.join(',')} ${s.relation} ${s.hops} hops, root fit ${s.rootFit}, gap ${Math.round(s.gapMs / 1000)} s, ` +
        `${Math.round(s.sinceFirstMs / 1000)} s after its first, score ${s.total.toFixed(2)} (time ${s.time.toFixed(2)}, topology ${s.topology.toFixed(2)}, ` +
        `labels ${s.labels.toFixed(2)}, text ${s.text.toFixed(2)}, learned ${s.learned.toFixed(2)}), role share ${s.roleShare?.toFixed(2) ?? '-'}, own incident ${ownIncident.has(truth) ? 'yes' : 'not yet'}`;
      const e = links.get(pair) ?? { count: 0, lines: [] };
      e.count++;
      if (all || e.lines.length === 0) e.lines.push(line);
      links.set(pair, e);
    }
    console.log(`\n${base.name} seed +${offset + k}: ${[...links.values()].reduce((n, e) => n + e.count, 0)} links into another fault's incident`);
    for (const [pair, e] of [...links].sort((x, y) => y[1].count - x[1].count)) console.log(`${pair}: ${e.count}\n${e.lines.join('\n')}`);
  }
}
