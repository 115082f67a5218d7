/**
 * Alertmanager-style label matchers, shared by silences, inhibition rules and maintenance
 * windows. Semantics follow Alertmanager: a missing label reads as the empty string, and a
 * regular expression must match the whole value (it is anchored).
 */
import type { LabelMatcher } from '../../engine/suppression/suppression.ts';

export type { LabelMatcher, MatchOp } from '../../engine/suppression/suppression.ts';

// Compiled regexes are reused: matchers run once per alert per rule.
const compiled = new Map<string, RegExp>();

function regexOf(source: string): RegExp {
  let re = compiled.get(source);
  if (re === undefined) {
    re = new RegExp(`^(?:${source})$`);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(source, re);
  }
  return re;
}

/** True when every matcher matches (an empty list matches everything). */
export function matchesLabels(matchers: readonly LabelMatcher[], labels: Readonly<Record<string, string>>): boolean {
  for (const m of matchers) {
    const v = labels[m.name] ?? '';
    switch (m.op) {
      case '=':
        if (v !== m.value) return false;
        break;
      case '!=':
        if (v === m.value) return false;
        break;
      case '=~':
        if (!regexOf(m.value).test(v)) return false;
        break;
      case '!~':
        if (regexOf(m.value).test(v)) return false;
        break;
    }
  }
  return true;
}
