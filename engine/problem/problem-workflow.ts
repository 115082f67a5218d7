/**
 * The problem workflow as one explicit table: for every action, the states it may start from
 * and the state it leads to. A mined suggestion (`suggested`) is reviewed first: until it is
 * accepted or rejected, only accept, reject, notes, link and unlink apply to it.
 *
 *   action       from                                      to
 *   accept       new (suggested)                           investigating
 *   reject       new (suggested or not), investigating     rejected
 *   investigate  new (not suggested), known_error, resolved  investigating
 *   known-error  new (not suggested), investigating, known_error (new workaround)  known_error
 *   resolve      new (not suggested), investigating, known_error  resolved
 *   notes        any                                       (unchanged)
 *   link/unlink  new, investigating, known_error            (unchanged)
 *
 * Rejected is final for people; only the miner brings a rejected suggestion back (as `new`,
 * suggested again) once its signature recurred enough times after the rejection.
 */
import type { ProblemStatus } from './problem.ts';

export const PROBLEM_ACTIONS = ['accept', 'reject', 'investigate', 'known-error', 'resolve', 'notes', 'link', 'unlink'] as const;
export type ProblemAction = (typeof PROBLEM_ACTIONS)[number];

/** `suggested` / `reviewed` narrow a `new` problem to pending suggestions or to the rest. */
type From = ProblemStatus | 'new:suggested' | 'new:reviewed';

interface Rule {
  from: readonly From[];
  /** null: the status does not change. */
  to: ProblemStatus | null;
}

export const PROBLEM_TRANSITIONS: Readonly<Record<ProblemAction, Rule>> = {
  accept: { from: ['new:suggested'], to: 'investigating' },
  reject: { from: ['new', 'investigating'], to: 'rejected' },
  investigate: { from: ['new:reviewed', 'known_error', 'resolved'], to: 'investigating' },
  'known-error': { from: ['new:reviewed', 'investigating', 'known_error'], to: 'known_error' },
  resolve: { from: ['new:reviewed', 'investigating', 'known_error'], to: 'resolved' },
  notes: { from: ['new', 'investigating', 'known_error', 'resolved', 'rejected'], to: null },
  link: { from: ['new', 'investigating', 'known_error'], to: null },
  unlink: { from: ['new', 'investigating', 'known_error'], to: null },
};

export type TransitionCheck = { ok: true; to: ProblemStatus } | { ok: false; allowedFrom: string[]; reason: string };

/** Whether `action` applies to a problem in `status` (with `suggested`), and where it leads. */
export function checkTransition(action: ProblemAction, status: ProblemStatus, suggested: boolean): TransitionCheck {
  const rule = PROBLEM_TRANSITIONS[action];
  const here: From[] = status === 'new' ? ['new', suggested ? 'new:suggested' : 'new:reviewed'] : [status];
  if (here.some((f) => rule.from.includes(f))) return { ok: true, to: rule.to ?? status };
  const allowedFrom = rule.from.map((f) => (f === 'new:suggested' ? 'new (a pending suggestion)' : f === 'new:reviewed' ? 'new (not a pending suggestion)' : f));
  const reason =
    status === 'new' && suggested && rule.from.includes('new:reviewed')
      ? `the problem is a suggestion of the miner: accept or reject it before you ${action} it`
      : `cannot ${action} a problem that is ${status}${status === 'new' && !suggested && action === 'accept' ? ' and not a pending suggestion' : ''}; allowed from ${allowedFrom.join(', ')}`;
  return { ok: false, allowedFrom, reason };
}

/** The actions that apply now, for clients that draw buttons. */
export function allowedActions(status: ProblemStatus, suggested: boolean): ProblemAction[] {
  return PROBLEM_ACTIONS.filter((a) => checkTransition(a, status, suggested).ok);
}
