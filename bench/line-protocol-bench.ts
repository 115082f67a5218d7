/**
 * Line protocol parser micro-benchmark: `npm run bench:line-protocol -- [--seconds 0.5]
 * [--rounds 5] [--lines 5000] [--baseline path/to/line-protocol.ts]`
 *
 * Points/s of `parseLineProtocol` on Telegraf-like bodies of `--lines` lines, decoded from
 * a Buffer as fastify hands them to /api/v1/write:
 * - `cpu`: `cpu,host=web-12,region=eu-west-1,cpu=cpu3 usage_user=12.5,… <ns>`, every line
 *   its own timestamp; `cpu, batch time`: the same, 100 lines per timestamp, as a Telegraf
 *   flush sends them;
 * - `mixed`: cpu, mem (`12i`, long floats), system (strings, booleans) and disk (escaped
 *   tag value, `u` integers, escaped quotes in a string) in turn.
 * Each with `keepLines` true and false, `+ check`: keepLines and `invalidPointReason` on
 * every point (what the route and the InfluxDB adapter did together before the validator),
 * and `validate`: `validateLineProtocol` on the body's bytes, what the /write route does now
 * (with `--baseline`, only if the baseline file exports it).
 *
 * The machine is shared and the numbers noisy: each figure is the median of `--rounds`
 * runs of `--seconds`. To compare two implementations, pass the other one's file as
 * `--baseline` (for instance the old parser from `git show`, saved next to this file so
 * its imports resolve): the two are run in turn, round by round, in this process, and
 * the ratio is the median of the per-round ratios.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { invalidPointReason, parseLineProtocol } from '../engine/metrics/line-protocol.ts';
import { validateLineProtocol } from '../engine/metrics/validate-line-protocol.ts';

type Parser = { name: string; parse: typeof parseLineProtocol; check: typeof invalidPointReason; validate?: typeof validateLineProtocol };

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '0.5' },
    rounds: { type: 'string', default: '5' },
    lines: { type: 'string', default: '5000' },
    baseline: { type: 'string' },
  },
});
const seconds = positive('seconds', Number(args.seconds));
const rounds = positive('rounds', Number(args.rounds));
const lineCount = positive('lines', Number(args.lines));

function positive(name: string, n: number): number {
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

const NOW_NS = 1_700_000_300_000_000_000n;
const T0 = 1_700_000_000_000_000_000n;

/** Telegraf's `cpu` input: the same tag keys and fields on every line. */
function cpuLine(i: number, timeNs: bigint): string {
  return `cpu,host=web-${i % 50},region=eu-west-1,cpu=cpu${i % 8} usage_user=${((i * 37) % 1000) / 10},usage_system=${((i * 13) % 100) / 10},usage_idle=${((i * 7) % 1000) / 10} ${timeNs}`;
}

function mixedLine(i: number, timeNs: bigint): string {
  switch (i % 5) {
    case 2:
      return `mem,host=web-${i % 50},region=eu-west-1 active=${i * 4096}i,available=${i * 8192}i,used_percent=${(i % 1000) / 7} ${timeNs}`;
    case 3:
      return `system,host=web-${i % 50} uptime_format="${i % 30} days, ${i % 24}:0${i % 10}",load1=0.${i % 100},n_cpus=8i,healthy=true ${timeNs}`;
    case 4:
      return `disk,host=web-${i % 50},path=/var/lib\\ data,device=sda${i % 4},fstype=ext4 free=${i * 1000}u,inodes_used=${i}i,read_only=f,label="say \\"hi\\"" ${timeNs}`;
    default:
      return cpuLine(i, timeNs);
  }
}

function body(line: (i: number, timeNs: bigint) => string, linesPerTimestamp: number): string {
  const lines: string[] = [];
  for (let i = 0; i < lineCount; i++) lines.push(line(i, T0 + BigInt(Math.floor(i / linesPerTimestamp)) * 1_000_000n));
  // As fastify decodes a request body.
  return Buffer.from(lines.join('\n'), 'utf8').toString('utf8');
}

const inputs: Array<{ name: string; body: string }> = [
  { name: 'cpu', body: body(cpuLine, 1) },
  { name: 'cpu, batch time', body: body(cpuLine, 100) },
  { name: 'mixed', body: body(mixedLine, 1) },
];

const modes = [
  { name: 'keepLines', keepLines: true, check: false },
  { name: 'no lines', keepLines: false, check: false },
  { name: 'keepLines + check', keepLines: true, check: true },
  { name: 'validate', keepLines: false, check: false, validate: true },
];

/** Points per second for `seconds`. */
function measure(parser: Parser, text: string, keepLines: boolean, check: boolean, validate = false): number {
  let points = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  if (validate) {
    if (parser.validate === undefined) return Number.NaN;
    // Bytes, as the route hands them over.
    const bytes = Buffer.from(text, 'utf8');
    do {
      const result = parser.validate(bytes, 'ns', NOW_NS);
      if (result.errors.length > 0) throw new Error(`the benchmark input has errors: ${result.errors[0]?.message}`);
      points += result.batch.count;
    } while (performance.now() < until);
    return points / ((performance.now() - start) / 1000);
  }
  do {
    const result = parser.parse(text, 'ns', NOW_NS, { keepLines });
    if (result.errors.length > 0) throw new Error(`the benchmark input has errors: ${result.errors[0]?.message}`);
    if (check) {
      for (const point of result.points) if (parser.check(point) !== undefined) throw new Error('a parsed point is invalid');
    }
    points += result.points.length;
  } while (performance.now() < until);
  return points / ((performance.now() - start) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const parsers: Parser[] = [{ name: 'current', parse: parseLineProtocol, check: invalidPointReason, validate: validateLineProtocol }];
  if (args.baseline !== undefined) {
    const mod = (await import(pathToFileURL(path.resolve(args.baseline)).href)) as Partial<{
      parseLineProtocol: typeof parseLineProtocol;
      invalidPointReason: typeof invalidPointReason;
      validateLineProtocol: typeof validateLineProtocol;
    }>;
    if (typeof mod.parseLineProtocol !== 'function' || typeof mod.invalidPointReason !== 'function') {
      throw new Error(`${args.baseline} does not export parseLineProtocol and invalidPointReason`);
    }
    parsers.unshift({ name: 'baseline', parse: mod.parseLineProtocol, check: mod.invalidPointReason, ...(mod.validateLineProtocol ? { validate: mod.validateLineProtocol } : {}) });
  }

  console.log(`line protocol: ${lineCount} lines per body, median of ${rounds} × ${seconds}s, node ${process.version}`);
  const header = ['input', 'mode', ...parsers.map((p) => `${p.name} points/s`), ...(parsers.length > 1 ? ['current/baseline'] : [])];
  const rows: string[][] = [header];
  for (const input of inputs) {
    for (const mode of modes) {
      // Warm up every parser on this input before measuring any.
      for (const parser of parsers) measure(parser, input.body, mode.keepLines, mode.check, mode.validate);
      const results = parsers.map(() => [] as number[]);
      for (let round = 0; round < rounds; round++) {
        parsers.forEach((parser, i) => results[i]?.push(measure(parser, input.body, mode.keepLines, mode.check, mode.validate)));
      }
      const row = [input.name, mode.name, ...results.map((r) => Math.round(median(r)).toLocaleString('en-US'))];
      if (parsers.length > 1) {
        const [base = [], current = []] = results;
        row.push(`×${median(current.map((v, i) => v / (base[i] as number))).toFixed(2)}`);
      }
      rows.push(row);
    }
  }
  const widths = header.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const row of rows) console.log(row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  '));
}

await main();
