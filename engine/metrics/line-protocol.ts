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
 */
import { badRequest } from '../errors/app-error.ts';
import type { FieldValue, MetricPoint } from './metric-store.ts';

export type { LinePrecision } from './metric-store.ts';
import type { LinePrecision } from './metric-store.ts';

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

const NS_PER_UNIT: Record<LinePrecision, bigint> = { ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n };
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const MEASUREMENT_ESCAPES = ', ';
const KEY_ESCAPES = ',= ';
const BOOLEANS = new Map<string, boolean>([
  ['t', true], ['T', true], ['true', true], ['True', true], ['TRUE', true],
  ['f', false], ['F', false], ['false', false], ['False', false], ['FALSE', false],
]);
const INTEGER = /^-?\d+i$/;
const UNSIGNED = /^\d+u$/;
// Go's ParseFloat would also take hex, `Inf` or `_` separators; InfluxDB's scanner does not.
const FLOAT = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TIMESTAMP = /^-?\d+$/;
/** Fast paths: most names hold none of these, and then need neither checks nor escapes. */
const SUSPECT_NAME = /[\u0000-\u001f\u007f\\]/;
const NEEDS_ESCAPE = /[,= ]/;
const QUOTE_OR_BACKSLASH = /["\\]/;
const MEASUREMENT_SPECIALS = /[, ]/g;
const KEY_SPECIALS = /[,= ]/g;

export function parseLineProtocol(body: string, precision: LinePrecision, nowNs: bigint, opts: { keepLines?: boolean } = {}): LineProtocolResult {
  const unit = NS_PER_UNIT[precision];
  const defaultTimeNs = nowNs - (((nowNs % unit) + unit) % unit);
  const defaultTimeSuffix = ` ${defaultTimeNs / unit}`;
  const points: MetricPoint[] = [];
  const lines: string[] | undefined = opts.keepLines ? [] : undefined;
  const errors: LineProtocolResult['errors'] = [];
  const scanner = new Scanner(body);

  while (!scanner.done()) {
    scanner.skipBlanks();
    if (scanner.done()) break;
    if (scanner.atEndOfLine()) {
      scanner.takeEndOfLine();
      continue;
    }
    if (scanner.peek() === '#') {
      scanner.skipPhysicalLine();
      continue;
    }
    const entryStart = scanner.pos;
    const entryLine = scanner.line;
    try {
      points.push(scanner.entry(unit, defaultTimeNs));
      if (lines) {
        const raw = body.slice(entryStart, scanner.entryEnd).trimEnd();
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
  for (const [key, value] of Object.entries(point.tags ?? {})) {
    const k = nameProblem(key);
    if (k !== undefined) return `tag key ${k}`;
    if (typeof value !== 'string') return `tag ${JSON.stringify(key)} is not a string`;
    const v = value === '' ? undefined : nameProblem(value);
    if (v !== undefined) return `value of tag ${JSON.stringify(key)} ${v}`;
  }
  const fields = Object.entries(point.fields ?? {});
  if (fields.length === 0) return 'it has no field';
  for (const [key, value] of fields) {
    const k = nameProblem(key);
    if (k !== undefined) return `field key ${k}`;
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

/** What is wrong with a measurement, key or tag value, phrased to follow its label. */
function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (!SUSPECT_NAME.test(name)) return undefined;
  if (/[\u0000-\u001f\u007f]/.test(name)) return `${JSON.stringify(name)} contains a control character`;
  // No server reads a backslash before a delimiter (or at the end) the same way.
  if (/\\(?:[,= ]|$)/.test(name)) return `${JSON.stringify(name)} has a backslash before ',', '=', ' ' or at its end`;
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

class SyntaxProblem extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

/** A cursor over the whole body; `line` counts the newlines passed, strings included. */
class Scanner {
  pos = 0;
  line = 1;

  constructor(private readonly body: string) {}

  done(): boolean {
    return this.pos >= this.body.length;
  }

  peek(offset = 0): string | undefined {
    return this.body[this.pos + offset];
  }

  atEndOfLine(): boolean {
    const c = this.peek();
    return c === undefined || c === '\n' || (c === '\r' && this.peek(1) === '\n');
  }

  takeEndOfLine(): void {
    if (this.peek() === '\r') this.pos++;
    if (this.peek() === '\n') {
      this.pos++;
      this.line++;
    }
  }

  /** Leading spaces and tabs before an entry, a comment or a blank line. */
  skipBlanks(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  skipPhysicalLine(): void {
    const nl = this.body.indexOf('\n', this.pos);
    if (nl === -1) {
      this.pos = this.body.length;
    } else {
      this.pos = nl + 1;
      this.line++;
    }
  }

  resumeAfterLineOf(entryStart: number, entryLine: number): void {
    this.pos = entryStart;
    this.line = entryLine;
    this.skipPhysicalLine();
  }

  describe(problem: SyntaxProblem, entryStart: number, entryLine: number): string {
    const column = problem.pos - (this.body.lastIndexOf('\n', problem.pos - 1) + 1) + 1;
    let errorLine = entryLine;
    for (let i = this.body.indexOf('\n', entryStart); i !== -1 && i < problem.pos; i = this.body.indexOf('\n', i + 1)) {
      errorLine++;
    }
    // An error past the entry's first line can only follow a string that spans lines.
    return errorLine === entryLine
      ? `${problem.message} (column ${column})`
      : `${problem.message} (line ${errorLine}, column ${column})`;
  }

  /** Where the last entry's text ended (before its line break), and whether it carried a time. */
  entryEnd = 0;
  entryHadTimestamp = false;

  entry(unit: bigint, defaultTimeNs: bigint): MetricPoint {
    const measurement = this.name(MEASUREMENT_ESCAPES, ', ');
    if (measurement === '') throw this.problem('missing measurement name');
    const tags: Record<string, string> = {};
    while (this.peek() === ',') {
      this.pos++;
      this.tag(tags);
    }
    this.expectSpaceBefore('fields', `measurement ${quote(measurement)}`);
    const fields: Record<string, FieldValue> = {};
    let timeNs = defaultTimeNs;
    this.entryHadTimestamp = false;
    for (;;) {
      this.field(fields);
      const c = this.peek();
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (this.atEndOfLine()) break;
      if (c === ' ') {
        while (this.peek() === ' ') this.pos++;
        if (!this.atEndOfLine()) {
          timeNs = this.timestamp(unit);
          this.entryHadTimestamp = true;
        }
        break;
      }
      throw this.problem(`unexpected ${quote(c ?? '')} after a field value`);
    }
    this.entryEnd = this.pos;
    this.takeEndOfLine();
    return { measurement, tags, fields, timeNs };
  }

  private tag(tags: Record<string, string>): void {
    const keyStart = this.pos;
    const key = this.name(KEY_ESCAPES, ',= ');
    if (key === '') throw this.problem('missing tag key after ","');
    if (this.peek() !== '=') throw this.problem(`tag key ${quote(key)} is not followed by "="`);
    this.pos++;
    const value = this.name(KEY_ESCAPES, ',= ');
    if (value === '') throw this.problem(`tag ${quote(key)} has no value`);
    if (this.peek() === '=') throw this.problem(`unescaped "=" in the value of tag ${quote(key)}`);
    if (Object.hasOwn(tags, key)) throw new SyntaxProblem(`duplicate tag ${quote(key)}`, keyStart);
    tags[key] = value;
  }

  private field(fields: Record<string, FieldValue>): void {
    const key = this.name(KEY_ESCAPES, ',= ');
    if (key === '') throw this.problem(this.atEndOfLine() ? 'missing field after ","' : 'missing field key');
    if (this.peek() !== '=') throw this.problem(`field key ${quote(key)} is not followed by "="`);
    this.pos++;
    if (this.peek() === '"') {
      fields[key] = this.stringValue(key);
      return;
    }
    const start = this.pos;
    while (!this.atEndOfLine() && this.peek() !== ',' && this.peek() !== ' ') this.pos++;
    const token = this.body.slice(start, this.pos);
    fields[key] = this.fieldValue(key, token, start);
  }

  private stringValue(key: string): string {
    const open = this.pos;
    this.pos++;
    let out = '';
    let segment = this.pos;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new SyntaxProblem(`string value of field ${quote(key)} is never closed`, open);
      if (c === '\\' && (this.peek(1) === '"' || this.peek(1) === '\\')) {
        out += this.body.slice(segment, this.pos) + this.peek(1);
        this.pos += 2;
        segment = this.pos;
        continue;
      }
      if (c === '"') break;
      if (c === '\n') this.line++;
      this.pos++;
    }
    out += this.body.slice(segment, this.pos);
    this.pos++;
    return out;
  }

  private fieldValue(key: string, token: string, at: number): FieldValue {
    if (token === '') throw new SyntaxProblem(`field ${quote(key)} has no value`, at);
    const bool = BOOLEANS.get(token);
    if (bool !== undefined) return bool;
    if (INTEGER.test(token)) {
      const n = BigInt(token.slice(0, -1));
      if (n < INT64_MIN || n > INT64_MAX) throw new SyntaxProblem(`integer ${token} of field ${quote(key)} is out of the int64 range`, at);
      return Number(n);
    }
    if (UNSIGNED.test(token)) {
      const n = BigInt(token.slice(0, -1));
      if (n > UINT64_MAX) throw new SyntaxProblem(`unsigned ${token} of field ${quote(key)} is out of the uint64 range`, at);
      return Number(n);
    }
    if (FLOAT.test(token)) {
      const n = Number(token);
      if (!Number.isFinite(n)) throw new SyntaxProblem(`float ${token} of field ${quote(key)} is out of range`, at);
      return n;
    }
    const hint = /^[A-Za-z]/.test(token) ? ' (string values must be double-quoted)' : '';
    throw new SyntaxProblem(`invalid value ${quote(clip(token))} for field ${quote(key)}${hint}`, at);
  }

  private timestamp(unit: bigint): bigint {
    const start = this.pos;
    while (!this.atEndOfLine() && this.peek() !== ' ') this.pos++;
    const token = this.body.slice(start, this.pos);
    if (!TIMESTAMP.test(token)) throw new SyntaxProblem(`invalid timestamp ${quote(clip(token))}`, start);
    const ns = BigInt(token) * unit;
    if (ns < INT64_MIN || ns > INT64_MAX) throw new SyntaxProblem(`timestamp ${clip(token)} is out of range`, start);
    while (this.peek() === ' ') this.pos++;
    if (!this.atEndOfLine()) throw this.problem('unexpected text after the timestamp');
    return ns;
  }

  private expectSpaceBefore(section: string, after: string): void {
    if (this.peek() === ' ') {
      while (this.peek() === ' ') this.pos++;
      if (this.atEndOfLine()) throw this.problem(`missing ${section} after ${after}`);
      return;
    }
    if (this.atEndOfLine()) throw this.problem(`missing ${section} after ${after}`);
    throw this.problem(`unexpected ${quote(this.peek() ?? '')} after ${after}`);
  }

  /**
   * Reads a name up to an unescaped stop character, a control character or the end of the
   * line. A backslash escapes only the characters in `escapes`; otherwise it is literal.
   */
  private name(escapes: string, stops: string): string {
    let out = '';
    let segment = this.pos;
    for (;;) {
      const c = this.peek();
      if (c === undefined) break;
      if (c === '\\') {
        const next = this.peek(1);
        if (next !== undefined && escapes.includes(next)) {
          out += this.body.slice(segment, this.pos) + next;
          this.pos += 2;
          segment = this.pos;
          continue;
        }
        this.pos++;
        continue;
      }
      if (stops.includes(c)) break;
      const code = c.charCodeAt(0);
      if (code < 0x20 || code === 0x7f) {
        if (c === '\n' || (c === '\r' && this.peek(1) === '\n')) break;
        throw this.problem(`control character ${JSON.stringify(c)} in a name`);
      }
      this.pos++;
    }
    return out + this.body.slice(segment, this.pos);
  }

  private problem(message: string): SyntaxProblem {
    return new SyntaxProblem(message, this.pos);
  }
}

function quote(s: string): string {
  return JSON.stringify(s);
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
