// Small DOM helpers and formatting shared by the pages: no framework, just elements.

/** h('a', { href, class, onclick, dataset }, ...children): an element; null/false children are skipped. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/** Replaces an element's children; null/false children are skipped, as in h(). */
export function put(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export const $ = (id) => document.getElementById(id);

const RANK = { critical: 5, fatal: 5, emergency: 5, disaster: 5, page: 5, high: 4, error: 4, major: 4, warning: 3, warn: 3, average: 3, minor: 3, info: 2, informational: 2, information: 2, low: 2, notice: 2 };

export function sevRank(sev) {
  return RANK[String(sev).toLowerCase()] ?? 1;
}

export function sevBadge(sev) {
  return h('span', { class: `sev sev-${sevRank(sev)}`, text: sev });
}

export function statusChip(status) {
  return h('span', { class: `chip st-${String(status).replace(/[^a-z_]/gi, '')}`, text: String(status).replace('_', ' ') });
}

export function ago(iso, now = Date.now()) {
  if (!iso) return '–';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** A short duration since `iso`, for an age column: 45 s, 12 min, 3 h, 2 d. */
export function age(iso, now = Date.now()) {
  return ago(iso, now).replace(' ago', '');
}

/** ms as a short duration: 45s, 12m, 3h 05m. */
export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function num(n, digits = 0) {
  return typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : '–';
}

/** The value part of a group key `service=checkout`. */
export function serviceOf(groupKey) {
  const i = String(groupKey).indexOf('=');
  return i >= 0 ? groupKey.slice(i + 1) : groupKey;
}

let noticeTimer;
/**
 * Shows a message in the notice bar: an ApiError as its status, title and the server's
 * detail (a refusal stays until dismissed), anything else as given.
 */
export function notify(what, kind = 'info') {
  const bar = $('notice');
  if (!bar) return;
  clearTimeout(noticeTimer);
  const isError = kind === 'error' || what instanceof Error;
  let text = String(what);
  if (what && typeof what === 'object' && 'status' in what && 'detail' in what) text = `${what.status} ${what.title}: ${what.detail}`;
  else if (what instanceof Error) text = what.message;
  bar.className = `notice ${isError ? 'error' : 'ok'}`;
  put(bar, h('span', { class: 'notice-text', text }), h('button', { class: 'link', type: 'button', text: 'dismiss', onclick: () => (bar.hidden = true) }));
  bar.hidden = false;
  if (!isError) noticeTimer = setTimeout(() => (bar.hidden = true), 4000);
}

/**
 * A small modal form; resolves with the values by field name, or null when cancelled.
 * fields: [{ name, label, type: 'text'|'textarea'|'select', value, required, options }]
 */
export function ask({ title, fields, submit = 'OK' }) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'ask' });
    const form = h('form', { method: 'dialog' });
    const inputs = fields.map((f) => {
      let input;
      if (f.type === 'textarea') input = h('textarea', { name: f.name, rows: 4, required: f.required });
      else if (f.type === 'select') input = h('select', { name: f.name }, ...f.options.map((o) => h('option', { value: o, text: o })));
      else input = h('input', { name: f.name, required: f.required, autocomplete: 'off', placeholder: f.placeholder });
      if (f.value !== undefined) input.value = f.value;
      return h('label', {}, f.label, input);
    });
    const cancel = h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => dialog.close('cancel') });
    form.append(h('h3', { text: title }), ...inputs, h('div', { class: 'buttons' }, cancel, h('button', { type: 'submit', value: 'ok', text: submit })));
    dialog.append(form);
    document.body.append(dialog);
    dialog.addEventListener('close', () => {
      const ok = dialog.returnValue === 'ok';
      const values = Object.fromEntries(new FormData(form).entries());
      dialog.remove();
      resolve(ok ? values : null);
    });
    dialog.showModal();
    form.querySelector('input, textarea, select')?.focus();
  });
}

/** Runs an action button's work with the button disabled; refusals go to the notice bar. */
export async function busy(button, work) {
  if (button) button.disabled = true;
  try {
    return await work();
  } catch (err) {
    notify(err, 'error');
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}
