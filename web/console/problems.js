// Problems (#/problems, #/problems/:id): recurring problems with how often their incidents came
// over the last 30 days; a problem's incidents per day as a bar chart, the miner's evidence,
// linked incidents, its timeline, and the workflow buttons its state allows (accept or reject a
// suggestion, investigate, known error with a workaround, resolve, notes, link incidents).
import { api, can, query } from './api.js';
import { ago, ask, busy, h, notify, num, put, sevBadge, statusChip, when } from './dom.js';
import { CAUSAL_DIAGRAM_MAX_EDGES, barChart, causalDiagram, dailyBars, sparkline } from './svg.js';

const STATUS_CHOICES = [
  ['new,investigating,known_error', 'open'],
  ['new', 'new'],
  ['investigating', 'investigating'],
  ['known_error', 'known error'],
  ['resolved', 'resolved'],
  ['rejected', 'rejected'],
  ['', 'all'],
];
const DAYS = 30;

export function mountList(root, params, { stream }) {
  const status = params.get('status') ?? 'new,investigating,known_error';
  const select = h('select', { id: 'p-status' }, ...STATUS_CHOICES.map(([v, l]) => h('option', { value: v, text: l, selected: v === status })));
  select.addEventListener('change', () => {
    location.hash = `#/problems${select.value ? `?status=${encodeURIComponent(select.value)}` : '?status='}`;
  });
  const body = h('tbody', { id: 'problem-rows' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true, text: 'more' });
  put(root,
    h(
      'section',
      { class: 'page problems' },
      h('div', { class: 'toolbar' }, h('h2', { text: 'Problems' }), h('label', {}, 'Status ', select), h('span', { class: 'muted', text: `incidents per day over the last ${DAYS} days` })),
      h('table', { class: 'plain-rows' }, h('thead', {}, h('tr', {}, ...['Status', 'Problem', 'Incidents', `Last ${DAYS} days`, 'First seen', 'Last seen', 'Workaround'].map((t) => h('th', { text: t })))), body),
      more,
    ),
  );
  let offset = 0;
  const today = new Date().toISOString().slice(0, 10);
  async function page() {
    const res = await api(`/api/v1/problems${query({ status, limit: 100, offset, frequencyDays: DAYS })}`).catch((err) => {
      notify(err, 'error');
      return null;
    });
    if (!res) return;
    if (offset === 0) body.replaceChildren();
    offset += res.items.length;
    more.hidden = res.items.length < 100;
    if (offset === 0) body.append(h('tr', {}, h('td', { colspan: 7, class: 'muted', text: 'No problems in this state.' })));
    for (const p of res.items) {
      const bars = dailyBars(p.frequency ?? [], res.frequencySince, today).map((b) => b.value);
      body.append(
        h(
          'tr',
          { dataset: { id: p.id } },
          h('td', {}, statusChip(p.status), p.suggested ? h('span', { class: 'chip suggested', text: 'suggested' }) : null),
          h('td', { class: 'title' }, h('a', { href: `#/problems/${encodeURIComponent(p.id)}`, text: p.title }), h('div', { class: 'muted small', text: p.description })),
          h('td', { class: 'num', text: num(p.occurrences) }),
          h('td', { title: bars.join(' ') }, sparkline(bars)),
          h('td', { text: ago(p.firstSeen) }),
          h('td', { text: ago(p.lastSeen) }),
          h('td', { text: p.workaround ? 'yes' : '' }),
        ),
      );
    }
  }
  more.addEventListener('click', () => void page());
  void page();
  return { unmount() {} };
}

const ACTION_LABELS = {
  accept: 'Accept',
  reject: 'Reject…',
  investigate: 'Investigate',
  'known-error': 'Known error…',
  resolve: 'Resolve',
  notes: 'Root-cause notes…',
  link: 'Link incidents…',
  unlink: 'Unlink incidents…',
};

