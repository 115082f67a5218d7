// The console's entry: sign-in, the live stream, and hash routing between the pages
//   #/board  #/incidents/:id  #/topology  #/problems  #/problems/:id
// When /api/v1/auth/me answers 401 the login form shows; a login sets the session cookie
// (HttpOnly), which API calls and the websocket then send by themselves. Buttons follow the
// user's permissions, but the server decides: a refusal is shown with the server's words.
import { Stream, api, onForbidden, onUnauthorized, session } from './api.js';
import { mount as board } from './board.js';
import { $, notify } from './dom.js';

// The board is part of the first paint; the other pages load when first opened.
const incident = lazy(() => import('./incident.js'), 'mount');
const topology = lazy(() => import('./topology.js'), 'mount');
const problems = lazy(() => import('./problems.js'), 'mountList');
const problem = lazy(() => import('./problems.js'), 'mountDetail');

/** A page mounted once its module is loaded; unmounting before that cancels the mount. */
function lazy(load, name) {
  return (root, params, ctx) => {
    let view = null;
    let gone = false;
    load()
      .then((m) => {
        if (!gone) view = m[name](root, params, ctx);
      })
      .catch((err) => notify(err, 'error'));
    return {
      update: (p) => view?.update?.(p),
      storm: (s) => view?.storm?.(s),
      unmount() {
        gone = true;
        view?.unmount();
      },
    };
  };
}

const stream = new Stream({ onStatus: setConn });
let current = null;
let storm = null;
const STORM_POLL_MS = 10_000;

// For tests and debugging in the browser's console.
globalThis.__aiops = { stream };

function setConn(state) {
  const el = $('conn');
  el.className = `conn ${state === 'live' ? 'up' : 'down'}`;
  el.textContent = state === 'live' ? 'live' : state === 'down' ? 'reconnecting…' : 'connecting…';
}

function route() {
  const raw = location.hash.replace(/^#/, '') || '/board';
  const [path, qs = ''] = raw.split('?');
  const params = new URLSearchParams(qs);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'incidents' && parts[1]) return { name: 'incident', key: `incident:${parts[1]}`, page: incident, params, id: parts[1] };
  if (parts[0] === 'topology') return { name: 'topology', key: 'topology', page: topology, params };
  if (parts[0] === 'problems' && parts[1]) return { name: 'problems', key: `problem:${parts[1]}`, page: problem, params, id: parts[1] };
  if (parts[0] === 'problems') return { name: 'problems', key: `problems:${qs}`, page: problems, params };
  return { name: 'board', key: 'board', page: board, params };
}

function navigate() {
  if (!session.me) return;
  const r = route();
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === r.name);
  if (current && current.key === r.key) {
    current.view.update?.(r.params);
    return;
  }
  current?.view.unmount();
  document.body.classList.remove('wall');
  if (r.name !== 'incident' && r.name !== 'problems') document.title = 'Incidents · AIOps incident engine';
  const first = firstBoard;
  firstBoard = null;
  const view = r.page($('view'), r.params, { stream, id: r.id, first: r.name === 'board' ? first : null });
  current = { key: r.key, view };
  if (storm) view.storm?.(storm);
}

/** The header's counts and the board's storm indicator: polled, and soon after stream activity. */
async function refreshStorm() {
  if (!session.me) return;
  try {
    storm = await api('/api/v1/stats/storm');
  } catch {
    return; // the next poll tries again
  }
  $('count').textContent = storm.active.incidents.toLocaleString('en-US');
  $('alerts').textContent = storm.active.firingAlerts.toLocaleString('en-US');
  current?.view.storm?.(storm);
}
let stormSoon = 0;
stream.subscribe(() => {
  if (!stormSoon) stormSoon = setTimeout(() => ((stormSoon = 0), refreshStorm()), 2000);
});
setInterval(refreshStorm, STORM_POLL_MS);

function showLogin() {
  current?.view.unmount();
  current = null;
  session.me = null;
  stream.stop();
  $('main').hidden = true;
  $('who').hidden = true;
  $('nav').hidden = true;
  $('login').hidden = false;
  $('username').focus();
}

/** The board's first page asked by index.html, and the stream position it is at. */
let firstBoard = null;

function signedIn(me) {
  session.me = me;
  $('login').hidden = true;
  $('main').hidden = false;
  $('who').hidden = false;
  $('nav').hidden = false;
  $('user').textContent = me.kind === 'anonymous' ? 'anonymous (sign-in not required)' : `${me.user?.displayName ?? me.name} · ${me.role}`;
  $('logout').hidden = me.kind !== 'user';
  stream.start();
  navigate();
  void refreshStorm();
}

async function start() {
  // index.html asked already, while the modules were loading.
  const early = globalThis.__aiopsMe;
  delete globalThis.__aiopsMe;
  const res = (await early) ?? (await fetch('/api/v1/auth/me'));
  if (res.status === 401) return showLogin();
  if (!res.ok) throw new Error(`auth/me: HTTP ${res.status}`);
  const me = await res.json();
  // With the board's rows read already, the stream resumes right after them: no wait for a
  // hello before reading, and nothing between the read and the stream is missed.
  const board = await globalThis.__aiopsBoard;
  delete globalThis.__aiopsBoard;
  if (board && typeof board.seq === 'number') {
    firstBoard = board;
    stream.resumeFrom(board.seq);
  }
  signedIn(me);
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
  signedIn(await api('/api/v1/auth/me'));
});

$('logout').addEventListener('click', async (e) => {
  e.preventDefault();
  await fetch('/api/v1/auth/logout', { method: 'POST' });
  showLogin();
});

onUnauthorized(() => {
  if (session.me?.kind === 'user' || session.me === null) showLogin();
  else notify('The server asks for credentials: sign in.', 'error');
});

// A refusal may mean the role changed: redraw the page with the current permissions.
onForbidden(async () => {
  const me = await api('/api/v1/auth/me').catch(() => null);
  if (!me || !session.me || me.permissions.join() === session.me.permissions.join()) return;
  session.me = me;
  $('user').textContent = `${me.user?.displayName ?? me.name} · ${me.role}`;
  current?.view.unmount();
  current = null;
  navigate();
});

window.addEventListener('hashchange', navigate);
start().catch((err) => notify(err, 'error'));
