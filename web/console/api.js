// The console's one door to the server: JSON calls that turn refusals into ApiError (with the
// problem+json detail to show), who is signed in and what they may do, and the live stream.
//
// The stream keeps one websocket. It reconnects with backoff (0.5 s doubling to 10 s, with
// jitter) and resumes with ?since=<last seq>, so the server replays what was missed; a message
// whose seq is not above the last one applied is dropped, so nothing is applied twice. Pages
// subscribe to messages and to `reset` (the server's log no longer reaches back: reload).

/** A refusal or failure of the API, carrying the problem document when there is one. */
export class ApiError extends Error {
  constructor(status, problem) {
    const detail = problem?.detail || problem?.title || `HTTP ${status}`;
    super(detail);
    this.status = status;
    this.problem = problem ?? null;
    this.detail = detail;
    this.title = problem?.title ?? `HTTP ${status}`;
  }
}

const listeners = { unauthorized: new Set(), forbidden: new Set() };

/** Called when the server says the session is gone (401). */
export function onUnauthorized(fn) {
  listeners.unauthorized.add(fn);
}

/** Called after a 403: the user's role may have changed since the page was drawn. */
export function onForbidden(fn) {
  listeners.forbidden.add(fn);
}

export async function api(path, { method = 'GET', body, signal } = {}) {
  const init = { method, signal, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await res.json().catch(() => null) : null;
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/api/v1/auth/')) for (const fn of listeners.unauthorized) fn();
    if (res.status === 403) for (const fn of listeners.forbidden) fn();
    throw new ApiError(res.status, data);
  }
  return data;
}

/** Builds a query string from the defined, non-empty values of `params`. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, String(x));
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * An operator's action on an incident. The server answers 200 with the incident once the
 * correlator has done it, or 202 with a command to poll when the correlator is busy.
 */
export async function act(incidentId, action, body = {}) {
  const out = await api(`/api/v1/incidents/${encodeURIComponent(incidentId)}/${action}`, { method: 'POST', body });
  if (!out || out.status !== 'pending' || !out.commandId) return out;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const cmd = await api(`/api/v1/incident-commands/${encodeURIComponent(out.commandId)}`);
    if (cmd.status === 'done') return api(`/api/v1/incidents/${encodeURIComponent(cmd.result?.incidentId ?? incidentId)}`);
    if (cmd.status === 'failed') throw new ApiError(cmd.result?.status ?? 409, cmd.result);
  }
  throw new ApiError(504, { title: 'Still pending', detail: `the ${action} is queued but not done yet; it will apply when the correlator gets to it` });
}

/** Who is signed in: `null` before sign-in. */
export const session = { me: null };

export function can(permission) {
  return Boolean(session.me?.permissions?.includes(permission));
}

export class Stream {
  constructor({ onStatus } = {}) {
    this.onStatus = onStatus ?? (() => {});
    this.lastSeq = null;
    this.retryMs = 500;
    this.socket = null;
    this.subscribers = new Set();
    this.resetters = new Set();
    this.readyWaiters = [];
    this.connected = false;
    this.stopped = true;
    // For tests and the curious: every seq applied, and what was dropped as already seen.
    this.stats = { seqs: [], duplicates: 0, connects: 0, resets: 0 };
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    const ws = this.socket;
    this.socket = null;
    ws?.close();
    this.lastSeq = null;
    this.connected = false;
  }

  /** Before start(): the state shown is as of `seq`, so the first connection asks for what came after. */
  resumeFrom(seq) {
    this.lastSeq = seq;
  }

  /** Resolves once the first hello came: pages read their state after it, so no update falls between. */
  ready() {
    if (this.lastSeq !== null) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  subscribe(fn) {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  onReset(fn) {
    this.resetters.add(fn);
    return () => this.resetters.delete(fn);
  }

  connect() {
    if (this.stopped) return;
    const url = new URL('/api/v1/stream', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.lastSeq !== null) url.searchParams.set('since', String(this.lastSeq));
    const ws = new WebSocket(url);
    this.socket = ws;
    ws.onmessage = (e) => {
      if (this.socket !== ws) return;
      let m;
      try {
        m = JSON.parse(e.data);
      } catch {
        return;
      }
      this.receive(m);
    };
    ws.onclose = () => this.closed(ws);
  }

  receive(m) {
    if (m.type === 'hello') {
      this.retryMs = 500;
      this.connected = true;
      this.stats.connects++;
      this.onStatus('live');
      if (this.lastSeq === null) {
        this.lastSeq = m.seq;
        for (const r of this.readyWaiters.splice(0)) r();
      }
      return;
    }
    if (m.type === 'reset') {
      this.lastSeq = m.seq;
      this.stats.resets++;
      for (const fn of this.resetters) fn();
      return;
    }
    if (typeof m.seq !== 'number') return;
    if (this.lastSeq !== null && m.seq <= this.lastSeq) {
      this.stats.duplicates++;
      return;
    }
    this.lastSeq = m.seq;
    if (this.stats.seqs.length < 200_000) this.stats.seqs.push(m.seq);
    for (const fn of this.subscribers) {
      try {
        fn(m);
      } catch (err) {
        console.error(err);
      }
    }
  }

  async closed(ws) {
    if (this.socket !== ws || this.stopped) return;
    this.connected = false;
    this.onStatus('down');
    // A refused upgrade or an expired session looks like any close: ask who we are.
    const me = await fetch('/api/v1/auth/me', { credentials: 'same-origin' }).catch(() => null);
    if (this.socket !== ws || this.stopped) return;
    if (me && me.status === 401) {
      for (const fn of listeners.unauthorized) fn();
      return;
    }
    const wait = this.retryMs * (0.8 + Math.random() * 0.4);
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
    setTimeout(() => {
      if (this.socket === ws) this.connect();
    }, wait);
  }
}
