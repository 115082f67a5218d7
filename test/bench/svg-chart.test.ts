/**
 * The evaluation reports' SVG charts: one bar per category and series, heights proportional
 * to the values on the axis, text escaped, and lines through every point.
 */
import { describe, expect, it } from 'vitest';
import { barChart, lineChart, niceTicks } from '../../bench/support/svg-chart.ts';

const attr = (el: string, name: string) => Number(new RegExp(`${name}="([-0-9.]+)"`).exec(el)![1]);

describe('barChart', () => {
  const svg = barChart({
    title: 'F1 <by> scenario & method',
    categories: ['small', 'large', 'storm'],
    series: [
      { name: 'ours', values: [0.9, 0.6, 0.3] },
      { name: 'by-name', values: [0.45, Number.NaN, 0.15] },
    ],
    yLabel: 'F1',
    yMin: 0,
    yMax: 1,
    target: { value: 0.95, label: 'target' },
  });
  const bars = svg.match(/<rect class="bar"[^>]*>/g) ?? [];

  it('draws one bar per finite value, tallest for the largest, proportional to the value', () => {
    expect(bars).toHaveLength(5);
    const heights = bars.map((b) => attr(b, 'height'));
    expect(heights[1]! / heights[0]!).toBeCloseTo(0.5, 1);
    expect(heights[3]! / heights[0]!).toBeCloseTo(1 / 3, 1);
    expect(heights[4]! / heights[0]!).toBeCloseTo(1 / 6, 1);
    // Bars stand on the same baseline.
    const bottoms = bars.map((b) => attr(b, 'y') + attr(b, 'height'));
    expect(Math.max(...bottoms) - Math.min(...bottoms)).toBeLessThan(0.2);
  });

  it('escapes text, draws the target line and a legend entry per series', () => {
    expect(svg).toContain('F1 &lt;by&gt; scenario &amp; method');
    expect(svg).not.toContain('<by>');
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toMatch(/<text x="18" y="10">ours<\/text>/);
    expect(svg).toMatch(/<text x="18" y="10">by-name<\/text>/);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });
});

describe('lineChart', () => {
  it('puts a point per value on a path, evenly spaced on a log x axis for decades', () => {
    const svg = lineChart({
      title: 'cost',
      series: [{ name: 'µs', points: [[10, 5], [100, 10], [1000, 20]] }],
      xLabel: 'events',
      yLabel: 'µs',
      logX: true,
      yMin: 0,
    });
    const circles = svg.match(/<circle [^>]*>/g) ?? [];
    expect(circles).toHaveLength(3);
    const xs = circles.map((c) => attr(c, 'cx'));
    expect(xs[2]! - xs[1]!).toBeCloseTo(xs[1]! - xs[0]!, 0);
    const ys = circles.map((c) => attr(c, 'cy'));
    // Higher values are drawn higher (smaller y).
    expect(ys[0]!).toBeGreaterThan(ys[1]!);
    expect(ys[1]!).toBeGreaterThan(ys[2]!);
    expect(svg.match(/<path class="line" d="M[^"]+"/g)).toHaveLength(1);
  });
});

describe('niceTicks', () => {
  it('gives round steps covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 47)).toEqual([0, 10, 20, 30, 40]);
  });
});
