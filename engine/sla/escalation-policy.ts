/**
 * The paging policy: who is notified, and when, once an incident breaches its SLA.
 *
 * A rule applies to incidents of one severity level and/or one service (either may be left
 * out to match any); the most specific matching rule wins (service and severity, then
 * service, then severity, then a rule with neither). Its levels form a ladder:
 * level 1 fires at the acknowledgement breach, level n+1 `afterMinutes` after level n if
 * the incident is still unacknowledged; acknowledging or resolving cancels what is left.
 * A resolve breach notifies level 1's channels once. Without a matching rule (and without
 * any stored policy) level 1 alone, to every channel: the behaviour before policies.
 *
 * A channel is `all`, a target kind (`webhook`, `slack`: every target of it), or one
 * target's key (`webhook-<hash>`, as GET /api/v1/escalation-policy lists them).
 */
import { SEVERITY_LEVELS, type SeverityLevel, severityLevel } from '../incident/severity.ts';
import type { NotifyTarget } from '../notify/notification.ts';

export interface EscalationLevel {
  /** Minutes after the previous level (0 for level 1, which fires at the breach). */
  afterMinutes: number;
  channels: string[];
}

export interface EscalationRule {
  severity?: SeverityLevel;
  service?: string;
  levels: EscalationLevel[];
}

export interface EscalationPolicy {
  rules: EscalationRule[];
}

export const MAX_RULES = 200;
export const MAX_LEVELS = 10;
export const MAX_CHANNELS = 20;
/** A week: a later level would help nobody. */
export const MAX_AFTER_MINUTES = 10_080;
export const CHANNEL_KINDS = ['all', 'webhook', 'slack'] as const;

export const DEFAULT_RULE: EscalationRule = Object.freeze({ levels: [{ afterMinutes: 0, channels: ['all'] }] }) as EscalationRule;

/** The service an incident's group key names (`service=checkout` → `checkout`). */
export function serviceOfGroupKey(groupKey: string): string {
  const at = groupKey.indexOf('=');
  return at > 0 ? groupKey.slice(at + 1) : groupKey;
}

/** The rule for an incident of this severity and group key. */
export function ruleFor(policy: EscalationPolicy, severity: string, groupKey: string): EscalationRule {
  const level = severityLevel(severity);
  const service = serviceOfGroupKey(groupKey);
  let best: EscalationRule | undefined;
  let bestScore = -1;
  for (const rule of policy.rules) {
    if (rule.severity !== undefined && rule.severity !== level) continue;
    if (rule.service !== undefined && rule.service !== service && rule.service !== groupKey) continue;
    const score = (rule.service !== undefined ? 2 : 0) + (rule.severity !== undefined ? 1 : 0);
    if (score > bestScore) {
      best = rule;
      bestScore = score;
    }
  }
  return best ?? DEFAULT_RULE;
}

/** The targets a level's channels name. */
export function targetsOf(channels: readonly string[], targets: readonly NotifyTarget[]): NotifyTarget[] {
  return targets.filter((t) => channels.some((c) => c === 'all' || c === t.kind || c === t.key));
}

/**
 * What is wrong with a policy the schema let through: levels out of order, unknown
 * channels, two rules for the same scope. Empty when it is fine.
 */
export function policyProblems(policy: EscalationPolicy, targets: readonly NotifyTarget[]): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  const known = new Set<string>([...CHANNEL_KINDS, ...targets.map((t) => t.key)]);
  const scopes = new Set<string>();
  policy.rules.forEach((rule, r) => {
    const scope = `${rule.severity ?? '*'}|${rule.service ?? '*'}`;
    if (scopes.has(scope)) problems.push({ field: `body/rules/${r}`, message: `a second rule for severity ${rule.severity ?? 'any'} and service ${rule.service ?? 'any'}` });
    scopes.add(scope);
    if (rule.severity !== undefined && !(SEVERITY_LEVELS as readonly string[]).includes(rule.severity)) {
      problems.push({ field: `body/rules/${r}/severity`, message: `must be one of ${SEVERITY_LEVELS.join(', ')}` });
    }
    rule.levels.forEach((level, l) => {
      if (l === 0 && level.afterMinutes !== 0) problems.push({ field: `body/rules/${r}/levels/0/afterMinutes`, message: 'level 1 fires at the breach: must be 0' });
      if (l > 0 && level.afterMinutes <= 0) problems.push({ field: `body/rules/${r}/levels/${l}/afterMinutes`, message: `minutes after level ${l}: must be more than 0` });
      level.channels.forEach((c, i) => {
        if (!known.has(c)) problems.push({ field: `body/rules/${r}/levels/${l}/channels/${i}`, message: `unknown channel ${JSON.stringify(c)}; use all, webhook, slack or a configured target's key` });
      });
    });
  });
  return problems;
}
