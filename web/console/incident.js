// One incident (#/incidents/:id): summary and actions, ranked root-cause candidates with their
// evidence, the involved metric series, members with the reasons and figures behind each link
// (select some to split them off), the timeline, linked problems and related changes. Reloads
// itself when the stream reports a change to it.
import { act, api, can, query, session } from './api.js';
import { ago, ask, busy, h, notify, num, put, serviceOf, sevBadge, statusChip, when } from './dom.js';
import { slaCard } from './sla.js';
import { PALETTE, lineChart } from './svg.js';
import { VirtualList } from './virtual-list.js';

const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const ACTIVE = new Set(['open', 'acknowledged']);
/** Members read per page (the API's default first page is 200, its maximum 1000). */
const MEMBER_PAGE = 500;

export function mount(root, _params, { stream, id }) {
  let incident = null;
  let generation = 0;
  let slowAt = 0;
  let slowGeneration = 0;
  const picked = new Set();
  const writer = can('incident:write');

  const headEl = h('header', { class: 'incident-head' }, 'loading…');
  const actionsEl = h('div', { class: 'actions-bar', id: 'incident-actions' });
  const causesEl = h('section', { class: 'card', id: 'root-causes' }, h('h2', { text: 'Root-cause candidates' }));
  const metricsEl = h('section', { class: 'card', id: 'metrics' }, h('h2', { text: 'Metrics' }));
  const membersHead = h('h2', { text: 'Member alerts' });
  const membersEl = h('section', { class: 'card', id: 'members' }, membersHead);
  const timelineEl = h('section', { class: 'card', id: 'timeline' }, h('h2', { text: 'Timeline' }));
  const problemsEl = h('section', { class: 'card', id: 'problems' }, h('h2', { text: 'Problems' }));
  const changesEl = h('section', { class: 'card', id: 'changes' }, h('h2', { text: 'Related changes' }));
  const slaEl = h('section', { class: 'card', id: 'sla' }, h('h2', { text: 'SLA' }));
  const moreButton = h('button', { type: 'button', class: 'secondary small', id: 'members-more', hidden: true, onclick: () => void loadMoreMembers() });
  put(root,
    h(
      'article',
      { class: 'page incident', dataset: { id } },
      h('p', { class: 'crumbs' }, h('a', { href: '#/board', text: '← board' })),
      headEl,
      actionsEl,
      h('div', { class: 'cols' }, causesEl, metricsEl),
      membersEl,
      h('div', { class: 'cols' }, timelineEl, h('div', {}, slaEl, problemsEl, changesEl)),
    ),
  );

  // Members: a virtualized table, for incidents of thousands of alerts.
  const mBody = h('tbody', { id: 'member-rows' });
  const mTable = h('table', { class: 'grid rows members' }, memberCols(), mBody);
  const mSizer = h('div', { class: 'sizer' }, mTable);
  const mViewport = h('div', { class: 'viewport members-viewport' }, mSizer);
  const mHead = h('table', { class: 'grid head members' }, memberCols(), h('thead', {}, h('tr', {}, ...['', 'Alert', 'Severity', 'Status', 'Items', 'Why linked', 'Score', ''].map((c) => h('th', { text: c })))));
  membersEl.append(mHead, mViewport, h('p', { class: 'members-more' }, moreButton));
  const members = () => incident?.members ?? [];
  const mList = new VirtualList({
    viewport: mViewport,
    sizer: mSizer,
    table: mTable,
    body: mBody,
    rowHeight: () => parseFloat(getComputedStyle(document.body).getPropertyValue('--row')) || 40,
    size: () => members().length,
    keyAt: (i) => members()[i]?.fingerprint ?? null,
    versionAt: (i) => `${incident.updatedAt}|${picked.has(members()[i].fingerprint)}`,
    fill: fillMember,
    placeholder: (tr) => tr.replaceChildren(),
  });

  function memberCols() {
    return h('colgroup', {}, ...['m-pick', 'm-name', 'm-sev', 'm-status', 'm-items', 'm-why', 'm-score', 'm-flags'].map((c) => h('col', { class: c })));
  }

  function fillMember(tr, i) {
    const m = members()[i];
    tr.dataset.fp = m.fingerprint;
    const box = h('input', { type: 'checkbox', 'aria-label': `select ${m.name}`, disabled: !writer });
    box.checked = picked.has(m.fingerprint);
    box.addEventListener('change', () => {
      if (box.checked) picked.add(m.fingerprint);
      else picked.delete(m.fingerprint);
      renderActions();
      mList.refresh();
    });
    const items = (m.itemIds ?? []).map((it) => incident.items?.[it]?.name ?? it).join(', ');
    const flags = [m.flapping ? 'flapping' : null, m.suppressedBy ? `suppressed (${m.suppressedBy.kind})` : null].filter(Boolean).join(' · ');
    put(tr,
      h('td', {}, box),
      h('td', { title: `${m.fingerprint}\n${Object.entries(m.labels).map(([k, v]) => `${k}=${v}`).join('\n')}` }, m.name),
      h('td', {}, sevBadge(m.severity)),
      h('td', {}, statusChip(m.status === 'firing' ? 'firing' : 'resolved')),
      h('td', { text: items || '–', title: (m.itemIds ?? []).join(', ') }),
      h('td', { class: 'why', text: m.linkReason, title: m.linkReason }),
      h('td', { class: 'score', text: scoreText(m.linkScore), title: scoreTitle(m.linkScore) }),
      h('td', { class: 'muted', text: flags, title: m.suppressedBy?.reason ?? '' }),
    );
  }

  function renderHead() {
    const i = incident;
    put(headEl,
      h('div', { class: 'title-line' }, sevBadge(i.severity), h('h1', { id: 'incident-title', text: i.title }), statusChip(i.status)),
      h(
        'dl',
        { class: 'facts' },
        fact('Service', serviceOf(i.groupKey)),
        fact('Alerts', `${i.firingCount} firing of ${i.alertCount}`),
        fact('Owner', i.assignee ?? 'nobody', 'owner'),
        fact('Started', `${when(i.startedAt)} (${ago(i.startedAt)})`),
        fact('Last event', ago(i.lastEventAt)),
        i.acknowledgedBy ? fact('Acknowledged', `${i.acknowledgedBy}, ${ago(i.acknowledgedAt)}`) : null,
        i.resolvedAt ? fact('Resolved', when(i.resolvedAt)) : null,
        i.component ? fact('Component', i.component) : null,
        i.mergedInto ? h('div', {}, h('dt', { text: 'Merged into' }), h('dd', {}, h('a', { href: `#/incidents/${encodeURIComponent(i.mergedInto)}`, text: i.mergedInto }))) : null,
        fact('Id', i.id),
      ),
    );
  }

  function fact(label, value, id) {
    return h('div', {}, h('dt', { text: label }), h('dd', { text: value, id: id ? `fact-${id}` : undefined }));
  }

  function button(label, onclick, opts = {}) {
    return h('button', { type: 'button', class: opts.secondary ? 'secondary' : '', id: opts.id, disabled: opts.disabled, title: opts.title, onclick: (e) => onclick(e.currentTarget) }, label);
  }

  async function run(buttonEl, action, body, done) {
    const out = await busy(buttonEl, () => act(id, action, body));
    if (out) {
      show(out);
      if (done) done(out);
    }
    return out;
  }

  function renderActions() {
    if (!writer || !incident) {
      put(actionsEl, writer ? '' : h('span', { class: 'muted', text: `read only (${session.me?.role ?? 'no role'})` }));
      return;
    }
    const s = incident.status;
    const sevSelect = h('select', { id: 'severity-select', 'aria-label': 'severity' }, ...SEVERITIES.map((v) => h('option', { value: v, text: v, selected: v === incident.severity })));
    put(actionsEl,
      s === 'open' ? button('Acknowledge', (b) => run(b, 'ack', {}), { id: 'act-ack' }) : null,
      s !== 'closed' ? button('Assign…', assign, { id: 'act-assign', secondary: true }) : null,
      ACTIVE.has(s) ? button('Resolve', (b) => run(b, 'resolve', {}), { id: 'act-resolve' }) : null,
      s !== 'closed' ? button('Close', (b) => run(b, 'close', {}), { id: 'act-close', secondary: true }) : null,
      s !== 'closed' ? h('span', { class: 'inline' }, sevSelect, button('Set severity', (b) => run(b, 'severity', { severity: sevSelect.value }), { id: 'act-severity', secondary: true })) : null,
      button('Comment…', comment, { id: 'act-comment', secondary: true }),
      s !== 'closed' ? button('Merge…', merge, { id: 'act-merge', secondary: true, title: 'bring other incidents’ alerts into this one' }) : null,
      s !== 'closed' ? button(`Split ${picked.size} selected`, split, { id: 'act-split', secondary: true, disabled: picked.size === 0, title: 'move the selected member alerts into a new incident' }) : null,
    );
  }

  async function assign(b) {
    const v = await ask({ title: 'Assign', fields: [{ name: 'assignee', label: 'Owner (person or team; empty to unassign)', value: incident.assignee ?? session.me?.name ?? '' }], submit: 'Assign' });
    if (v) await run(b, 'assign', { assignee: v.assignee.trim() || null });
  }

  async function comment(b) {
    const v = await ask({ title: 'Comment', fields: [{ name: 'text', label: 'Comment', type: 'textarea', required: true }], submit: 'Add' });
    if (v && v.text.trim()) await run(b, 'comment', { text: v.text.trim() });
  }

  async function merge(b) {
    const v = await ask({ title: 'Merge into this incident', fields: [{ name: 'from', label: 'Incident ids to merge in (comma or space separated)', required: true }], submit: 'Merge' });
    if (!v) return;
    const from = v.from.split(/[\s,]+/).filter(Boolean);
    await run(b, 'merge', { from }, () => notify(`Merged ${from.length} incident${from.length === 1 ? '' : 's'} into this one`));
  }

  async function split(b) {
    const fingerprints = [...picked];
    await run(b, 'split', { fingerprints }, (out) => {
      picked.clear();
      const entry = [...(out.timeline ?? [])].reverse().find((e) => e.kind === 'split' && e.detail?.into);
      notify(entry ? `Split ${fingerprints.length} alert(s) into incident ${entry.detail.into}` : 'Split done');
    });
  }

  function renderCauses() {
    const list = incident.rootCauses ?? [];
    put(causesEl,
      h('h2', { text: 'Root-cause candidates' }),
      list.length === 0
        ? h('p', { class: 'muted', text: 'No candidates: without a topology the engine ranks none.' })
        : h(
            'ol',
            { class: 'causes' },
            ...list.map((c) =>
              h(
                'li',
                { dataset: { item: c.itemId } },
                h('div', { class: 'cause-head' }, h('b', { text: c.name }), ' ', h('span', { class: 'muted', text: c.itemId }), ' ', h('span', { class: 'scorebar', title: `score ${c.score}` }, h('span', { style: { width: `${Math.round(Math.min(1, c.score) * 100)}%` } })), ` ${num(c.score, 3)}`, c.alerting ? h('span', { class: 'chip st-open', text: 'alerting' }) : null),
                h('ul', { class: 'evidence' }, ...c.evidence.map((e) => h('li', { text: e }))),
              ),
            ),
          ),
    );
  }

  function renderTimeline() {
    const list = incident.timeline ?? [];
    put(timelineEl,
      h('h2', { text: 'Timeline' }),
      h(
        'ol',
        { class: 'timeline' },
        ...[...list].reverse().map((e) =>
          h(
            'li',
            { dataset: { kind: e.kind } },
            h('time', { text: when(e.at), title: e.at }),
            ' ',
            h('b', { text: e.kind }),
            ' ',
            h('span', { class: 'muted', text: e.actor }),
            detailOf(e),
          ),
        ),
      ),
    );
  }

  function detailOf(e) {
    const d = e.detail ?? {};
    const link = (iid) => h('a', { href: `#/incidents/${encodeURIComponent(iid)}`, text: String(iid).slice(0, 8) });
    if (e.kind === 'split' && d.into) return h('span', {}, ' → ', link(d.into), ` (${d.alerts} alerts)`);
    if (e.kind === 'split' && d.from) return h('span', {}, ' from ', link(d.from));
    if (e.kind === 'merged' && d.from) return h('span', {}, ' from ', link(d.from), ` (${d.alerts} alerts)`);
    if (e.kind === 'merged' && d.into) return h('span', {}, ' into ', link(d.into));
    if (e.kind === 'escalated') return h('div', { class: 'detail', text: `level ${d.level} → ${(d.channels ?? []).join(', ') || 'timeline only'}${d.targets ? ` (${d.targets.length} target${d.targets.length === 1 ? '' : 's'})` : ''}` });
    if (e.kind === 'escalation.cancelled') return h('div', { class: 'detail', text: `level ${(d.levels ?? []).join(', ')} cancelled: ${d.reason}` });
    const text = Object.entries(d)
      .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
      .map(([k, v]) => `${k}: ${v}`)
      .join(' · ');
    return text ? h('div', { class: 'detail', text }) : null;
  }

  async function loadProblems(gen) {
    const res = await api(`/api/v1/incidents/${encodeURIComponent(id)}/problems`).catch((err) => ({ error: err }));
    if (gen !== generation) return;
    if (res.error) return put(problemsEl, h('h2', { text: 'Problems' }), h('p', { class: 'error', text: res.error.message }));
    put(problemsEl,
      h('h2', { text: 'Problems' }),
      res.items.length === 0
        ? h('p', { class: 'muted', text: 'Not linked to any problem.' })
        : h(
            'ul',
            { class: 'plain' },
            ...res.items.map((p) =>
              h(
                'li',
                {},
                statusChip(p.status),
                ' ',
                h('a', { href: `#/problems/${encodeURIComponent(p.id)}`, text: p.title }),
                h('span', { class: 'muted', text: ` · ${p.occurrences} incidents · linked ${p.how}` }),
                p.workaround ? h('div', { class: 'workaround' }, h('b', { text: 'Workaround: ' }), p.workaround) : null,
              ),
            ),
          ),
    );
  }

  async function loadChanges(gen) {
    const res = await api(`/api/v1/incidents/${encodeURIComponent(id)}/changes`).catch((err) => ({ error: err }));
    if (gen !== slowGeneration) return;
    if (res.error) return put(changesEl, h('h2', { text: 'Related changes' }), h('p', { class: 'error', text: res.error.message }));
    put(changesEl,
      h('h2', { text: 'Related changes' }),
      res.items.length === 0
        ? h('p', { class: 'muted', text: res.services.length ? `No changes to ${res.services.join(', ')} in the 24 h before or during it.` : 'No service to look up changes for.' })
        : h(
            'ul',
            { class: 'plain changes' },
            ...res.items.map((c) =>
              h('li', {}, h('time', { text: when(c.timestamp) }), ' ', h('b', { text: c.service ?? '–' }), ' ', c.summary, ' ', h('span', { class: 'muted', text: `(${c.source})` }), ...(c.links ?? []).slice(0, 2).map((l) => [' ', h('a', { href: l.href, text: l.text ?? 'link', target: '_blank', rel: 'noopener' })])),
            ),
          ),
    );
  }

  async function loadMetrics(gen) {
    const res = await api(`/api/v1/incidents/${encodeURIComponent(id)}/metrics`).catch((err) => ({ error: err }));
    if (gen !== slowGeneration) return;
    const form = customQuery(res);
    if (res.error) return put(metricsEl, h('h2', { text: 'Metrics' }), h('p', { class: 'error', text: res.error.message }), form);
    const series = res.queries.flatMap((q) => q.series.map((s) => ({ label: `${q.measurement}.${q.field} ${tagText(s.tags)}`, points: s.points })));
    put(metricsEl, h('h2', { text: 'Metrics' }), ...chartOf(series, res), form);
  }

  function chartOf(series, res) {
    const from = Date.parse(res.from);
    const to = Date.parse(res.to);
    if (series.length === 0) return [h('p', { class: 'muted no-series', text: res.note ?? 'The metric store has no matching series.' })];
    const marks = [{ at: Date.parse(incident.startedAt), label: 'start' }];
    if (incident.resolvedAt) marks.push({ at: Date.parse(incident.resolvedAt), label: 'resolved' });
    return [
      lineChart({ series, from, to, marks }),
      h('ul', { class: 'legend' }, ...series.map((s, i) => h('li', {}, h('span', { class: 'swatch', style: { background: PALETTE[i % PALETTE.length] } }), s.label))),
    ];
  }

  function customQuery(res) {
    const measurement = h('input', { name: 'measurement', placeholder: 'measurement', required: true, size: 14 });
    const field = h('input', { name: 'field', placeholder: 'field', value: 'value', size: 8 });
    const tags = h('input', { name: 'tags', placeholder: 'tags: host=web-1, …', value: `service=${serviceOf(incident.groupKey)}`, size: 22 });
    const out = h('div', { class: 'custom-chart' });
    const form = h(
      'form',
      {
        class: 'inline-form',
        onsubmit: async (e) => {
          e.preventDefault();
          const tag = tags.value.split(',').map((t) => t.trim()).filter((t) => t.includes('='));
          const from = res?.from ?? new Date(Date.parse(incident.startedAt) - 1_800_000).toISOString();
          const to = res?.to ?? new Date().toISOString();
          const r = await api(`/api/v1/metrics/query${query({ measurement: measurement.value.trim(), field: field.value.trim() || 'value', tag, from, to })}`).catch((err) => {
            notify(err, 'error');
            return null;
          });
          if (!r) return;
          const series = r.series.map((s) => ({ label: `${r.query.measurement}.${r.query.field} ${tagText(s.tags)}`, points: s.points }));
          put(out, ...chartOf(series, { ...r, note: `No series ${r.query.measurement}.${r.query.field} ${tagText(r.query.tags)} in the metric store for this window.` }));
        },
      },
      'Plot ',
      measurement,
      field,
      tags,
      h('button', { type: 'submit', class: 'secondary', text: 'Plot' }),
    );
    return h('div', {}, form, out);
  }

  function show(next) {
    const firstTime = incident === null;
    if (next.sla === undefined && incident?.sla) next.sla = incident.sla;
    incident = next;
    for (const fp of [...picked]) if (!next.members.some((m) => m.fingerprint === fp)) picked.delete(fp);
    document.title = `${next.title} · AIOps incident engine`;
    renderHead();
    renderActions();
    renderCauses();
    renderTimeline();
    put(slaEl, ...slaCard(next));
    renderMemberCount();
    const rh = parseFloat(getComputedStyle(document.body).getPropertyValue('--row')) || 40;
    mViewport.style.height = `${Math.min(Math.max(next.members.length, 1), 12) * rh + 2}px`;
    mList.clear();
    mList.refresh();
    const gen = ++generation;
    void loadProblems(gen);
    // Changes and series move slowly: read them again at most every 30 s.
    if (firstTime || Date.now() - slowAt > 30_000) {
      slowAt = Date.now();
      const slow = ++slowGeneration;
      void loadChanges(slow);
      void loadMetrics(slow);
    }
  }

  function renderMemberCount() {
    const n = incident.members.length;
    const all = incident.memberCount ?? n;
    membersHead.textContent = n < all ? `Member alerts (${num(n)} of ${num(all)})` : `Member alerts (${num(all)})`;
    moreButton.hidden = !incident.membersNext;
    moreButton.textContent = `Load ${num(Math.min(MEMBER_PAGE, all - n))} more`;
  }

  /** The next page of members, appended to what is shown. */
  let moreLoading = null;
  async function loadMoreMembers() {
    if (moreLoading || !incident?.membersNext) return moreLoading;
    const gen = generation;
    moreLoading = (async () => {
      try {
        const page = await api(`/api/v1/incidents/${encodeURIComponent(id)}/members${query({ limit: MEMBER_PAGE, after: incident.membersNext })}`);
        if (gen !== generation) return;
        incident.members = [...incident.members, ...page.items];
        incident.items = { ...(incident.items ?? {}), ...(page.topologyItems ?? {}) };
        incident.membersNext = page.next;
        renderMemberCount();
        const rh = parseFloat(getComputedStyle(document.body).getPropertyValue('--row')) || 40;
        mViewport.style.height = `${Math.min(Math.max(incident.members.length, 1), 12) * rh + 2}px`;
        mList.refresh();
      } catch (err) {
        notify(err, 'error');
      } finally {
        moreLoading = null;
      }
    })();
    return moreLoading;
  }

  async function load() {
    try {
      // As many members as are shown already (up to the API's maximum), so a reload keeps them.
      const shown = Math.min(1000, Math.max(200, incident?.members.length ?? 0));
      show(await api(`/api/v1/incidents/${encodeURIComponent(id)}${query({ members: shown })}`));
    } catch (err) {
      put(headEl, h('p', { class: 'error', text: err.status === 404 ? `Incident ${id} does not exist.` : err.message }));
      actionsEl.replaceChildren();
    }
  }

  // Reload soon after a change, at most every 2 s: a storm must not starve or flood the page.
  let timer = 0;
  let lastLoad = 0;
  const later = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = 0;
      lastLoad = Date.now();
      void load();
    }, Math.max(300, lastLoad + 2000 - Date.now()));
  };
  const unsubscribe = stream.subscribe((m) => {
    if (m.incident?.id === id || m.incidentId === id) later();
  });
  const unreset = stream.onReset(later);
  void stream.ready().then(load);
  // Time left on the SLA targets moves without messages.
  const slaTimer = setInterval(() => {
    if (incident) put(slaEl, ...slaCard(incident));
  }, 15_000);

  return {
    unmount() {
      generation++;
      slowGeneration++;
      clearTimeout(timer);
      clearInterval(slaTimer);
      unsubscribe();
      unreset();
      mList.destroy();
    },
  };
}

function tagText(tags) {
  const e = Object.entries(tags ?? {});
  return e.length ? `{${e.map(([k, v]) => `${k}=${v}`).join(', ')}}` : '';
}

function scoreText(s) {
  if (!s || typeof s.total !== 'number') return '–';
  return `${s.total.toFixed(2)}  t${fmt(s.time)} g${fmt(s.topology)} l${fmt(s.labels)} x${fmt(s.text)}`;
}

function scoreTitle(s) {
  if (!s) return 'first member: opened the incident';
  const parts = [`total ${s.total}`, `time ${s.time}`, `topology ${s.topology}`, `labels ${s.labels}`, `text ${s.text}`, `learned ${s.learned}`];
  if (s.viaItem) parts.push(`via ${s.viaItem} (${s.relation}, ${s.hops} hops)`);
  if (typeof s.gapMs === 'number') parts.push(`gap ${Math.round(s.gapMs / 1000)} s`);
  return parts.join('\n');
}

function fmt(v) {
  return typeof v === 'number' ? v.toFixed(1) : '–';
}
