/**
 * Small self-contained SVG charts for the evaluation reports (bench/results/*.svg): a
 * grouped bar chart (one group per category, one bar per series, an optional target line)
 * and a line chart (optionally log-scaled x). Plain strings, no dependencies, so a report can
 * be opened in any browser or embedded in a page as it is.
 */

export interface BarSeries {
  name: string;
  values: readonly number[];
}

export interface BarChartSpec {
  title: string;
  categories: readonly string[];
  series: readonly BarSeries[];
  yLabel: string;
  yMin?: number;
  yMax?: number;
  /** A dashed horizontal line, e.g. the target. */
  target?: { value: number; label: string };
}

export interface LineSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
}

export interface LineChartSpec {
  title: string;
  series: readonly LineSeries[];
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  yMin?: number;
}

/** Distinguishable on white and for the common colour-vision deficiencies (Okabe–Ito). */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

const WIDTH = 960;
const HEIGHT = 460;
const MARGIN = { top: 48, right: 200, bottom: 120, left: 64 };

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const num = (x: number) => (Math.round(x * 10) / 10).toString();

/** About five round steps between lo and hi. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number((Math.round(t / step) * step).toPrecision(12)));
  return ticks;
}

function frame(title: string, body: string[], legend: readonly string[]): string {
  const items = legend.map(
    (name, i) =>
      `<g transform="translate(${WIDTH - MARGIN.right + 16},${MARGIN.top + i * 20})"><rect width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="18" y="10">${escapeXml(name)}</text></g>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    ...items,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(lo: number, hi: number, y: (v: number) => number, label: string, plotW: number): string[] {
  const out = niceTicks(lo, hi).map(
    (t) =>
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${num(y(t))}" y2="${num(y(t))}" stroke="#e5e5e5"/><text x="${MARGIN.left - 6}" y="${num(y(t) + 4)}" text-anchor="end">${t}</text>`,
  );
  const mid = MARGIN.top + (HEIGHT - MARGIN.top - MARGIN.bottom) / 2;
  out.push(`<text transform="translate(16,${num(mid)}) rotate(-90)" text-anchor="middle">${escapeXml(label)}</text>`);
  return out;
}

export function barChart(spec: BarChartSpec): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const all = spec.series.flatMap((s) => s.values).filter(Number.isFinite);
  const lo = spec.yMin ?? Math.min(0, ...all);
  const hi = spec.yMax ?? Math.max(...all, spec.target?.value ?? Number.NEGATIVE_INFINITY);
  const y = (v: number) => MARGIN.top + plotH - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo || 1)) * plotH;
  const groupW = plotW / Math.max(1, spec.categories.length);
  const barW = (groupW * 0.8) / Math.max(1, spec.series.length);
  const body = yAxis(lo, hi, y, spec.yLabel, plotW);
  spec.categories.forEach((cat, c) => {
    const x0 = MARGIN.left + c * groupW + groupW * 0.1;
    spec.series.forEach((s, k) => {
      const v = s.values[c]!;
      if (!Number.isFinite(v)) return;
      const top = y(v);
      body.push(
        `<rect class="bar" x="${num(x0 + k * barW)}" y="${num(top)}" width="${num(barW - 1)}" height="${num(y(lo) - top)}" fill="${PALETTE[k % PALETTE.length]}"><title>${escapeXml(`${s.name} · ${cat}: ${v.toFixed(3)}`)}</title></rect>`,
      );
    });
    const cx = x0 + groupW * 0.4;
    body.push(`<text transform="translate(${num(cx)},${MARGIN.top + plotH + 14}) rotate(25)" text-anchor="start">${escapeXml(cat)}</text>`);
  });
  if (spec.target) {
    const ty = y(spec.target.value);
    body.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${num(ty)}" y2="${num(ty)}" stroke="#c00" stroke-dasharray="6 4"/><text x="${MARGIN.left + 4}" y="${num(ty - 4)}" fill="#c00">${escapeXml(spec.target.label)}</text>`,
    );
  }
  body.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${num(y(lo))}" y2="${num(y(lo))}" stroke="#333"/>`);
  return frame(spec.title, body, spec.series.map((s) => s.name));
}

export function lineChart(spec: LineChartSpec): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const pts = spec.series.flatMap((s) => s.points);
  const fx = (x: number) => (spec.logX ? Math.log10(x) : x);
  const xs = pts.map((p) => fx(p[0]));
  const ys = pts.map((p) => p[1]);
  const xLo = Math.min(...xs);
  const xHi = Math.max(...xs);
  const yLo = spec.yMin ?? Math.min(0, ...ys);
  const yHi = Math.max(...ys) * 1.1 || 1;
  const x = (v: number) => MARGIN.left + ((fx(v) - xLo) / (xHi - xLo || 1)) * plotW;
  const y = (v: number) => MARGIN.top + plotH - ((v - yLo) / (yHi - yLo || 1)) * plotH;
  const body = yAxis(yLo, yHi, y, spec.yLabel, plotW);
  const xTicks = [...new Set(pts.map((p) => p[0]))].sort((a, b) => a - b);
  for (const t of xTicks) body.push(`<text x="${num(x(t))}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${t.toLocaleString('en-US')}</text>`);
  body.push(`<text x="${num(MARGIN.left + plotW / 2)}" y="${MARGIN.top + plotH + 40}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  spec.series.forEach((s, k) => {
    const colour = PALETTE[k % PALETTE.length];
    const path = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${num(x(p[0]))},${num(y(p[1]))}`).join(' ');
    body.push(`<path class="line" d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const p of s.points) body.push(`<circle cx="${num(x(p[0]))}" cy="${num(y(p[1]))}" r="3" fill="${colour}"><title>${escapeXml(`${s.name}: ${p[1].toFixed(1)} at ${p[0].toLocaleString('en-US')}`)}</title></circle>`);
  });
  body.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${num(y(yLo))}" y2="${num(y(yLo))}" stroke="#333"/>`);
  return frame(spec.title, body, spec.series.map((s) => s.name));
}
