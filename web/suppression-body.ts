/**
 * Between the suppression API and the stored rules: request bodies (ISO times, either
 * matcher form) become rule drafts (epoch ms, `op` matchers) after the checks a schema
 * cannot make, and stored rules become response documents. Problems name the offending
 * field by pointer under `body`, as schema errors do.
 */
import type { Static } from '@sinclair/typebox';
import type { FieldError } from '../engine/errors/app-error.ts';
import type {
  LabelMatcher,
  MaintenanceSchedule,
  MatchOp,
  RuleDraftOf,
  RuleRecord,
  StoredInhibitRule,
  StoredMaintenanceWindow,
  StoredSilence,
} from '../engine/suppression/suppression.ts';
import type { InhibitRuleBody, MaintenanceBody, SilenceBody } from './suppression-schemas.ts';

export type Parsed<T> = { ok: true; draft: T } | { ok: false; problems: FieldError[] };

type MatcherBody = Static<typeof SilenceBody>['matchers'][number];

export function maintenanceDraft(body: Static<typeof MaintenanceBody>, nowMs: number): Parsed<RuleDraftOf['maintenance']> {
  const problems: FieldError[] = [];
  if (body.itemIds === undefined && body.matchers === undefined) {
    problems.push({ field: 'body', message: 'names neither itemIds nor matchers: such a window would suppress nothing; give one or both' });
  }
  const matchers = body.matchers === undefined ? undefined : toMatchers(body.matchers, 'body/matchers', problems);
  if (body.matchers !== undefined) requireOneNonEmptyMatch(body.matchers, 'body/matchers', problems);
  const schedule = toSchedule(body.schedule, nowMs, problems);
  if (problems.length > 0 || schedule === undefined) return { ok: false, problems };
  return {
    ok: true,
    draft: {
      ...(body.itemIds === undefined ? {} : { itemIds: body.itemIds }),
      ...(matchers === undefined ? {} : { matchers }),
      schedule,
      ...(body.comment === undefined ? {} : { comment: body.comment }),
    },
  };
}

export function silenceDraft(body: Static<typeof SilenceBody>, nowMs: number): Parsed<RuleDraftOf['silence']> {
  const problems: FieldError[] = [];
  const matchers = toMatchers(body.matchers, 'body/matchers', problems);
  requireOneNonEmptyMatch(body.matchers, 'body/matchers', problems);
  const startsAtMs = body.startsAt === undefined ? nowMs : Date.parse(body.startsAt);
  const endsAtMs = Date.parse(body.endsAt);
  checkSpan(startsAtMs, endsAtMs, nowMs, { end: 'body/endsAt', startName: 'startsAt', what: 'the silence' }, problems);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, draft: { matchers, startsAtMs, endsAtMs, comment: body.comment } };
}

export function inhibitRuleDraft(body: Static<typeof InhibitRuleBody>): Parsed<RuleDraftOf['inhibit-rule']> {
  const problems: FieldError[] = [];
  const sourceMatchers = toMatchers(body.sourceMatchers, 'body/sourceMatchers', problems);
  const targetMatchers = toMatchers(body.targetMatchers, 'body/targetMatchers', problems);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    draft: { sourceMatchers, targetMatchers, equal: body.equal ?? [], ...(body.comment === undefined ? {} : { comment: body.comment }) },
  };
}

// ---------------------------------------------------------------------------------------
// Responses

function record(rule: RuleRecord & { comment?: string }) {
  return { comment: rule.comment ?? null, createdBy: rule.createdBy, createdAt: rule.createdAt, updatedAt: rule.updatedAt, expiredAt: rule.expiredAt, state: rule.state };
}

export function maintenanceView(rule: StoredMaintenanceWindow) {
  const s = rule.schedule;
  const schedule =
    s.kind === 'once'
      ? { kind: s.kind, startsAt: iso(s.startMs), endsAt: iso(s.endMs) }
      : {
          kind: s.kind,
          days: s.days,
          start: s.start,
          durationMinutes: s.durationMinutes,
          utcOffsetMinutes: s.utcOffsetMinutes ?? 0,
          ...(s.fromMs === undefined ? {} : { from: iso(s.fromMs) }),
          ...(s.untilMs === undefined ? {} : { until: iso(s.untilMs) }),
        };
  return {
    id: rule.id,
    ...(rule.itemIds === undefined ? {} : { itemIds: rule.itemIds }),
    ...(rule.matchers === undefined ? {} : { matchers: rule.matchers }),
    schedule,
    ...record(rule),
  };
}

export function silenceView(rule: StoredSilence) {
  return { id: rule.id, matchers: rule.matchers, startsAt: iso(rule.startsAtMs), endsAt: iso(rule.endsAtMs), ...record(rule) };
}

export function inhibitRuleView(rule: StoredInhibitRule) {
  return { id: rule.id, sourceMatchers: rule.sourceMatchers, targetMatchers: rule.targetMatchers, equal: rule.equal, ...record(rule) };
}

// ---------------------------------------------------------------------------------------
// Checks

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The op Alertmanager's isRegex/isEqual say (isRegex false and isEqual true when omitted), if either is given. */
function alertmanagerForm(m: MatcherBody): MatchOp | undefined {
  if (m.isRegex === undefined && m.isEqual === undefined) return undefined;
  const isEqual = m.isEqual ?? true;
  if (m.isRegex ?? false) return isEqual ? '=~' : '!~';
  return isEqual ? '=' : '!=';
}

/** `op` wins (a contradiction is reported apart); neither form means `=`. */
function opOf(m: MatcherBody): MatchOp {
  return m.op ?? alertmanagerForm(m) ?? '=';
}

function toMatchers(list: readonly MatcherBody[], pointer: string, problems: FieldError[]): LabelMatcher[] {
  return list.map((m, i) => {
    const amForm = alertmanagerForm(m);
    if (m.op !== undefined && amForm !== undefined && m.op !== amForm) {
      problems.push({ field: `${pointer}/${i}`, message: `op "${m.op}" contradicts isRegex/isEqual (which mean "${amForm}"); send one form` });
    }
    const op = opOf(m);
    if (op === '=~' || op === '!~') {
      const error = regexError(m.value);
      if (error !== undefined) problems.push({ field: `${pointer}/${i}/value`, message: `is not a valid regular expression: ${error}` });
    }
    return { name: m.name, op, value: m.value };
  });
}

/**
 * The engine anchors a regex as `^(?:value)$`, so the value must compile on its own as
 * well: `a)|(.*` compiles only once wrapped, and would then match every value unanchored.
 */
function regexError(source: string): string | undefined {
  try {
    new RegExp(source);
    new RegExp(`^(?:${source})$`);
    return undefined;
  } catch (err) {
    // The engine's own words about the submitted pattern, e.g. "Unterminated group".
    const text = err instanceof SyntaxError ? err.message : 'it does not compile';
    return text.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  }
}

function matchesEmpty(m: MatcherBody): boolean {
  const op = opOf(m);
  if (op === '=') return m.value === '';
  if (op === '!=') return m.value !== '';
  if (regexError(m.value) !== undefined) return false; // reported already
  const full = new RegExp(`^(?:${m.value})$`).test('');
  return op === '=~' ? full : !full;
}

/** As Alertmanager: matchers that all match the empty string would match almost every alert. */
function requireOneNonEmptyMatch(list: readonly MatcherBody[], pointer: string, problems: FieldError[]): void {
  if (list.length > 0 && list.every(matchesEmpty)) {
    problems.push({ field: pointer, message: 'every matcher also matches a missing label, so these would match almost every alert; add one that requires a value' });
  }
}

function checkSpan(
  startMs: number,
  endMs: number,
  nowMs: number,
  names: { end: string; startName: string; what: string },
  problems: FieldError[],
): void {
  if (endMs <= startMs) problems.push({ field: names.end, message: `must be after ${names.startName}` });
  else if (endMs <= nowMs) problems.push({ field: names.end, message: `is in the past: ${names.what} would never apply` });
}

function toSchedule(body: Static<typeof MaintenanceBody>['schedule'], nowMs: number, problems: FieldError[]): MaintenanceSchedule | undefined {
  const at = 'body/schedule';
  const once = ['startsAt', 'endsAt'] as const;
  const weekly = ['days', 'start', 'durationMinutes', 'utcOffsetMinutes', 'from', 'until'] as const;
  const [needed, foreign] = body.kind === 'once' ? [once, weekly] : [(['days', 'start', 'durationMinutes'] as const), once];
  const before = problems.length;
  for (const f of needed) if (body[f] === undefined) problems.push({ field: `${at}/${f}`, message: `is required in a ${body.kind} schedule` });
  for (const f of foreign) if (body[f] !== undefined) problems.push({ field: `${at}/${f}`, message: `does not belong in a ${body.kind} schedule` });
  if (problems.length > before) return undefined;

  if (body.kind === 'once') {
    const startMs = Date.parse(body.startsAt!);
    const endMs = Date.parse(body.endsAt!);
    checkSpan(startMs, endMs, nowMs, { end: `${at}/endsAt`, startName: 'startsAt', what: 'the window' }, problems);
    return problems.length > before ? undefined : { kind: 'once', startMs, endMs };
  }
  const fromMs = body.from === undefined ? undefined : Date.parse(body.from);
  const untilMs = body.until === undefined ? undefined : Date.parse(body.until);
  if (untilMs !== undefined) {
    if (fromMs !== undefined && untilMs <= fromMs) problems.push({ field: `${at}/until`, message: 'must be after from' });
    else if (untilMs <= nowMs) problems.push({ field: `${at}/until`, message: 'is in the past: the window would never apply' });
  }
  if (problems.length > before) return undefined;
  return {
    kind: 'weekly',
    days: [...body.days!].sort((a, b) => a - b),
    start: body.start!,
    durationMinutes: body.durationMinutes!,
    ...(body.utcOffsetMinutes === undefined ? {} : { utcOffsetMinutes: body.utcOffsetMinutes }),
    ...(fromMs === undefined ? {} : { fromMs }),
    ...(untilMs === undefined ? {} : { untilMs }),
  };
}
