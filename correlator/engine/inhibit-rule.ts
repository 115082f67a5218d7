/**
 * Inhibition: while an alert matching a rule's source fires, alerts matching its target with
 * the same values of the `equal` labels are muted (a DatacenterDown mutes every HostDown in that
 * datacenter). Alertmanager semantics: a missing label equals a missing label; an alert that
 * matches both sides is not muted by alerts that also match both sides (so none mutes itself).
 * The predicate is pure; which sources fire is asked of an InhibitionSources (see InhibitionIndex).
 */
import type { InhibitRule } from '../../engine/suppression/suppression.ts';
import { matchesLabels } from './label-matcher.ts';

export type { InhibitRule } from '../../engine/suppression/suppression.ts';

export interface InhibitionSources {
  /**
   * Firing source alerts of rule `ruleIndex` whose `equal` labels read `equalKey`; with
   * `onlySourceSide`, those that do not also match the rule's target.
   */
  count(ruleIndex: number, equalKey: string, onlySourceSide: boolean): number;
}

/** The equal-label values of an alert, as one key. */
export function equalKeyOf(rule: InhibitRule, labels: Readonly<Record<string, string>>): string {
  let key = '';
  for (const name of rule.equal) key += `${labels[name] ?? ''}\u0000`;
  return key;
}

/** The first rule (in list order) that mutes an alert with these labels, or null. */
export function inhibitingRule(
  rules: readonly InhibitRule[],
  labels: Readonly<Record<string, string>>,
  sources: InhibitionSources,
): InhibitRule | null {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (!matchesLabels(rule.targetMatchers, labels)) continue;
    const alsoSource = matchesLabels(rule.sourceMatchers, labels);
    if (sources.count(i, equalKeyOf(rule, labels), alsoSource) > 0) return rule;
  }
  return null;
}
