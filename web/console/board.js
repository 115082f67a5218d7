// The live incident board (#/board). The server filters, sorts and pages (100 rows first,
// then 250 at a time as the list scrolls); the table is virtualized; stream messages patch rows in place
// (a row that no longer matches the filters leaves, a new one that does is put where the sort
// says). Operators acknowledge, assign and resolve from the row. The storm indicator compares
// alert events in with incidents out over the last 5 and 15 minutes.
//
// Keys: j/k or arrows move, Enter opens, a acknowledges, o assigns an owner, r resolves,
// / searches, w toggles wall mode (larger rows, no controls).
import { act, api, can, query, session } from './api.js';
import { age, ago, ask, busy, h, notify, num, put, serviceOf, sevBadge, sevRank, statusChip } from './dom.js';
import { slaMarker } from './sla.js';
import { sparkline } from './svg.js';
import { VirtualList } from './virtual-list.js';

/** Rows of the first request (a screenful and then some), then of each further one. */
const FIRST_PAGE = 100;
const PAGE = 250;
const LEVELS = { 5: 'critical', 4: 'error', 3: 'warning', 2: 'info', 1: 'unknown' };
const STATUS_CHOICES = [
  ['open,acknowledged', 'active'],
  ['open', 'open'],
  ['acknowledged', 'acknowledged'],
  ['resolved', 'resolved'],
  ['closed', 'closed'],
  ['', 'all'],
];
const SORTS = [
  ['severity', 'severity'],
  ['last_event', 'latest activity'],
  ['started', 'newest'],
  ['alerts', 'most alerts'],
];
const COLUMNS = ['Severity', 'Incident', 'Service', 'Alerts', 'Status', 'Owner', 'Age', 'Last event', 'SLA', ''];

function colgroup() {
  return h('colgroup', {}, ...['c-sev', 'c-title', 'c-svc', 'c-alerts', 'c-status', 'c-owner', 'c-age', 'c-last', 'c-sla', 'c-actions'].map((c) => h('col', { class: c })));
}

