/**
 * InfluxDB line protocol, both ways: the parser behind our `/write` endpoints and the
 * formatter the Influx adapter sends with.
 *
 * Parsing follows what InfluxDB servers accept, and where 1.x and 2.x differ it follows the
 * newer spec (influxdata/line-protocol v2):
 * - Measurement: `\,` and `\ ` are escapes. Tag keys, tag values, field keys: `\,` `\=` `\ `.
 *   Any other backslash is literal (`a\b` is `a\b`).
 * - String field values: `\"` and `\\` are escapes, any other backslash is literal (what
 *   both server lines store; the newer spec's `\n` `\t` escapes are not decoded, so a
 *   Windows path keeps its backslashes). A quoted string may span lines, as the servers allow.
 * - Integers (`12i`, int64) and unsigned (`12u`, uint64) arrive as JS numbers: the port has
 *   one number type, so values beyond 2^53 lose precision.
 * - Names may not hold control characters; a tag needs a value; a point needs a field.
 * - A missing timestamp means `nowNs`, truncated to the precision, as the newer spec does.
 * - A bad line becomes one error and parsing resumes on the next physical line, so one
 *   stray quote costs one line, not the rest of the body.
 *
 * Two readers share that grammar (line-protocol-scanner.ts): `parseLineProtocol` builds
 * points; `validateLineProtocol` (validate-line-protocol.ts, the `/write` hot path) only
 * checks the lines and hands back their bytes, so a store that speaks line protocol can
 * forward them without building or formatting a point.
 */
import { badRequest } from '../errors/app-error.ts';
import { INT64_MAX, INT64_MIN, NS_PER_UNIT, Scanner, SyntaxProblem, nameProblem } from './line-protocol-scanner.ts';
import type { FieldValue, LinePrecision, MetricPoint } from './metric-store.ts';

export type { LinePrecision } from './metric-store.ts';

