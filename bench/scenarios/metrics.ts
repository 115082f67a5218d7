/**
 * How well a grouping matches the truth.
 *
 * The unit is an alert episode: one fingerprint from a firing event to its resolve (its
 * duplicates, repeats and resolve belong to it; each flap of a flapping alert is a new episode,
 * so a method that opens an incident per flap is penalised). Its predicted incident is the key
 * the method gave its first firing delivery (arrival order); its true incident is the fault or
 * noise id the generator gave it.
 *
 * Alerts the truth expects suppressed (maintenance, truth null) are left out of the pair
 * metrics and compression for every method alike, so baselines, which cannot suppress, are
 * neither punished for keeping them nor rewarded for where they put them; suppression is
 * scored on its own (precision and recall of "predicted null" against "truth null"). An alert
 * with a truth that a method suppressed counts as an incident of its own.
 *
 * - Pairwise precision / recall / F1: over unordered pairs of scored episodes, a pair is
 *   predicted-together when both got the same incident and truly-together when both have the
 *   same truth id. Precision = common / predicted pairs (1 when none predicted), recall =
 *   common / true pairs (1 when none true).
 * - Adjusted Rand index (Hubert & Arabie 1985): agreement of the two partitions over all pairs,
 *   corrected for chance; 1 identical, about 0 random.
 * - Compression = 1 − incidents / episodes, over scored episodes.
 */
import type { AlertEvent } from '../../engine/alert/alert.ts';

export interface PairScores {
  precision: number;
  recall: number;
  f1: number;
  truePairs: number;
  predictedPairs: number;
  commonPairs: number;
}

interface Contingency {
  n: number;
  cells: number;
  rows: number;
  cols: number;
}

function c2(n: number): number {
  return (n * (n - 1)) / 2;
}

function contingency(truth: readonly string[], predicted: readonly string[]): Contingency {
  if (truth.length !== predicted.length) throw new Error('truth and prediction differ in length');
  const cell = new Map<string, number>();
  const row = new Map<string, number>();
  const col = new Map<string, number>();
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    const k = `${t}\u0000${p}`;
    cell.set(k, (cell.get(k) ?? 0) + 1);
    row.set(t, (row.get(t) ?? 0) + 1);
    col.set(p, (col.get(p) ?? 0) + 1);
  }
  let cells = 0;
  let rows = 0;
  let cols = 0;
  for (const v of cell.values()) cells += c2(v);
  for (const v of row.values()) rows += c2(v);
  for (const v of col.values()) cols += c2(v);
  return { n: truth.length, cells, rows, cols };
}

export function pairwiseScores(truth: readonly string[], predicted: readonly string[]): PairScores {
  const c = contingency(truth, predicted);
  const precision = c.cols === 0 ? 1 : c.cells / c.cols;
  const recall = c.rows === 0 ? 1 : c.cells / c.rows;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, truePairs: c.rows, predictedPairs: c.cols, commonPairs: c.cells };
}

export function adjustedRandIndex(truth: readonly string[], predicted: readonly string[]): number {
  const c = contingency(truth, predicted);
  const total = c2(c.n);
  if (total === 0) return 1;
  const expected = (c.rows * c.cols) / total;
  const max = (c.rows + c.cols) / 2;
  if (max === expected) return c.cells === expected ? 1 : 0;
  return (c.cells - expected) / (max - expected);
}

/** 1 − distinct incidents / alerts; 0 for no alerts. */
export function compression(predicted: readonly string[]): number {
  return predicted.length === 0 ? 0 : 1 - new Set(predicted).size / predicted.length;
}

export interface GroupingScore extends PairScores {
  ari: number;
  compression: number;
  /** Scored episodes (truth not null), their true and predicted incident counts. */
  alerts: number;
  trueIncidents: number;
  incidents: number;
  trueCompression: number;
  /** Episodes the truth expects suppressed, and how suppression did (null when undefined). */
  expectedSuppressed: number;
  suppressed: number;
  suppressionPrecision: number | null;
  suppressionRecall: number | null;
}

/** Scores one method's per-event keys against per-event truth on one stream (see the header). */
export function scoreGrouping(events: readonly AlertEvent[], truth: readonly (string | null)[], keys: readonly (string | null)[]): GroupingScore {
  const units = new Map<string, { truth: string | null; key: string | null }>();
  events.forEach((ev, i) => {
    if (ev.status !== 'firing') return;
    const id = `${ev.fingerprint}\u0000${ev.startsAt}`;
    if (!units.has(id)) units.set(id, { truth: truth[i] ?? null, key: keys[i] ?? null });
  });
  const t: string[] = [];
  const p: string[] = [];
  let expectedSuppressed = 0;
  let suppressed = 0;
  let both = 0;
  let n = 0;
  for (const u of units.values()) {
    if (u.truth === null) expectedSuppressed++;
    if (u.key === null) suppressed++;
    if (u.truth === null && u.key === null) both++;
    if (u.truth === null) continue;
    t.push(u.truth);
    p.push(u.key ?? `\u0000suppressed-${n}`);
    n++;
  }
  const pairs = pairwiseScores(t, p);
  return {
    ...pairs,
    ari: adjustedRandIndex(t, p),
    compression: compression(p),
    alerts: t.length,
    trueIncidents: new Set(t).size,
    incidents: new Set(p).size,
    trueCompression: compression(t),
    expectedSuppressed,
    suppressed,
    suppressionPrecision: suppressed === 0 ? null : both / suppressed,
    suppressionRecall: expectedSuppressed === 0 ? null : both / expectedSuppressed,
  };
}
