/**
 * Sufficient statistics of a topological Hawkes process with a fixed kernel basis.
 *
 * The intensity of type j on item n is μ(j,n) + Σ α(i→j, h, b) · x(i, h, b), where x sums the
 * kernel b over the earlier type-i events on the items h hops away. Because the parameters enter
 * linearly, x can be computed once per event and every later fit (any parent set, any penalty)
 * only reweights it. This file computes x for every event (sparse: only non-negligible terms);
 * the matching compensator integrals depend on the time window fitted and live in fit-window.ts.
 */
import type { EventIndex } from './event-index.ts';

export interface KernelBasis {
  /** A lag-0 kernel: other events with exactly the same timestamp. */
  instantaneous: boolean;
  /** Mean lags (seconds) of the exponential kernels φ(Δ) = e^{-Δ/τ}/τ. */
  timeScales: readonly number[];
}

export interface ExcitationFeatures {
  /** Kernels per (parent type, hop): instantaneous first when present, then timeScales. */
  basisCount: number;
  /** Parameters per target type: K types × (maxHops+1) hops × basisCount, index (i·H1 + h)·B + b. */
  paramCount: number;
  /** CSR over events: row e is entries rowStart[e]..rowStart[e+1]. */
  rowStart: Int32Array;
  param: Int32Array;
  value: Float64Array;
  /** Mean lag of each basis kernel (0 marks the instantaneous one). */
  basisLag: Float64Array;
}

/** Terms smaller than this share of the kernel's peak are dropped: they cannot move a fit. */
const NEGLIGIBLE = 1e-6;

export function computeExcitationFeatures(
  index: EventIndex,
  basis: KernelBasis,
  onItem?: (done: number, total: number) => void,
): ExcitationFeatures {
  const K = index.typeLabels.length;
  const H1 = index.maxHops + 1;
  const inst = basis.instantaneous ? 1 : 0;
  const scales = Float64Array.from(basis.timeScales);
  const E = scales.length;
  const B = inst + E;
  const P = K * H1 * B;
  const n = index.time.length;
  const { time, type } = index;

  const entries = new GrowableEntries();
  const state = new Float64Array(K * E);
  const last = new Float64Array(K);
  const live = new Uint8Array(K);
  const liveList: number[] = [];
  const sameTime = new Int32Array(K);

  const D = index.itemLabels.length;
  for (let target = 0; target < D; target++) {
    const targetEvents = index.byItem[target]!;
    if (targetEvents.length > 0) {
      for (let h = 0; h < H1; h++) {
        const sources = mergeByTime(index.rings[target]![h]!, index.byItem, time);
        if (sources.length === 0) continue;
        state.fill(0);
        live.fill(0);
        liveList.length = 0;
        let s = 0;
        for (const e of targetEvents) {
          const t = time[e]!;
          // Fold in every source strictly before t; the exponential sums update recursively.
          while (s < sources.length && time[sources[s]!]! < t) {
            const src = sources[s++]!;
            const i = type[src]!;
            const ts = time[src]!;
            if (!live[i]) {
              live[i] = 1;
              liveList.push(i);
              for (let b = 0; b < E; b++) state[i * E + b] = 0;
              last[i] = ts;
            }
            for (let b = 0; b < E; b++) {
              const k = i * E + b;
              state[k] = state[k]! * Math.exp(-(ts - last[i]!) / scales[b]!) + 1 / scales[b]!;
            }
            last[i] = ts;
          }
          for (let li = liveList.length - 1; li >= 0; li--) {
            const i = liveList[li]!;
            const dt = t - last[i]!;
            let alive = false;
            for (let b = 0; b < E; b++) {
              const v = state[i * E + b]! * Math.exp(-dt / scales[b]!);
              if (v * scales[b]! > NEGLIGIBLE) {
                alive = true;
                entries.push(e, (i * H1 + h) * B + inst + b, v);
              }
            }
            if (!alive) {
              // Fully decayed: forget it so the live list stays short on long logs.
              live[i] = 0;
              liveList[li] = liveList[liveList.length - 1]!;
              liveList.pop();
            }
          }
          if (inst) {
            let touched = false;
            for (let k = s; k < sources.length && time[sources[k]!]! === t; k++) {
              if (sources[k] === e) continue;
              const i = type[sources[k]!]!;
              sameTime[i] = sameTime[i]! + 1;
              touched = true;
            }
            if (touched) {
              for (let i = 0; i < K; i++) {
                if (sameTime[i]! > 0) entries.push(e, (i * H1 + h) * B, sameTime[i]!);
                sameTime[i] = 0;
              }
            }
          }
        }
      }
    }
    onItem?.(target + 1, D);
  }

  const { rowStart, param, value } = entries.toCsr(n);

  const basisLag = new Float64Array(B);
  for (let b = 0; b < E; b++) basisLag[inst + b] = scales[b]!;
  return { basisCount: B, paramCount: P, rowStart, param, value, basisLag };
}

/** Event indices of several items merged into one time-ordered list (ties by event index). */
function mergeByTime(items: Int32Array, byItem: Int32Array[], time: Float64Array): Int32Array {
  if (items.length === 1) return byItem[items[0]!]!;
  let total = 0;
  for (const it of items) total += byItem[it]!.length;
  const out = new Int32Array(total);
  let k = 0;
  for (const it of items) {
    out.set(byItem[it]!, k);
    k += byItem[it]!.length;
  }
  // Event indices are already in time order, so sorting indices sorts by time with stable ties.
  return out.sort();
}

/** Append-only (row, param, value) triples, turned into CSR by a counting sort on row. */
class GrowableEntries {
  private rows = new Int32Array(1 << 16);
  private params = new Int32Array(1 << 16);
  private values = new Float64Array(1 << 16);
  private size = 0;

  push(row: number, param: number, value: number): void {
    if (this.size === this.rows.length) this.grow();
    this.rows[this.size] = row;
    this.params[this.size] = param;
    this.values[this.size] = value;
    this.size++;
  }

  toCsr(rowCount: number): { rowStart: Int32Array; param: Int32Array; value: Float64Array } {
    const rowStart = new Int32Array(rowCount + 1);
    for (let k = 0; k < this.size; k++) rowStart[this.rows[k]! + 1] = rowStart[this.rows[k]! + 1]! + 1;
    for (let r = 0; r < rowCount; r++) rowStart[r + 1] = rowStart[r + 1]! + rowStart[r]!;
    const fill = rowStart.slice(0, rowCount);
    const param = new Int32Array(this.size);
    const value = new Float64Array(this.size);
    for (let k = 0; k < this.size; k++) {
      const at = fill[this.rows[k]!]!++;
      param[at] = this.params[k]!;
      value[at] = this.values[k]!;
    }
    return { rowStart, param, value };
  }

  private grow(): void {
    const cap = this.rows.length * 2;
    const rows = new Int32Array(cap);
    rows.set(this.rows);
    const params = new Int32Array(cap);
    params.set(this.params);
    const values = new Float64Array(cap);
    values.set(this.values);
    this.rows = rows;
    this.params = params;
    this.values = values;
  }
}