const NEEDS_ESCAPE = /[,= ]/;
const QUOTE_OR_BACKSLASH = /["\\]/;
const MEASUREMENT_SPECIALS = /[, ]/g;
const KEY_SPECIALS = /[,= ]/g;

export interface LineProtocolResult {
  points: MetricPoint[];
  /**
   * With `keepLines`: each valid point's line as received, in the request's precision,
   * with the default timestamp appended where it had none (so the time is the same
   * wherever the line is stored). Lets a store that speaks line protocol forward the
   * sender's lines instead of formatting every point again.
   */
  lines?: string[];
  /** One per rejected line; `line` is 1-based and names the line the entry starts on. */
  errors: Array<{ line: number; message: string }>;
}

export function parseLineProtocol(body: string, precision: LinePrecision, nowNs: bigint, opts: { keepLines?: boolean } = {}): LineProtocolResult {
  const unit = NS_PER_UNIT[precision];
  const defaultTimeNs = nowNs - (((nowNs % unit) + unit) % unit);
  const defaultTimeSuffix = ` ${defaultTimeNs / unit}`;
  const points: MetricPoint[] = [];
  const lines: string[] | undefined = opts.keepLines ? [] : undefined;
  const errors: LineProtocolResult['errors'] = [];
  const scanner = new Scanner(body, precision, defaultTimeNs);

  while (scanner.nextEntry()) {
    const entryStart = scanner.pos;
    const entryLine = scanner.line;
    try {
      points.push(scanner.entry());
      if (lines) {
        // The entry's text ends with its last token; only spaces and the line break follow.
        const raw = body.slice(entryStart, scanner.entryEnd);
        lines.push(scanner.entryHadTimestamp ? raw : raw + defaultTimeSuffix);
      }
    } catch (err) {
      if (!(err instanceof SyntaxProblem)) throw err;
      errors.push({ line: entryLine, message: scanner.describe(err, entryStart, entryLine) });
      scanner.resumeAfterLineOf(entryStart, entryLine);
    }
  }
  return lines ? { points, errors, lines } : { points, errors };
}

/**
 * Line protocol for `points`, one line each, joined by `\n` (no trailing newline), tags
 * sorted by key (the order InfluxDB stores fastest).
 *
 * Every number is written as a float (`12`, never `12i`): the port has one number type, and
 * InfluxDB fixes a field's type on first write, so a field that is 12 now and 12.5 later
 * must not start life as an integer. Tags with an empty value are left out: line protocol
 * cannot carry them and InfluxDB treats them as absent. Throws a 400 AppError naming the
 * first point that cannot be written (see `invalidPointReason`).
 */
export function formatLineProtocol(points: MetricPoint[]): string {
  const lines: string[] = [];
  for (let i = 0; i < points.length; i++) {
    const point = points[i] as MetricPoint;
    const reason = invalidPointReason(point);
    if (reason !== undefined) throw badRequest(`point ${i} cannot be written: ${reason}`);
    lines.push(formatPoint(point));
  }
  return lines.join('\n');
}

/**
 * Why a point cannot be stored, or undefined when it can. Every MetricStore adapter checks
 * points with this before accepting them, so adapters agree on what a valid point is.
 */
export function invalidPointReason(point: MetricPoint): string | undefined {
  if (typeof point.measurement !== 'string') return 'measurement is not a string';
  const m = nameProblem(point.measurement);
  if (m !== undefined) return `measurement ${m}`;
  // Object.keys and a lookup rather than Object.entries: the same pairs in the same order,
  // without an array per property (this runs for every point written).
  const tags = point.tags ?? {};
  for (const key of Object.keys(tags)) {
    const k = nameProblem(key);
    if (k !== undefined) return `tag key ${k}`;
    const value = tags[key];
    if (typeof value !== 'string') return `tag ${JSON.stringify(key)} is not a string`;
    const v = value === '' ? undefined : nameProblem(value);
    if (v !== undefined) return `value of tag ${JSON.stringify(key)} ${v}`;
  }
  const fields = point.fields ?? {};
  const fieldKeys = Object.keys(fields);
  if (fieldKeys.length === 0) return 'it has no field';
  for (const key of fieldKeys) {
    const k = nameProblem(key);
    if (k !== undefined) return `field key ${k}`;
    const value = fields[key];
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return `field ${JSON.stringify(key)} is ${value}, which InfluxDB cannot store`;
    } else if (typeof value !== 'string' && typeof value !== 'boolean') {
      return `field ${JSON.stringify(key)} is neither number, string nor boolean`;
    }
  }
  if (typeof point.timeNs !== 'bigint') return 'timeNs is not a bigint';
  if (point.timeNs < INT64_MIN || point.timeNs > INT64_MAX) return 'timeNs is outside the int64 range';
  return undefined;
}

function formatPoint(point: MetricPoint): string {
  let line = escapeName(point.measurement, MEASUREMENT_SPECIALS);
  const tagKeys = Object.keys(point.tags).sort();
  for (const key of tagKeys) {
    const value = point.tags[key] as string;
    if (value === '') continue;
    line += `,${escapeName(key, KEY_SPECIALS)}=${escapeName(value, KEY_SPECIALS)}`;
  }
  let first = true;
  for (const [key, value] of Object.entries(point.fields)) {
    line += `${first ? ' ' : ','}${escapeName(key, KEY_SPECIALS)}=${formatValue(value)}`;
    first = false;
  }
  return `${line} ${point.timeNs.toString()}`;
}

function escapeName(name: string, specials: RegExp): string {
  return NEEDS_ESCAPE.test(name) ? name.replace(specials, (c) => `\\${c}`) : name;
}

function formatValue(value: FieldValue): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // Newlines stay literal: both InfluxDB lines accept them inside a quoted string.
  return QUOTE_OR_BACKSLASH.test(value) ? `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"` : `"${value}"`;
}

