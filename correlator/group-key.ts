/**
 * An incident's grouping key, shown on the board as its service: the first of these labels
 * the incident's first alert carries, else its alert name. (Grouping itself is the engine's;
 * see correlator/engine.)
 */
import type { AlertEvent } from '../engine/alert/alert.ts';

export const SERVICE_LABELS = ['service', 'app', 'application', 'job'] as const;

export interface GroupKey {
  key: string;
  /** Words for the link reason: `service "checkout"`. */
  describe: string;
}

export function groupKeyOf(ev: Pick<AlertEvent, 'labels' | 'name'>): GroupKey {
  for (const label of SERVICE_LABELS) {
    const v = ev.labels[label];
    if (v) return { key: `${label}=${v}`, describe: `same ${label} "${v}"` };
  }
  return { key: `alertname=${ev.name}`, describe: `same alert name "${ev.name}" (no service label)` };
}

export function formatGap(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  const text = s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
  return ms >= 0 ? `${text} after` : `${text} before`;
}
