/**
 * Network-wide activity over time, as a multiplier on every background rate.
 *
 * Some alarm storms have a cause outside the alarm log: weather fading many microwave links,
 * a maintenance window, a power event. They raise many types on many items at once, and a
 * model with a flat background can only explain that by making the types excite each other,
 * inventing edges. Letting the background follow the overall alarm level (per time bin, as a
 * share of the average, add-one smoothed so quiet bins keep a small rate) absorbs the shared
 * swings; excitation then only has to explain what happens within a bin, lag by lag.
 */
import type { EventIndex } from './event-index.ts';

export interface ActivityLevel {
  /** Multiplier at time t (1 everywhere when disabled). */
  at(t: number): number;
  /** ∫ multiplier dt over [from, to]. */
  mass(from: number, to: number): number;
}

export function activityLevel(index: EventIndex, binSeconds: number): ActivityLevel {
  const span = index.end - index.start;
  if (!(binSeconds > 0) || !(span > 0)) return { at: () => 1, mass: (from, to) => Math.max(to - from, 0) };
  const bins = Math.max(1, Math.ceil(span / binSeconds));
  const counts = new Float64Array(bins).fill(1);
  const binOf = (t: number): number => Math.min(bins - 1, Math.max(0, Math.floor((t - index.start) / binSeconds)));
  for (const t of index.time) counts[binOf(t)]! += 1;
  // Normalise so the multiplier averages 1 over the history: μ keeps its meaning of a mean rate.
  let total = 0;
  for (let b = 0; b < bins; b++) total += counts[b]! * Math.min(binSeconds, span - b * binSeconds);
  const level = counts.map((c) => (c * span) / total);
  const cumulative = new Float64Array(bins + 1);
  for (let b = 0; b < bins; b++) cumulative[b + 1] = cumulative[b]! + level[b]! * Math.min(binSeconds, span - b * binSeconds);
  const integral = (t: number): number => {
    const x = Math.min(Math.max(t - index.start, 0), span);
    const b = Math.min(bins - 1, Math.floor(x / binSeconds));
    return cumulative[b]! + level[b]! * (x - b * binSeconds);
  };
  return { at: (t) => level[binOf(t)]!, mass: (from, to) => Math.max(integral(to) - integral(from), 0) };
}
