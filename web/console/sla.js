// SLA state of an incident as the console shows it: the board's marker (breached and overdue
// by how long, or time left) and the incident page's card. The server sends due times and
// outcomes (incident `sla`, and `incident.sla` stream messages); what is overdue is worked out
// here against the clock, so the marker turns without a message.
import { duration, h, when } from './dom.js';

export { duration };

const WORDS = { ack: 'ack', resolve: 'resolve' };

/** Whether the incident, in this status, still owes what the timer measures (engine/sla/sla-policy.ts). */
export function owes(kind, status) {
  return kind === 'ack' ? status === 'open' : status === 'open' || status === 'acknowledged';
}

/**
 * What the board shows: `{ state, text, title }`, state one of breached (a target breached, or
 * one still owed past due), pending (time left to the nearest due), met, or '' (no target).
 */
export function slaSummary(inc, now = Date.now()) {
  const sla = inc.sla;
  if (!sla) return { state: '', text: '', title: '' };
  const level = sla.escalationLevel > 0 ? ` · L${sla.escalationLevel}` : '';
  let overdue = null;
  let breached = null;
  let next = null;
  for (const kind of ['ack', 'resolve']) {
    const t = sla[kind];
    if (!t || t.dueAt === null) continue;
    const due = Date.parse(t.dueAt);
    const owed = owes(kind, inc.status) && t.outcome !== 'met';
    if (owed && (t.outcome === 'breached' || due <= now)) {
      if (!overdue || due < overdue.due) overdue = { kind, due };
    } else if (t.outcome === 'breached') breached ??= kind;
    else if (owed && (!next || due < next.due)) next = { kind, due };
  }
  if (overdue) return { state: 'breached', text: `${WORDS[overdue.kind]} overdue ${duration(now - overdue.due)}${level}`, title: `${WORDS[overdue.kind]} target breached at ${overdue.due ? new Date(overdue.due).toISOString() : ''}` };
  if (breached) return { state: 'breached', text: `${WORDS[breached]} breached${level}`, title: `the ${WORDS[breached]} target was breached` };
  if (next) return { state: 'pending', text: `${WORDS[next.kind]} in ${duration(next.due - now)}`, title: `${WORDS[next.kind]} due ${new Date(next.due).toISOString()}` };
  const met = ['ack', 'resolve'].some((k) => sla[k]?.outcome === 'met');
  return met ? { state: 'met', text: 'met', title: 'every target met' } : { state: '', text: '', title: '' };
}

/** The board cell's content. */
export function slaMarker(inc, now = Date.now()) {
  const s = slaSummary(inc, now);
  if (!s.state) return h('span', { class: 'sla muted', dataset: { sla: '' } });
  return h('span', { class: `sla sla-${s.state}`, dataset: { sla: s.state }, text: s.state === 'breached' ? `⚠ ${s.text}` : s.text, title: s.title });
}

/** The incident page's SLA card: each target, and the escalation levels. */
export function slaCard(inc, now = Date.now()) {
  const sla = inc.sla ?? { ack: null, resolve: null, escalations: [] };
  const line = (kind, label) => {
    const t = sla[kind];
    if (!t || t.dueAt === null) return h('li', { dataset: { kind }, class: 'muted', text: `${label}: no target at this severity` });
    const due = Date.parse(t.dueAt);
    const owed = owes(kind, inc.status);
    let state;
    if (t.outcome === 'breached') state = h('span', { class: 'sla sla-breached', dataset: { sla: 'breached' }, text: `breached${t.settledAt ? ` (${when(t.settledAt)})` : ''}` });
    else if (t.outcome === 'met' || !owed) state = h('span', { class: 'sla sla-met', dataset: { sla: 'met' }, text: 'met' });
    else if (due <= now) state = h('span', { class: 'sla sla-breached', dataset: { sla: 'breached' }, text: `overdue ${duration(now - due)}` });
    else state = h('span', { class: 'sla sla-pending', dataset: { sla: 'pending' }, text: `${duration(due - now)} left` });
    return h('li', { dataset: { kind } }, h('b', { text: `${label} within ${t.targetMinutes === null ? '–' : duration(t.targetMinutes * 60_000)}` }), ` · due ${when(t.dueAt)} · `, state);
  };
  const levels = sla.escalations ?? [];
  return [
    h('h2', { text: 'SLA' }),
    h('ul', { class: 'plain sla-targets' }, line('ack', 'Acknowledge'), line('resolve', 'Resolve')),
    levels.length === 0
      ? h('p', { class: 'muted', text: 'No escalation.' })
      : h(
          'ol',
          { class: 'escalations' },
          ...levels.map((e) =>
            h(
              'li',
              { dataset: { level: String(e.level), status: e.status } },
              h('b', { text: `Level ${e.level}` }),
              ` ${e.status}`,
              e.status === 'scheduled' ? ` for ${when(e.dueAt)}` : e.settledAt ? ` ${when(e.settledAt)}` : '',
              e.reason ? ` (${e.reason})` : '',
              h('span', { class: 'muted', text: ` → ${e.channels.length ? e.channels.join(', ') : 'timeline only'}` }),
            ),
          ),
        ),
  ];
}
