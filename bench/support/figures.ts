/** Shared by the benchmarks: percentiles, number formatting and a progress line. */

/** The p-th percentile of an ascending list (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '–');

/**
 * A progress line on stderr: rewritten in place on a terminal; elsewhere (CI logs, files) one
 * line every 5 s, so a log stays readable. `final` always prints and ends the line.
 */
export function progressLine(): (line: string, final?: boolean) => void {
  let last = 0;
  return (line, final = false) => {
    if (process.stderr.isTTY) {
      process.stderr.write(final ? `\r${line}\n` : `\r${line}   `);
      return;
    }
    const now = performance.now();
    if (final || now - last >= 5_000) {
      last = now;
      process.stderr.write(`${line}\n`);
    }
  };
}
