/**
 * TypeBox schemas of the suppression API (web/suppression-routes.ts) and its limits.
 * Strict like the rest of our own API: unknown fields are a 400. What a schema cannot
 * say (regexes that compile, time order, which schedule fields go with which kind) is
 * checked once more at the edge by web/suppression-body.ts.
 */
import { Type } from '@sinclair/typebox';
import { stringEnum } from '../engine/http/string-enum.ts';
import { DEFAULT_MAX_RULES_IN_FORCE } from '../engine/suppression/suppression-repository.ts';
import { RULE_STATES } from '../engine/suppression/suppression.ts';

export const SUPPRESSION_LIMITS = {
  /** Rules of one kind in force (active or pending) at once; a create past it is a 409. */
  rulesInForcePerKind: DEFAULT_MAX_RULES_IN_FORCE,
  matchersPerRule: 64,
  itemIdsPerWindow: 1_000,
  equalLabels: 64,
  labelNameLength: 256,
  matcherValueLength: 1_024,
  /** As topology item ids. */
  itemIdLength: 256,
  commentLength: 1_024,
  createdByLength: 256,
  pageSize: 1_000,
} as const;

const L = SUPPRESSION_LIMITS;
// No control characters in names and ids; they are compared byte for byte. `*`, not `+`:
// minLength says "empty" once, rather than twice.
const PRINTABLE = '^[^\\u0000-\\u001F\\u007F]*$';
const Time = Type.String({ format: 'date-time', description: 'RFC 3339, with a zone: 2030-01-07T12:00:00Z' });
const LabelName = Type.String({ minLength: 1, maxLength: L.labelNameLength, pattern: PRINTABLE });
const Comment = Type.String({ maxLength: L.commentLength });

export const MATCH_OPS = ['=', '!=', '=~', '!~'] as const;

/** Our form `{name, op, value}` or Alertmanager's `{name, value, isRegex, isEqual}`; both omitted means `=`. */
const Matcher = Type.Object(
  {
    name: LabelName,
    value: Type.String({ maxLength: L.matcherValueLength, description: 'a regex (=~, !~) must match the whole label value' }),
    op: Type.Optional(stringEnum(MATCH_OPS)),
    isRegex: Type.Optional(Type.Boolean()),
    isEqual: Type.Optional(Type.Boolean({ description: 'false negates: != or !~' })),
  },
  { additionalProperties: false },
);
const Matchers = Type.Array(Matcher, { minItems: 1, maxItems: L.matchersPerRule });

/**
 * One object for both kinds (rather than a union, whose errors would list every branch);
 * which fields a kind needs is checked after the schema.
 */
const Schedule = Type.Object(
  {
    kind: stringEnum(['once', 'weekly']),
    startsAt: Type.Optional(Time),
    endsAt: Type.Optional(Time),
    days: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { minItems: 1, maxItems: 7, uniqueItems: true, description: '0 = Sunday … 6 = Saturday' })),
    start: Type.Optional(Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, 00:00 to 23:59' })),
    durationMinutes: Type.Optional(Type.Integer({ minimum: 1, exclusiveMaximum: 7 * 1440, description: 'under a week; may run past midnight' })),
    utcOffsetMinutes: Type.Optional(Type.Integer({ minimum: -720, maximum: 840, description: 'the zone of `start`; default 0 (UTC)' })),
    from: Type.Optional(Time),
    until: Type.Optional(Time),
  },
  { additionalProperties: false },
);

export const MaintenanceBody = Type.Object(
  {
    itemIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: L.itemIdLength, pattern: PRINTABLE }), { minItems: 1, maxItems: L.itemIdsPerWindow, uniqueItems: true })),
    matchers: Type.Optional(Matchers),
    schedule: Schedule,
    comment: Type.Optional(Comment),
  },
  { additionalProperties: false },
);

export const SilenceBody = Type.Object(
  {
    matchers: Matchers,
    startsAt: Type.Optional(Time),
    endsAt: Time,
    createdBy: Type.Optional(Type.String({ minLength: 1, maxLength: L.createdByLength })),
    comment: Type.String({ minLength: 1, maxLength: L.commentLength }),
  },
  { additionalProperties: false },
);

export const InhibitRuleBody = Type.Object(
  {
    sourceMatchers: Matchers,
    targetMatchers: Matchers,
    equal: Type.Optional(Type.Array(LabelName, { maxItems: L.equalLabels, uniqueItems: true })),
    comment: Type.Optional(Comment),
  },
  { additionalProperties: false },
);

export const RuleListQuery = Type.Object(
  {
    state: Type.Optional(stringEnum(RULE_STATES, 'omitted: every state')),
    limit: Type.Integer({ minimum: 1, maximum: L.pageSize, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);

export const RuleIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });
