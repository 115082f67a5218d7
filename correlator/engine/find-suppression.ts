/**
 * Whether an alert must not open or join an incident, and which rule says so. Checked in a
 * fixed order, maintenance, then silences, then inhibition, so the reported rule is stable.
 */
import type { SuppressionRules } from '../../engine/suppression/suppression.ts';
import { inhibitingRule, type InhibitionSources } from './inhibit-rule.ts';
import { activeMaintenance } from './maintenance-window.ts';
import { matchingSilence } from './silence.ts';

export type { SuppressionRules } from '../../engine/suppression/suppression.ts';

export interface SuppressionHit {
  kind: 'maintenance' | 'silence' | 'inhibition';
  ruleId: string;
  reason: string;
}

export const NO_SUPPRESSION: SuppressionRules = Object.freeze({ maintenance: [], silences: [], inhibitRules: [] });

export function findSuppression(
  rules: SuppressionRules,
  alert: { labels: Readonly<Record<string, string>>; itemIds: readonly string[] },
  atMs: number,
  sources: InhibitionSources,
): SuppressionHit | null {
  const window = activeMaintenance(rules.maintenance, alert, atMs);
  if (window) return { kind: 'maintenance', ruleId: window.id, reason: `in maintenance window ${window.id}${window.comment ? ` (${window.comment})` : ''}` };
  const silence = matchingSilence(rules.silences, alert.labels, atMs);
  if (silence) return { kind: 'silence', ruleId: silence.id, reason: `silenced by ${silence.id}${silence.comment ? ` (${silence.comment})` : ''}` };
  const rule = inhibitingRule(rules.inhibitRules, alert.labels, sources);
  if (rule) return { kind: 'inhibition', ruleId: rule.id, reason: `inhibited by rule ${rule.id} while a source alert fires` };
  return null;
}
