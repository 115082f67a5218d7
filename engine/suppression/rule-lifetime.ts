/**
 * The span in which a rule can suppress anything, read from its definition: a silence's
 * startsAt…endsAt, a one-off window's start…end, a weekly window's from…until (either
 * may be open), an inhibition rule's forever. Expiring a rule ends that span now, as
 * Alertmanager does for silences: the stored definition itself then says when it ended.
 */
import type { MaintenanceSchedule, RuleDraftOf, RuleState, SuppressionKind } from './suppression.ts';

/** null: open on that side. */
export interface Lifetime {
  startMs: number | null;
  endMs: number | null;
}

export function lifetimeOf<K extends SuppressionKind>(kind: K, rule: RuleDraftOf[K]): Lifetime {
  switch (kind) {
    case 'silence': {
      const s = rule as RuleDraftOf['silence'];
      return { startMs: s.startsAtMs, endMs: s.endsAtMs };
    }
    case 'maintenance': {
      const schedule = (rule as RuleDraftOf['maintenance']).schedule;
      if (schedule.kind === 'once') return { startMs: schedule.startMs, endMs: schedule.endMs };
      return { startMs: schedule.fromMs ?? null, endMs: schedule.untilMs ?? null };
    }
    default:
      return { startMs: null, endMs: null };
  }
}

export function stateAt(lifetime: Lifetime, nowMs: number): RuleState {
  if (lifetime.endMs !== null && lifetime.endMs <= nowMs) return 'expired';
  if (lifetime.startMs !== null && lifetime.startMs > nowMs) return 'pending';
  return 'active';
}

/**
 * The definition cut off at `nowMs`: its end becomes now, and a start still in the future
 * becomes now too (a pending rule expired before it began covers nothing). An inhibition
 * rule has no span in its definition; the store ends it by its expiry time alone.
 */
export function endedAt<K extends SuppressionKind>(kind: K, rule: RuleDraftOf[K], nowMs: number): RuleDraftOf[K] {
  switch (kind) {
    case 'silence': {
      const s = rule as RuleDraftOf['silence'];
      return { ...s, startsAtMs: Math.min(s.startsAtMs, nowMs), endsAtMs: nowMs } as RuleDraftOf[K];
    }
    case 'maintenance': {
      const w = rule as RuleDraftOf['maintenance'];
      return { ...w, schedule: scheduleEndedAt(w.schedule, nowMs) } as RuleDraftOf[K];
    }
    default:
      return rule;
  }
}

function scheduleEndedAt(schedule: MaintenanceSchedule, nowMs: number): MaintenanceSchedule {
  if (schedule.kind === 'once') return { ...schedule, startMs: Math.min(schedule.startMs, nowMs), endMs: nowMs };
  const ended = { ...schedule, untilMs: nowMs };
  if (schedule.fromMs !== undefined) ended.fromMs = Math.min(schedule.fromMs, nowMs);
  return ended;
}