export function mountDetail(root, _params, { stream, id }) {
  let problem = null;
  const writer = can('problem:write');
  const el = h('article', { class: 'page problem', dataset: { id } }, 'loading…');
  put(root, el);

  async function act(action, button) {
    let body = {};
    if (action === 'reject') {
      const v = await ask({ title: 'Reject the problem', fields: [{ name: 'reason', label: 'Why (kept in the timeline)', type: 'textarea' }], submit: 'Reject' });
      if (!v) return;
      if (v.reason.trim()) body = { reason: v.reason.trim() };
    } else if (action === 'known-error') {
      const v = await ask({
        title: 'Known error',
        fields: [
          { name: 'workaround', label: 'Workaround (shown on every incident it matches)', type: 'textarea', value: problem.workaround ?? '' },
          { name: 'rootCauseNotes', label: 'Root cause notes', type: 'textarea', value: problem.rootCauseNotes ?? '' },
        ],
        submit: 'Save',
      });
      if (!v) return;
      body = { ...(v.workaround.trim() ? { workaround: v.workaround.trim() } : {}), ...(v.rootCauseNotes.trim() ? { rootCauseNotes: v.rootCauseNotes.trim() } : {}) };
    } else if (action === 'notes') {
      const v = await ask({ title: 'Root-cause notes', fields: [{ name: 'rootCauseNotes', label: 'Notes', type: 'textarea', value: problem.rootCauseNotes ?? '' }], submit: 'Save' });
      if (!v) return;
      body = { rootCauseNotes: v.rootCauseNotes };
    } else if (action === 'link' || action === 'unlink') {
      const v = await ask({ title: action === 'link' ? 'Link incidents' : 'Unlink incidents', fields: [{ name: 'ids', label: 'Incident ids (comma or space separated)', required: true }], submit: action === 'link' ? 'Link' : 'Unlink' });
      if (!v) return;
      body = { incidentIds: v.ids.split(/[\s,]+/).filter(Boolean) };
    }
    const out = await busy(button, () => api(`/api/v1/problems/${encodeURIComponent(id)}/${action}`, { method: 'POST', body }));
    if (out) {
      notify(`${ACTION_LABELS[action].replace('…', '')}: ${out.title} is ${out.status.replace('_', ' ')}`);
      await load();
    }
  }

  function render() {
    const p = problem;
    const ev = p.evidence ?? {};
    const first = p.frequency[0]?.day ?? new Date().toISOString().slice(0, 10);
    const last = new Date().toISOString().slice(0, 10);
    const from = Date.parse(last) - Date.parse(first) > 180 * 86_400_000 ? new Date(Date.parse(last) - 180 * 86_400_000).toISOString().slice(0, 10) : first;
    put(el,
      h('p', { class: 'crumbs' }, h('a', { href: '#/problems', text: '← problems' })),
      h(
        'header',
        { class: 'incident-head' },
        h('div', { class: 'title-line' }, h('h1', { id: 'problem-title', text: p.title }), statusChip(p.status), p.suggested ? h('span', { class: 'chip suggested', text: 'suggested by the miner' }) : null),
        h('p', { class: 'muted', text: p.description }),
        h(
          'dl',
          { class: 'facts' },
          fact('Incidents', num(p.occurrences)),
          fact('First seen', p.firstSeen ? `${when(p.firstSeen)} (${ago(p.firstSeen)})` : '–'),
          fact('Last seen', p.lastSeen ? ago(p.lastSeen) : '–'),
          fact('Origin', p.origin),
          fact('Id', p.id),
        ),
      ),
      h(
        'div',
        { class: 'actions-bar', id: 'problem-actions' },
        writer
          ? p.allowedActions.map((a) => h('button', { type: 'button', class: a === 'reject' || a === 'notes' || a === 'link' || a === 'unlink' ? 'secondary' : '', dataset: { action: a }, id: `p-act-${a}`, text: ACTION_LABELS[a], onclick: (e) => act(a, e.currentTarget) }))
          : h('span', { class: 'muted', text: 'read only' }),
      ),
      p.workaround ? h('section', { class: 'card workaround', id: 'problem-workaround' }, h('h2', { text: 'Workaround' }), h('p', { text: p.workaround })) : null,
      p.rootCauseNotes ? h('section', { class: 'card' }, h('h2', { text: 'Root-cause notes' }), h('p', { class: 'pre', text: p.rootCauseNotes })) : null,
      h('section', { class: 'card', id: 'problem-frequency' }, h('h2', { text: 'Incidents per day' }), barChart({ bars: dailyBars(p.frequency, from, last) })),
      h('div', { class: 'cols' }, evidence(ev), h('section', { class: 'card', id: 'problem-incidents' }, h('h2', { text: `Linked incidents (${num(p.incidents.length)})` }), incidents(p.incidents))),
      h('section', { class: 'card', id: 'problem-timeline' }, h('h2', { text: 'Timeline' }), h('ol', { class: 'timeline' }, ...[...p.timeline].reverse().map((e) => h('li', { dataset: { action: e.action } }, h('time', { text: when(e.at) }), ' ', h('b', { text: e.action }), ' ', h('span', { class: 'muted', text: e.who }), e.from !== e.to && e.to ? ` ${e.from ?? '–'} → ${e.to}` : '', detailText(e.detail))))),
    );
  }

  function evidence(ev) {
    if (!ev || !ev.signature) return h('section', { class: 'card', id: 'problem-evidence' }, h('h2', { text: 'Evidence' }), h('p', { class: 'muted', text: 'No evidence assembled yet: the miner adds it on its next run.' }));
    return h(
      'section',
      { class: 'card', id: 'problem-evidence' },
      h('h2', { text: 'Evidence' }),
      h('ul', { class: 'evidence' }, ...(ev.explanation ?? []).map((s) => h('li', { text: s }))),
      ev.rootCauses?.length
        ? [h('h3', { text: 'Recurring root causes' }), h('table', { class: 'compact' }, h('tr', {}, ...['Item', 'Ranked first', 'Candidate', 'Mean score'].map((t) => h('th', { text: t }))), ...ev.rootCauses.map((r) => h('tr', {}, h('td', { text: r.name, title: r.itemId }), h('td', { class: 'num', text: r.top }), h('td', { class: 'num', text: r.seen }), h('td', { class: 'num', text: num(r.meanScore, 3) }))))]
        : null,
      ev.causal?.edges?.length
        ? [
            h('h3', { text: 'Learned patterns' }),
            h('div', { id: 'problem-causal' }, causalDiagram({ edges: ev.causal.edges })),
            ev.causal.edges.length > CAUSAL_DIAGRAM_MAX_EDGES ? h('p', { class: 'muted', text: `The ${CAUSAL_DIAGRAM_MAX_EDGES} strongest of ${ev.causal.edges.length} patterns are drawn; all are listed.` }) : null,
            h('ul', { class: 'evidence' }, ...ev.causal.edges.map((e) => h('li', { text: e.words }))),
          ]
        : null,
    );
  }

  function incidents(list) {
    if (list.length === 0) return h('p', { class: 'muted', text: 'None.' });
    return h('table', { class: 'compact' }, ...list.slice(0, 200).map((i) => h('tr', {}, h('td', {}, sevBadge(i.severity)), h('td', {}, h('a', { href: `#/incidents/${encodeURIComponent(i.incidentId)}`, text: i.title })), h('td', {}, statusChip(i.status)), h('td', { text: ago(i.startedAt) }), h('td', { class: 'muted', text: i.how }))));
  }

  async function load() {
    try {
      problem = await api(`/api/v1/problems/${encodeURIComponent(id)}`);
      document.title = `${problem.title} · problems`;
      render();
    } catch (err) {
      put(el, h('p', { class: 'error', text: err.status === 404 ? `Problem ${id} does not exist.` : err.message }));
    }
  }

  const unsubscribe = stream.subscribe((m) => {
    if (m.type === 'problem.attached' && m.problemId === id) void load();
  });
  void load();
  return { unmount: unsubscribe };
}

function fact(label, value) {
  return h('div', {}, h('dt', { text: label }), h('dd', { text: value }));
}

function detailText(d) {
  const text = Object.entries(d ?? {})
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${v}`)
    .join(' · ');
  return text ? h('div', { class: 'detail', text }) : null;
}