/** The order the server sorts in (web/incident-routes.ts), for placing live updates. */
function comparator(sort) {
  const last = (a, b) => Date.parse(b.lastEventAt) - Date.parse(a.lastEventAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  if (sort === 'severity') return (a, b) => sevRank(b.severity) - sevRank(a.severity) || last(a, b);
  if (sort === 'started') return (a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || last(a, b);
  if (sort === 'alerts') return (a, b) => b.alertCount - a.alertCount || last(a, b);
  return last;
}

function matcher(f) {
  const statuses = f.status ? f.status.split(',') : null;
  const levels = f.severity ? f.severity.split(',') : null;
  const q = f.q ? f.q.toLowerCase() : null;
  return (i) =>
    (!statuses || statuses.includes(i.status)) &&
    (!levels || levels.includes(LEVELS[sevRank(i.severity)])) &&
    (!q || i.title.toLowerCase().includes(q) || i.groupKey.toLowerCase().includes(q)) &&
    (!f.assignee || (f.assignee === '-' ? i.assignee === null : i.assignee === f.assignee));
}

export function filtersOf(params) {
  return {
    status: params.get('status') ?? 'open,acknowledged',
    severity: params.get('severity') ?? '',
    q: params.get('q') ?? '',
    assignee: params.get('assignee') ?? '',
    sort: params.get('sort') ?? 'severity',
  };
}

export function mount(root, params, { stream, first }) {
  let filters = filtersOf(params);
  let matches = matcher(filters);
  let compare = comparator(filters.sort);
  let rows = [];
  const byId = new Map();
  let total = 0;
  let served = 0;
  let complete = false;
  let loading = null;
  let generation = 0;
  let held = null;
  let tick = 0;
  let selected = null;
  let firstPaint = false;
  const flash = new Set();
  const writer = can('incident:write');
  /** The first page index.html asked for (default filters), as of the stream's starting seq. */
  let prefetched = first ?? null;

  const sel = (id, choices, value) => h('select', { id }, ...choices.map(([v, label]) => h('option', { value: v, text: label, selected: v === value })));
  const status = sel('f-status', STATUS_CHOICES, filters.status);
  const severity = sel('f-severity', [['', 'any'], ...Object.values(LEVELS).map((l) => [l, l])], filters.severity);
  const sort = sel('f-sort', SORTS, filters.sort);
  const search = h('input', { id: 'f-q', type: 'search', placeholder: 'title or service  ( / )', value: filters.q });
  const owner = h('input', { id: 'f-assignee', placeholder: 'owner (- for none)', value: filters.assignee, size: 14 });
  const totalEl = h('span', { id: 'total', class: 'muted' });
  const storm = h('div', { id: 'storm', class: 'storm', 'aria-live': 'polite' }, 'storm figures…');
  const body = h('tbody', { id: 'rows' });
  const table = h('table', { id: 'board', class: 'grid rows' }, colgroup(), body);
  const sizer = h('div', { class: 'sizer' }, table);
  const viewport = h('div', { class: 'viewport', id: 'viewport', tabindex: '-1' }, sizer);
  const empty = h('p', { id: 'empty', class: 'empty', hidden: true, text: 'No incidents match.' });
  const head = h('table', { class: 'grid head' }, colgroup(), h('thead', {}, h('tr', {}, ...COLUMNS.map((c) => h('th', { text: c })))));
  put(root,
    h(
      'section',
      { class: `page board${writer ? '' : ' read-only'}` },
      h(
        'div',
        { class: 'toolbar' },
        h('label', {}, 'Status ', status),
        h('label', {}, 'Severity ', severity),
        search,
        owner,
        h('label', {}, 'Sort ', sort),
        totalEl,
      ),
      storm,
      head,
      viewport,
      empty,
    ),
  );

  const rowHeight = () => parseFloat(getComputedStyle(document.body).getPropertyValue('--row')) || 40;
  const list = new VirtualList({
    viewport,
    sizer,
    table,
    body,
    rowHeight,
    size: () => (complete ? rows.length : Math.max(total, rows.length)),
    keyAt: (i) => rows[i]?.id ?? null,
    versionAt: (i) => `${rows[i].updatedAt}|${rows[i].status}|${tick}|${rows[i].id === selected}|${rows[i].slaVersion ?? 0}`,
    fill,
    placeholder: (tr) => {
      tr.className = 'placeholder';
      tr.removeAttribute('data-id');
      put(tr, h('td', { colspan: COLUMNS.length, class: 'muted', text: 'loading…' }));
    },
    onWindow: (_first, last) => {
      if (!complete && last > rows.length - 40) void loadMore();
    },
  });

  function fill(tr, i) {
    const inc = rows[i];
    tr.dataset.id = inc.id;
    tr.className = inc.id === selected ? 'selected' : '';
    if (flash.delete(inc.id)) {
      void tr.offsetWidth;
      tr.classList.add('fresh');
    }
    const actions = h('div', { class: 'acts' });
    if (writer) {
      if (inc.status === 'open') actions.append(h('button', { type: 'button', class: 'small', dataset: { action: 'ack' }, text: 'Ack', title: 'acknowledge (a)' }));
      if (inc.status === 'open' || inc.status === 'acknowledged') {
        actions.append(
          h('button', { type: 'button', class: 'small secondary', dataset: { action: 'assign' }, text: 'Assign', title: 'assign an owner (o)' }),
          h('button', { type: 'button', class: 'small secondary', dataset: { action: 'resolve' }, text: 'Resolve', title: 'resolve (r)' }),
        );
      }
    }
    put(tr,
      h('td', {}, sevBadge(inc.severity)),
      h('td', { class: 'title' }, h('a', { href: `#/incidents/${encodeURIComponent(inc.id)}`, text: inc.title, title: inc.title })),
      h('td', { text: serviceOf(inc.groupKey), title: inc.groupKey }),
      h('td', { class: 'num', text: `${inc.firingCount}/${inc.alertCount}`, title: 'firing / all alerts' }),
      h('td', {}, statusChip(inc.status)),
      h('td', { class: 'owner', text: inc.assignee ?? '' }),
      h('td', { text: age(inc.startedAt), title: `started ${inc.startedAt}` }),
      h('td', { text: ago(inc.lastEventAt), title: inc.lastEventAt }),
      h('td', { class: 'sla-cell' }, slaMarker(inc)),
      h('td', { class: 'actions' }, actions),
    );
  }

  function showTotal() {
    const n = complete ? rows.length : Math.max(total, rows.length);
    totalEl.textContent = `${num(n)} incident${n === 1 ? '' : 's'}`;
    empty.hidden = n > 0 || loading !== null;
  }

  function fetchPage(offset, limit) {
    const { sort: s, ...f } = filters;
    return api(`/api/v1/incidents${query({ ...f, sort: s, limit, offset, total: true })}`);
  }

  async function loadMore() {
    if (loading || complete) return loading;
    const gen = generation;
    held = [];
    loading = (async () => {
      try {
        let limit = served === 0 ? FIRST_PAGE : PAGE;
        let res;
        if (served === 0 && prefetched && JSON.stringify(filters) === JSON.stringify(filtersOf(new URLSearchParams()))) {
          // Awaited like a fetch, so that `loading` is set before this settles.
          res = await prefetched;
          limit = res.limit;
        } else res = await fetchPage(served, limit);
        prefetched = null;
        if (gen !== generation) return;
        served += res.items.length;
        for (const inc of res.items) {
          if (byId.has(inc.id)) continue; // a live update already placed a newer copy
          byId.set(inc.id, inc);
          rows.push(inc);
        }
        rows.sort(compare);
        total = res.total ?? rows.length;
        complete = res.items.length < limit || served >= total;
        const later = held ?? [];
        held = null;
        for (const m of later) upsert(m, false);
      } catch (err) {
        if (gen === generation) notify(err, 'error');
      } finally {
        if (gen === generation) {
          loading = null;
          held = null;
        }
      }
      if (gen !== generation) return;
      showTotal();
      list.render();
      if (!firstPaint) {
        firstPaint = true;
        performance.mark('board-first-page');
        document.documentElement.dataset.boardFirstPage = performance.now().toFixed(1);
      }
    })();
    return loading;
  }

  function reload() {
    generation++;
    rows = [];
    byId.clear();
    total = 0;
    served = 0;
    complete = false;
    loading = null;
    held = null;
    list.clear();
    viewport.scrollTop = 0;
    showTotal();
    return loadMore();
  }

  let totalTimer = 0;
  function refreshTotal() {
    if (totalTimer) return;
    totalTimer = setTimeout(async () => {
      totalTimer = 0;
      const gen = generation;
      const { sort: _s, ...f } = filters;
      const res = await api(`/api/v1/incidents${query({ ...f, limit: 1, total: true })}`).catch(() => null);
      if (res && gen === generation) {
        total = res.total;
        showTotal();
        list.refresh();
      }
    }, 1000);
  }

  /** Puts an incident summary where it belongs, or takes it out when it no longer matches. */
  function upsert(inc, live = true, created = false) {
    if (held) held.push(inc);
    const had = byId.get(inc.id);
    // Incident messages do not carry the SLA; it comes with the list and with incident.sla messages.
    if (inc.sla === undefined && had?.sla !== undefined) {
      inc.sla = had.sla;
      inc.slaVersion = had.slaVersion;
    }
    if (had && Date.parse(had.updatedAt) > Date.parse(inc.updatedAt)) return;
    if (had) {
      const at = rows.indexOf(had);
      if (at >= 0) rows.splice(at, 1);
      byId.delete(inc.id);
    }
    const fits = matches(inc);
    if (fits) {
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compare(rows[mid], inc) <= 0) lo = mid + 1;
        else hi = mid;
      }
      if (lo < rows.length || complete) {
        rows.splice(lo, 0, inc);
        byId.set(inc.id, inc);
        if (live) flash.add(inc.id);
      }
    }
    if (had && !fits) total = Math.max(0, total - 1);
    else if (!had && fits) {
      if (created || complete) total++;
      else refreshTotal();
    }
    if (complete) total = rows.length;
    showTotal();
    list.refresh();
  }

  /** Draws the storm indicator from /api/v1/stats/storm (fetched by console.js for the header too). */
  function showStorm(s) {
    const [five, fifteen] = s.windows;
    const ratio = (w) => (w.alertsPerIncident === null ? '–' : `${num(w.alertsPerIncident, 1)} : 1`);
    storm.className = `storm${s.storm ? ' on' : ''}`;
    put(storm,
      h('span', { class: 'storm-badge', text: s.storm ? 'ALERT STORM' : 'no storm', title: `storm: more than ${s.threshold.alertsPerMinute} alerts a minute over ${s.threshold.overMinutes} minutes` }),
      h('span', {}, h('b', { text: num(five.alertsIn) }), ' alerts in → ', h('b', { text: num(five.incidentsOut) }), ' incidents out ', h('span', { class: 'muted', text: `(5 min, ${ratio(five)})` })),
      h('span', {}, h('b', { text: num(fifteen.alertsIn) }), ' → ', h('b', { text: num(fifteen.incidentsOut) }), ' ', h('span', { class: 'muted', text: `(15 min, ${ratio(fifteen)})` })),
      h('span', { class: 'spark-pair', title: 'alerts in (blue) and incidents out (orange) per minute, last 15 minutes' }, sparkline(s.perMinute.map((m) => m.alertsIn)), sparkline(s.perMinute.map((m) => m.incidentsOut), { className: 'spark out' })),
    );
  }

  function setFilters(next, push = true) {
    filters = next;
    matches = matcher(filters);
    compare = comparator(filters.sort);
    if (push) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(filters)) if (v && !(k === 'status' && v === 'open,acknowledged') && !(k === 'sort' && v === 'severity')) q.set(k, v);
      if (document.body.classList.contains('wall')) q.set('wall', '1');
      const hash = `#/board${q.toString() ? `?${q}` : ''}`;
      if (location.hash !== hash) history.replaceState(null, '', hash);
    }
    void reload();
  }

  const read = () => ({ status: status.value, severity: severity.value, q: search.value.trim(), assignee: owner.value.trim(), sort: sort.value });
  status.addEventListener('change', () => setFilters(read()));
  severity.addEventListener('change', () => setFilters(read()));
  sort.addEventListener('change', () => setFilters(read()));
  let typing = 0;
  const typed = () => {
    clearTimeout(typing);
    typing = setTimeout(() => setFilters(read()), 250);
  };
  search.addEventListener('input', typed);
  owner.addEventListener('input', typed);

  async function perform(id, action, button) {
    const inc = byId.get(id);
    if (!inc) return;
    let body = {};
    if (action === 'assign') {
      const v = await ask({ title: `Assign “${inc.title}”`, fields: [{ name: 'assignee', label: 'Owner (person or team; empty to unassign)', value: inc.assignee ?? session.me?.name ?? '' }], submit: 'Assign' });
      if (v === null) return;
      body = { assignee: v.assignee.trim() === '' ? null : v.assignee.trim() };
    }
    const done = await busy(button, () => act(id, action, body));
    if (done) {
      // The answer is the whole incident; the board keeps its summary.
      const { members: _m, rootCauses: _r, timeline: _t, items: _i, ...summary } = done;
      upsert(summary);
      notify(`${action === 'ack' ? 'Acknowledged' : action === 'assign' ? (body.assignee ? `Assigned to ${body.assignee}` : 'Unassigned') : 'Resolved'}: ${done.title}`);
    }
  }

  body.addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-id]');
    if (!tr) return;
    const button = e.target.closest('button[data-action]');
    if (button) {
      e.preventDefault();
      void perform(tr.dataset.id, button.dataset.action, button);
      return;
    }
    select(tr.dataset.id);
  });
  body.addEventListener('dblclick', (e) => {
    const tr = e.target.closest('tr[data-id]');
    if (tr) location.hash = `#/incidents/${encodeURIComponent(tr.dataset.id)}`;
  });

  function select(id) {
    selected = id;
    const i = rows.findIndex((r) => r.id === id);
    if (i >= 0) list.reveal(i);
    list.refresh();
  }

  function onKey(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || document.querySelector('dialog[open]')) {
      if (e.key === 'Escape' && t instanceof HTMLElement) t.blur();
      return;
    }
    const at = rows.findIndex((r) => r.id === selected);
    const move = (d) => {
      const next = rows[Math.max(0, Math.min(rows.length - 1, (at < 0 ? -1 : at) + d))];
      if (next) select(next.id);
    };
    const row = () => body.querySelector(`tr[data-id="${CSS.escape(selected ?? '')}"]`);
    switch (e.key) {
      case 'j':
      case 'ArrowDown':
        move(1);
        break;
      case 'k':
      case 'ArrowUp':
        move(-1);
        break;
      case 'Enter':
        if (selected) location.hash = `#/incidents/${encodeURIComponent(selected)}`;
        break;
      case '/':
        search.focus();
        break;
      case 'w':
        document.body.classList.toggle('wall');
        setFilters(filters);
        break;
      case 'a':
      case 'r':
      case 'o':
        if (selected && writer) void perform(selected, e.key === 'a' ? 'ack' : e.key === 'r' ? 'resolve' : 'assign', row()?.querySelector('button'));
        break;
      default:
        return;
    }
    e.preventDefault();
  }
  document.addEventListener('keydown', onKey);

  if (params.get('wall') === '1') document.body.classList.add('wall');
  /** An incident.sla message: the row's SLA state changed (scheduled, breached, escalated, cancelled). */
  function patchSla(id, sla) {
    const inc = byId.get(id);
    if (!inc) return;
    inc.sla = sla;
    inc.slaVersion = (inc.slaVersion ?? 0) + 1;
    list.refresh();
  }
  const unsubscribe = stream.subscribe((m) => {
    if (m.type === 'incident.sla') patchSla(m.incidentId, m.sla);
    else if (m.incident) upsert(m.incident, true, m.type === 'incident.created');
  });
  const unreset = stream.onReset(() => void reload());
  const timers = [
    setInterval(() => {
      tick++;
      list.refresh();
    }, 15_000),
  ];
  void stream.ready().then(() => void reload());

  return {
    storm: showStorm,
    update(next) {
      const f = filtersOf(next);
      if (JSON.stringify(f) !== JSON.stringify(filters)) setFilters(f, false);
    },
    unmount() {
      generation++;
      unsubscribe();
      unreset();
      for (const t of timers) clearInterval(t);
      clearTimeout(totalTimer);
      document.removeEventListener('keydown', onKey);
      list.destroy();
    },
  };
}
