/**
 * The correlation engine alone, on the input bench:correlation offers: faults of 50 alerts on
 * a service of their own, alert names drawn from a pool of 20, no topology. No store, no
 * queue: what `CorrelationEngine.decide` costs per event as open incidents pile up, and how
 * much heap the engine keeps per alert state.
 *
 *   npm run bench:engine -- [--events 50000] [--per-fault 50]
 */
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CoOccurrenceModel } from '../correlator/engine/co-occurrence-model.ts';
import { CorrelationEngine } from '../correlator/engine/correlation-engine.ts';
import { fmt } from './support/figures.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '50000' }, 'per-fault': { type: 'string', default: '50' } } });
const EVENTS = Number(values.events);
const PER_FAULT = Number(values['per-fault']);
const NAMES = 20;

// A full collection on demand, to weigh what the engine keeps (heap after minus heap before).
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
gc();
const heapBefore = process.memoryUsage().heapUsed;

// The app's defaults: a 600 s window, a 300 s hold, decisions on arrival.
const engine = new CorrelationEngine({ model: new CoOccurrenceModel({}), config: { latenessMs: 0, maxGapMs: 600_000, holdMs: 300_000 } });
const base = Date.parse('2026-11-21T10:00:00.000Z');
const faults = Math.ceil(EVENTS / PER_FAULT);
const step = Math.max(1, Math.floor(faults / 5));
let last = performance.now();
const start = last;
for (let i = 0; i < faults; i++) {
  // 100 faults a second of event time, as at 5,000 alerts/s.
  const startsAt = new Date(base + i * 10).toISOString();
  for (let k = 0; k < PER_FAULT; k++) {
    const labels = { alertname: `Symptom${(i + k) % NAMES}`, service: `svc-${i}`, instance: `host-${k}`, severity: k === 0 ? 'critical' : 'warning' };
    engine.decide({
      source: 'alertmanager',
      sourceFingerprint: `f${i}x${k}`,
      fingerprint: `alertmanager:f${i}x${k}`,
      status: 'firing',
      name: labels.alertname,
      severity: labels.severity,
      labels,
      annotations: { summary: `symptom ${k} of fault ${i}` },
      startsAt,
      endsAt: null,
      eventTime: startsAt,
      generatorUrl: null,
    });
  }
  if ((i + 1) % step === 0) {
    const now = performance.now();
    console.log(`${fmt((i + 1) * PER_FAULT)} events, ${fmt(engine.openIncidents().length)} open incidents: ${fmt((step * PER_FAULT * 1000) / (now - last))} events/s`);
    last = now;
  }
}
const seconds = (performance.now() - start) / 1000;
gc();
const kept = process.memoryUsage().heapUsed - heapBefore;
console.log(`\nnpm run bench:engine -- --events ${EVENTS} --per-fault ${PER_FAULT}`);
console.log(`decided ${fmt(faults * PER_FAULT)} events in ${fmt(seconds, 1)} s = ${fmt((faults * PER_FAULT) / seconds)} events/s (${fmt((seconds * 1e6) / (faults * PER_FAULT))} µs an event)`);
// How much of the candidate scoring the score bounds saved (EngineConfig.pruneCandidates).
const st = engine.stats();
console.log(`heap kept: ${fmt(kept / 2 ** 20)} MiB for ${fmt(engine.stats().alerts)} alert states (${fmt(kept / Math.max(1, engine.stats().alerts))} bytes an alert)`);
console.log(`candidates scored ${fmt(st.candidatesScored)}, ruled out by their bound ${fmt(st.candidatesPruned)}; name/label index reads skipped for ${fmt(st.indexScansSkipped)} events`);
