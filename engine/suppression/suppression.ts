/**
 * Suppression rules: maintenance windows, silences and inhibition rules. These are the
 * domain types; the predicates that apply them live in the correlator
 * (correlator/engine/{label-matcher,maintenance-window,silence,inhibit-rule,find-suppression}.ts),
 * storage in suppression-repository.ts, the HTTP API in web/suppression-routes.ts.
 * Times are epoch milliseconds here; the HTTP API speaks ISO 8601.
 */

/** `=` equal, `!=` not equal, `=~` matches the (anchored) regex, `!~` does not. */
export type MatchOp = '=' | '!=' | '=~' | '!~';

/**
 * An Alertmanager-style label matcher: a missing label reads as the empty string, and a
 * regular expression (JavaScript syntax) must match the whole value.
 */
export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

export type MaintenanceSchedule =
  | { kind: 'once'; startMs: number; endMs: number }
  | {
      /**
       * Every week on `days` (0 = Sunday … 6 = Saturday) from `start` ("HH:MM") for
       * `durationMinutes` (may run past midnight; under a week), in a fixed UTC offset,
       * optionally bounded by `fromMs`/`untilMs`. The cron equivalent of days=[6],
       * start="02:00" is `0 2 * * 6` plus a duration, which cron itself cannot say.
       */
      kind: 'weekly';
      days: readonly number[];
      start: string;
      durationMinutes: number;
      utcOffsetMinutes?: number;
      fromMs?: number;
      untilMs?: number;
    };

/**
 * Planned work during which alerts of the affected items are expected. A window names its
 * items by id, or by label matchers on the alert, or both (either suffices); a window naming
 * neither suppresses nothing.
 */
export interface MaintenanceWindow {
  id: string;
  itemIds?: readonly string[];
  matchers?: readonly LabelMatcher[];
  schedule: MaintenanceSchedule;
  comment?: string;
}

/**
 * "Do not page for alerts matching these labels until then": active from startsAt
 * (inclusive) to endsAt (exclusive). Without matchers it matches nothing.
 */
export interface Silence {
  id: string;
  matchers: readonly LabelMatcher[];
  startsAtMs: number;
  endsAtMs: number;
  createdBy?: string;
  comment?: string;
}

/**
 * While an alert matching `sourceMatchers` fires, alerts matching `targetMatchers` with the
 * same values of the `equal` labels are muted.
 */
export interface InhibitRule {
  id: string;
  sourceMatchers: readonly LabelMatcher[];
  targetMatchers: readonly LabelMatcher[];
  equal: readonly string[];
}

/** Everything the correlator applies, each list in a stable order (the first match is reported). */
export interface SuppressionRules {
  maintenance: readonly MaintenanceWindow[];
  silences: readonly Silence[];
  inhibitRules: readonly InhibitRule[];
}

// ---------------------------------------------------------------------------------------
// Stored rules

export const SUPPRESSION_KINDS = ['maintenance', 'silence', 'inhibit-rule'] as const;
export type SuppressionKind = (typeof SUPPRESSION_KINDS)[number];

/**
 * Where a stored rule is in its lifetime at an instant: `pending` before it starts,
 * `expired` from its end on (or once expired by hand), `active` in between. For a weekly
 * maintenance window the lifetime is its `from`…`until` span: an active weekly window
 * suppresses only inside its weekly slots.
 */
export const RULE_STATES = ['active', 'pending', 'expired'] as const;
export type RuleState = (typeof RULE_STATES)[number];

/** What the store keeps beside a rule's definition. Times are ISO 8601. */
export interface RuleRecord {
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** When it was expired by hand (DELETE); null when it is still in force or ran out by itself. */
  expiredAt: string | null;
  /** At the instant it was read. */
  state: RuleState;
}

export type InhibitRuleWithComment = InhibitRule & { comment?: string };

/** A rule as created: the store gives it its id and record. */
export interface RuleDraftOf {
  maintenance: Omit<MaintenanceWindow, 'id'>;
  silence: Omit<Silence, 'id' | 'createdBy'>;
  'inhibit-rule': Omit<InhibitRuleWithComment, 'id'>;
}

export interface StoredRuleOf {
  maintenance: MaintenanceWindow & RuleRecord;
  silence: Silence & RuleRecord;
  'inhibit-rule': InhibitRuleWithComment & RuleRecord;
}

export type StoredMaintenanceWindow = StoredRuleOf['maintenance'];
export type StoredSilence = StoredRuleOf['silence'];
export type StoredInhibitRule = StoredRuleOf['inhibit-rule'];
