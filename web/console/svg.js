// Inline SVG drawn by hand: a line chart for metric series, a bar chart for problem
// frequency, a sparkline. Plain elements, no library.

import { duration } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
export const PALETTE = ['#3e9bff', '#f76b15', '#30a46c', '#e5484d', '#ffc53d', '#8e4ec6', '#12a594', '#d6409f'];

export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

function niceNumber(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
  return v.toPrecision(3);
}

function timeLabel(ms, spanMs) {
  const d = new Date(ms);
  if (spanMs > 2 * 86_400_000) return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/**
 * series: [{ label, points: [[ms, value], …] }]; from/to in ms; marks: [{ at: ms, label }]
 * (vertical lines, e.g. the incident's start). Returns an <svg> that scales to its box.
 */
export function lineChart({ series, from, to, marks = [], width = 720, height = 220 }) {
  const pad = { l: 48, r: 12, t: 12, b: 24 };
  const w = width - pad.l - pad.r;
  const hgt = height - pad.t - pad.b;
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) for (const [, v] of s.points) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) {
    min = 0;
    max = 1;
  }
  if (min === max) {
    min -= 1;
    max += 1;
  }
  const x = (t) => pad.l + ((t - from) / (to - from)) * w;
  const y = (v) => pad.t + hgt - ((v - min) / (max - min)) * hgt;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart line-chart', role: 'img', 'aria-label': 'metric chart' });
  for (let i = 0; i <= 4; i++) {
    const v = min + ((max - min) * i) / 4;
    root.append(svg('line', { x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v), class: 'grid' }), svg('text', { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, niceNumber(v)));
  }
  for (let i = 0; i <= 4; i++) {
    const t = from + ((to - from) * i) / 4;
    root.append(svg('text', { x: x(t), y: height - 6, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle', class: 'tick' }, timeLabel(t, to - from)));
  }
  for (const m of marks) {
    if (m.at < from || m.at > to) continue;
    root.append(svg('line', { x1: x(m.at), x2: x(m.at), y1: pad.t, y2: pad.t + hgt, class: 'mark' }), svg('text', { x: x(m.at) + 4, y: pad.t + 10, class: 'mark-label' }, m.label));
  }
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map(([t, v], k) => `${k === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('');
    const path = svg('path', { d, class: 'series', stroke: PALETTE[i % PALETTE.length] });
    path.append(svg('title', {}, s.label));
    root.append(path);
    if (s.points.length === 1) root.append(svg('circle', { cx: x(s.points[0][0]), cy: y(s.points[0][1]), r: 3, fill: PALETTE[i % PALETTE.length] }));
  });
  return root;
}

/** bars: [{ label, value }], drawn left to right with the value in each bar's tooltip. */
export function barChart({ bars, width = 720, height = 160, labelEvery }) {
  const pad = { l: 32, r: 8, t: 8, b: 22 };
  const w = width - pad.l - pad.r;
  const hgt = height - pad.t - pad.b;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const bw = w / Math.max(1, bars.length);
  const every = labelEvery ?? Math.max(1, Math.ceil(bars.length / 8));
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart bar-chart', role: 'img', 'aria-label': 'bar chart' });
  for (const v of [0, Math.ceil(max / 2), max]) {
    const yy = pad.t + hgt - (v / max) * hgt;
    root.append(svg('line', { x1: pad.l, x2: width - pad.r, y1: yy, y2: yy, class: 'grid' }), svg('text', { x: pad.l - 4, y: yy + 4, 'text-anchor': 'end', class: 'tick' }, String(v)));
  }
  bars.forEach((b, i) => {
    const bh = (b.value / max) * hgt;
    const rect = svg('rect', { x: pad.l + i * bw + 1, y: pad.t + hgt - bh, width: Math.max(1, bw - 2), height: bh, class: b.value > 0 ? 'bar' : 'bar zero', 'data-day': b.label, 'data-count': b.value });
    rect.append(svg('title', {}, `${b.label}: ${b.value}`));
    root.append(rect);
    if (i % every === 0) root.append(svg('text', { x: pad.l + i * bw + bw / 2, y: height - 6, 'text-anchor': 'middle', class: 'tick' }, b.label.slice(5)));
  });
  return root;
}

/** A tiny line of `values` (one per step), for table cells. */
export function sparkline(values, { width = 120, height = 24, className = 'spark' } = {}) {
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const d = values.map((v, i) => `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join('');
  return svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: className, 'aria-hidden': 'true' }, svg('path', { d: d || `M0,${height - 2}L${width},${height - 2}` }));
}

/** Every UTC day from `first` to `last` (YYYY-MM-DD) with its count from `counts` (missing days 0). */
export function dailyBars(counts, first, last) {
  const byDay = new Map(counts.map((c) => [c.day, c.count]));
  const out = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`) && out.length < 400; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push({ label: day, value: byDay.get(day) ?? 0 });
  }
  return out;
}

/** The most edges a causal diagram draws (the strongest); the list below it names them all. */
export const CAUSAL_DIAGRAM_MAX_EDGES = 12;

/**
 * A problem's learned causal patterns as a picture: alert types as boxes, left to right from
 * the types nothing triggers to those everything else triggers, an arrow from cause to effect
 * as thick as its strength, labelled with the effects per cause and the typical lag. A pattern
 * whose direction the timestamps did not settle is a dashed line without a head.
 * edges: [{ cause, effect, strength, lagSeconds, directionResolved, words }].
 */
export function causalDiagram({ edges }) {
  const shown = [...edges].sort((a, b) => b.strength - a.strength).slice(0, CAUSAL_DIAGRAM_MAX_EDGES);
  const types = [...new Set(shown.flatMap((e) => [e.cause, e.effect]))];
  // Columns by the longest settled chain leading to a type (bounded: cycles stop growing).
  const layer = new Map(types.map((t) => [t, 0]));
  for (let round = 0; round < types.length; round++) {
    let changed = false;
    for (const e of shown) {
      if (!e.directionResolved) continue;
      const next = Math.min(types.length - 1, layer.get(e.cause) + 1);
      if (next > layer.get(e.effect)) {
        layer.set(e.effect, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const columns = [];
  for (const t of types) (columns[layer.get(t)] ??= []).push(t);
  const cols = columns.filter(Boolean);
  const boxH = 28;
  const rowGap = 26;
  const colGap = 150;
  const pad = 10;
  const textW = (s) => Math.min(280, 18 + Math.min(38, s.length) * 7);
  const colW = cols.map((c) => Math.max(...c.map(textW)));
  const place = new Map();
  let x = pad;
  const rows = Math.max(...cols.map((c) => c.length));
  const height = pad * 2 + rows * boxH + (rows - 1) * rowGap;
  cols.forEach((c, i) => {
    const top = (height - (c.length * boxH + (c.length - 1) * rowGap)) / 2;
    c.forEach((t, k) => place.set(t, { x, y: top + k * (boxH + rowGap), w: textW(t), col: i }));
    x += colW[i] + colGap;
  });
  // Room on the right for bows between types of one column.
  const bows = shown.some((e) => place.get(e.effect).col <= place.get(e.cause).col);
  const width = x - colGap + pad + (bows ? 60 + height / 4 : 0);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'chart causal-diagram', role: 'img', 'aria-label': 'learned causal patterns between alert types' });
  root.append(svg('defs', {}, svg('marker', { id: 'causal-head', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0L10,5L0,10z', class: 'head' }))));
  for (const e of shown) {
    const a = place.get(e.cause);
    const b = place.get(e.effect);
    let d;
    let lx;
    let ly;
    if (b.col > a.col) {
      const x1 = a.x + a.w;
      const y1 = a.y + boxH / 2;
      const x2 = b.x;
      const y2 = b.y + boxH / 2;
      d = `M${x1},${y1} C${x1 + 50},${y1} ${x2 - 50},${y2} ${x2},${y2}`;
      lx = (x1 + x2) / 2;
      ly = (y1 + y2) / 2 - 7;
    } else {
      // Same column or backwards (a cycle, or an unsettled pair): a bow on the right.
      const x1 = a.x + a.w;
      const x2 = b.x + b.w;
      const y1 = a.y + boxH / 2;
      const y2 = b.y + boxH / 2;
      const bow = Math.max(x1, x2) + 40 + Math.abs(y2 - y1) / 4;
      d = `M${x1},${y1} C${bow},${y1} ${bow},${y2} ${x2},${y2}`;
      lx = bow - 10;
      ly = (y1 + y2) / 2;
    }
    const path = svg('path', {
      d,
      class: e.directionResolved ? 'edge' : 'edge unsettled',
      'stroke-width': (1 + Math.min(3, e.strength * 2)).toFixed(1),
      'marker-end': e.directionResolved ? 'url(#causal-head)' : null,
      'data-cause': e.cause,
      'data-effect': e.effect,
    });
    path.append(svg('title', {}, e.words));
    root.append(path, svg('text', { x: lx, y: ly, 'text-anchor': 'middle', class: 'edge-label' }, `${e.strength}× · ${duration(e.lagSeconds * 1000)}`));
  }
  for (const [t, p] of place) {
    const g = svg('g', { class: 'type', 'data-type': t, transform: `translate(${p.x},${p.y})` });
    g.append(svg('rect', { width: p.w, height: boxH, rx: 6 }), svg('text', { x: p.w / 2, y: boxH / 2 + 4, 'text-anchor': 'middle' }, t.length > 38 ? `${t.slice(0, 37)}…` : t), svg('title', {}, t));
    root.append(g);
  }
  return root;
}
