/**
 * Maintenance windows: planned work during which alerts of the affected items are expected
 * and must not page anyone. A window names its items by id, or by label matchers on the alert,
 * or both (either suffices); a window naming neither suppresses nothing, so a half-filled form
 * cannot silence the whole estate. Times are epoch milliseconds.
 */
import type { MaintenanceSchedule, MaintenanceWindow } from '../../engine/suppression/suppression.ts';
import { matchesLabels } from './label-matcher.ts';

export type { MaintenanceSchedule, MaintenanceWindow } from '../../engine/suppression/suppression.ts';

export interface MaintenanceTarget {
  labels: Readonly<Record<string, string>>;
  /** The items the alert was mapped to. */
  itemIds: readonly string[];
}

const WEEK_MINUTES = 7 * 1440;

/** Whether the schedule covers the instant. */
export function isScheduledAt(schedule: MaintenanceSchedule, atMs: number): boolean {
  if (schedule.kind === 'once') return atMs >= schedule.startMs && atMs < schedule.endMs;
  if (schedule.fromMs !== undefined && atMs < schedule.fromMs) return false;
  if (schedule.untilMs !== undefined && atMs >= schedule.untilMs) return false;
  const [h, m] = schedule.start.split(':').map(Number) as [number, number];
  const startMinute = h * 60 + m;
  const local = new Date(atMs + (schedule.utcOffsetMinutes ?? 0) * 60_000);
  const nowMinute = local.getUTCDay() * 1440 + local.getUTCHours() * 60 + local.getUTCMinutes() + local.getUTCSeconds() / 60;
  for (const day of schedule.days) {
    const since = (((nowMinute - (day * 1440 + startMinute)) % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
    if (since < schedule.durationMinutes) return true;
  }
  return false;
}

/** The first window (in list order) that covers this alert at this instant, or null. */
export function activeMaintenance(
  windows: readonly MaintenanceWindow[],
  target: MaintenanceTarget,
  atMs: number,
): MaintenanceWindow | null {
  for (const w of windows) {
    const byItem = w.itemIds !== undefined && w.itemIds.some((id) => target.itemIds.includes(id));
    const byLabels = w.matchers !== undefined && w.matchers.length > 0 && matchesLabels(w.matchers, target.labels);
    if ((byItem || byLabels) && isScheduledAt(w.schedule, atMs)) return w;
  }
  return null;
}
