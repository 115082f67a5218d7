// The live board: loads open incidents, then applies stream messages by sequence
// number. On a dropped connection it reconnects with ?since=<last seq> and catches up.
// Signing in: when /api/v1/auth/me answers 401 the login form shows; a login sets the
// session cookie (HttpOnly), which the API calls and the websocket then send by themselves.
const ACTIVE = new Set(['open', 'acknowledged']);
const RANK = { critical: 5, fatal: 5, emergency: 5, disaster: 5, page: 5, high: 4, error: 4, major: 4, warning: 3, warn: 3, average: 3, minor: 3, info: 2, informational: 2, low: 2, notice: 2 };
const incidents = new Map();
let lastSeq = null;
let retryMs = 500;
let socket = null;

const $ = (id) => document.getElementById(id);

function rank(sev) { return RANK[String(sev).toLowerCase()] ?? 1; }

function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function render(freshId) {
  const list = [...incidents.values()]
    .filter((i) => ACTIVE.has(i.status))
    .sort((a, b) => rank(b.severity) - rank(a.severity) || Date.parse(b.lastEventAt) - Date.parse(a.lastEventAt));
  const rows = $('rows');
  rows.replaceChildren(
    ...list.map((i) => {
      const tr = document.createElement('tr');
      tr.dataset.id = i.id;
      if (i.id === freshId) tr.className = 'fresh';
      const sev = document.createElement('td');
      const badge = document.createElement('span');
      badge.className = `sev sev-${rank(i.severity)}`;
      badge.textContent = i.severity;
      sev.append(badge);
      tr.append(sev, cell(i.title, 'title'), cell(i.groupKey.split('=').slice(1).join('=')), cell(`${i.firingCount}/${i.alertCount}`), cell(i.status), cell(ago(i.startedAt)), cell(ago(i.lastEventAt)));
      return tr;
    }),
  );
  $('count').textContent = String(list.length);
  $('alerts').textContent = String(list.reduce((n, i) => n + i.firingCount, 0));
  $('empty').hidden = list.length > 0;
}

async function loadBoard() {
  const res = await fetch('/api/v1/incidents?status=open,acknowledged&limit=500');
  if (!res.ok) throw new Error(`incidents: HTTP ${res.status}`);
  const body = await res.json();
  incidents.clear();
  for (const i of body.items) incidents.set(i.id, i);
  render();
}

function setConn(up) {
  const el = $('conn');
  el.className = `conn ${up ? 'up' : 'down'}`;
  el.textContent = up ? 'live' : 'reconnecting…';
}

/** Applies one stream message on top of the board; older or repeated ones are skipped. */
function apply(m) {
  if (typeof m.seq !== 'number' || (lastSeq !== null && m.seq <= lastSeq)) return;
  lastSeq = m.seq;
  if (m.type === 'incident.created' || m.type === 'incident.updated') {
    incidents.set(m.incident.id, m.incident);
    render(m.incident.id);
  }
}

function connect() {
  const url = new URL('/api/v1/stream', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  if (lastSeq !== null) url.searchParams.set('since', String(lastSeq));
  const ws = new WebSocket(url);
  socket = ws;
  // While the board loads, stream messages wait here: applying them before the list
  // arrives would let the (older) list overwrite them.
  let held = null;
  const reload = async (seq) => {
    held = [];
    try {
      await loadBoard();
      lastSeq = seq;
      for (const m of held) apply(m);
    } finally {
      held = null;
    }
  };
  ws.onmessage = async (e) => {
    const m = JSON.parse(e.data);
    if (m.type === 'hello') {
      retryMs = 500;
      // First connection: take the board as of now; later messages apply on top.
      if (lastSeq === null) await reload(m.seq);
      setConn(true);
      return;
    }
    if (m.type === 'reset') {
      await reload(m.seq);
      return;
    }
    if (held) held.push(m);
    else apply(m);
  };
  ws.onclose = async () => {
    if (socket !== ws) return; // logged out: closed on purpose
    setConn(false);
    // A refused upgrade or an expired session looks like any close: ask who we are.
    const me = await fetch('/api/v1/auth/me').catch(() => null);
    if (me && me.status === 401) return showLogin();
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  };
}

function showLogin() {
  socket = null;
  $('main').hidden = true;
  $('who').hidden = true;
  $('login').hidden = false;
  $('username').focus();
}

function signedIn(me) {
  $('login').hidden = true;
  $('main').hidden = false;
  $('who').hidden = false;
  $('user').textContent = me.kind === 'anonymous' ? 'anonymous (sign-in not required)' : `${me.user?.displayName ?? me.name} · ${me.role}`;
  $('logout').hidden = me.kind !== 'user';
  connect();
}

async function start() {
  const res = await fetch('/api/v1/auth/me');
  if (res.status === 401) return showLogin();
  if (!res.ok) throw new Error(`auth/me: HTTP ${res.status}`);
  signedIn(await res.json());
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const error = $('login-error');
  error.hidden = true;
  const res = await fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: $('username').value, password: $('password').value }),
  });
  $('password').value = '';
  if (!res.ok) {
    const problem = await res.json().catch(() => ({}));
    error.textContent = res.status === 401 ? 'Wrong username or password.' : (problem.detail ?? `HTTP ${res.status}`);
    error.hidden = false;
    return;
  }
  const me = await fetch('/api/v1/auth/me');
  signedIn(await me.json());
});

$('logout').addEventListener('click', async (e) => {
  e.preventDefault();
  const ws = socket;
  socket = null;
  ws?.close();
  await fetch('/api/v1/auth/logout', { method: 'POST' });
  incidents.clear();
  lastSeq = null;
  render();
  showLogin();
});

start();
setInterval(() => render(), 30_000);
