/**
 * A time window to fit (or score) a model on: the effect occurrences inside it and the kernel
 * mass every occurrence spreads inside it (the compensator). The whole history is one window;
 * choosing the penalty fits on an early window and scores on the late one (choose-penalty.ts).
 * Excitation from occurrences before the window still counts: history does not restart.
 */
import type { ActivityLevel } from './activity-level.ts';
import type { EventIndex } from './event-index.ts';
import type { ExcitationFeatures } from './excitation-features.ts';

export interface FitWindow {
  from: number;
  to: number;
  span: number;
  /** Per type, the occurrences with from ≤ time ≤ to (or < to when the window is open at the end). */
  byType: Int32Array[];
  /** compensator[j · paramCount + p]: kernel mass parameter p spreads over type-j targets inside the window. */
  compensator: Float64Array;
  /** Background multiplier at each event (indexed like EventIndex.time). */
  backgroundScale: Float64Array;
  /** ∫ background multiplier over the window: a background rate μ expects μ·backgroundMass occurrences. */
  backgroundMass: number;
}

export function fitWindow(
  index: EventIndex,
  features: ExcitationFeatures,
  activity: ActivityLevel,
  from: number,
  to: number,
  openEnd = false,
): FitWindow {
  const K = index.typeLabels.length;
  const H1 = index.maxHops + 1;
  const B = features.basisCount;
  const P = features.paramCount;
  const inside = (t: number): boolean => t >= from && (openEnd ? t < to : t <= to);
  const byType = index.byType.map((events) => events.filter((e) => inside(index.time[e]!)));

  // Every occurrence up to the window's end spreads each kernel over the type-j-capable items
  // h hops away; only the part of that mass inside the window counts.
  const compensator = new Float64Array(K * P);
  const mass = new Float64Array(B);
  const n = index.time.length;
  for (let e = 0; e < n; e++) {
    const t = index.time[e]!;
    if (t > to) break;
    for (let b = 0; b < B; b++) {
      const tau = features.basisLag[b]!;
      if (tau === 0) mass[b] = inside(t) ? 1 : 0;
      else mass[b] = Math.exp(-(Math.max(from, t) - t) / tau) - Math.exp(-(to - t) / tau);
    }
    const i = index.type[e]!;
    const m = index.item[e]!;
    for (let h = 0; h < H1; h++) {
      const tbase = (m * H1 + h) * K;
      const pbase = (i * H1 + h) * B;
      for (let j = 0; j < K; j++) {
        const c = index.targets[tbase + j]!;
        if (c === 0) continue;
        const row = j * P + pbase;
        for (let b = 0; b < B; b++) compensator[row + b] = compensator[row + b]! + c * mass[b]!;
      }
    }
  }
  const backgroundScale = index.time.map((t) => activity.at(t));
  const backgroundMass = Math.max(activity.mass(from, to), 1e-9);
  return { from, to, span: Math.max(to - from, 1e-9), byType, compensator, backgroundScale, backgroundMass };
}
