/**
 * The reader both line-protocol readers share (see line-protocol.ts for the grammar): a
 * cursor over a whole body that builds an entry into a point (`entry`, for
 * `parseLineProtocol`) or only checks it (`skipEntry`, validate-line-protocol.ts's general
 * path), with the same checks in the same order and the same messages.
 */
import type { LinePrecision, MetricPoint, FieldValue } from './metric-store.ts';

export const NS_PER_UNIT: Record<LinePrecision, bigint> = { ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n };
/** Timestamps of at most this many digits fit in int64 once in ns, so need no range check. */
export const SAFE_TIMESTAMP_DIGITS: Record<LinePrecision, number> = { ns: 18, us: 15, ms: 12, s: 9 };
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const BOOLEANS = new Map<string, boolean>([
  ['t', true], ['T', true], ['true', true], ['True', true], ['TRUE', true],
  ['f', false], ['F', false], ['false', false], ['False', false], ['FALSE', false],
]);
const INTEGER = /^-?\d+i$/;
const UNSIGNED = /^\d+u$/;
// Go's ParseFloat would also take hex, `Inf` or `_` separators; InfluxDB's scanner does not.
const FLOAT = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export const TAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const QUOTE = 0x22;
export const HASH = 0x23;
export const PLUS = 0x2b;
export const COMMA = 0x2c;
export const MINUS = 0x2d;
export const DOT = 0x2e;
export const ZERO = 0x30;
export const NINE = 0x39;
export const EQUALS = 0x3d;
export const BACKSLASH = 0x5c;
const DEL = 0x7f;

/**
 * What each ASCII character is in a name (from 128 up, always ORDINARY). In measurements
 * and keys alike, a backslash escapes exactly the characters that would end the name.
 */
export const ORDINARY = 0;
const STOP = 1;
const ESCAPE = 2;
const CONTROL = 3;
export const MEASUREMENT_CHARS = nameClasses(', ');
export const KEY_CHARS = nameClasses(',= ');

function nameClasses(stops: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let c = 0; c < 0x20; c++) table[c] = CONTROL;
  table[DEL] = CONTROL;
  table[BACKSLASH] = ESCAPE;
  for (const c of stops) table[c.charCodeAt(0)] = STOP;
  return table;
}

/** Powers of ten that doubles hold exactly (10^22 is the last). */
const EXACT_POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/**
 * Digits add up exactly in a double while the sum stays below 2^53; past it, rounding only
 * ever gives 2^53 or more. So a mantissa read as a double and found below this is exact.
 */
const EXACT_LIMIT = 2 ** 53;

/** What is wrong with a measurement, key or tag value, phrased to follow its label. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  // Fast path: most names hold no control character and no backslash.
  let suspect = false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === DEL || c === BACKSLASH) {
      suspect = true;
      break;
    }
  }
  if (!suspect) return undefined;
  if (/[\u0000-\u001f\u007f]/.test(name)) return `${JSON.stringify(name)} contains a control character`;
  // No server reads a backslash before a delimiter (or at the end) the same way.
  if (/\\(?:[,= ]|$)/.test(name)) return `${JSON.stringify(name)} has a backslash before ',', '=', ' ' or at its end`;
  return undefined;
}

export class SyntaxProblem extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

/**
 * The name last read at each place of an entry, and where in the body it was read. Only
 * names read without escapes are kept, so the same text followed by a stop is the same name.
 */
class RecentNames {
  readonly names: Array<string | undefined> = [];
  readonly at: number[] = [];
}

/** Per measurement: its tag keys and values (alternating), and its field keys. */
interface MeasurementNames {
  tags: RecentNames;
  fieldKeys: RecentNames;
}

/** What a name is, for the messages of skipEntry. */
const MEASUREMENT = 0;
const TAG_KEY = 1;
const TAG_VALUE = 2;
const FIELD_KEY = 3;
/** Tag keys per entry that skipEntry compares pairwise to find a duplicate; past them, a set. */
export const PAIRWISE_KEYS = 16;

/** Bounds on what one parse remembers: measurements, and places per entry. */
const MAX_MEASUREMENTS_REMEMBERED = 256;
const MAX_NAMES_REMEMBERED = 64;

/**
 * A cursor over the whole body; `line` counts the newlines passed, strings included.
 *
 * Reads char codes, with a fast path for what Telegraf sends (names without escapes, plain
 * numbers, strings without escapes or line breaks, digit timestamps). Anything else goes to
 * the general reader of that token, which also words every error, so both paths accept the
 * same text and give the same values and messages.
 */
export class Scanner {
  pos = 0;
  line = 1;
  /** Where the last entry's text ended (its last token; spaces after it are not its text), and whether it carried a time. */
  entryEnd = 0;
  entryHadTimestamp = false;

  private readonly length: number;
  private readonly unit: bigint;
  private readonly safeTimestampDigits: number;
  /** The last timestamp read, as sent and in ns: batches often share one time. */
  private lastTimeAt = 0;
  private lastTimeLength = 0;
  private lastTimeNs = 0n;
  /**
   * Names last read, by measurement and place in the entry: lines of one batch repeat them,
   * and reusing the string spares a copy and, for keys, the lookup that makes it a
   * property name.
   */
  private readonly lastMeasurement = new RecentNames();
  private readonly namesByMeasurement = new Map<string, MeasurementNames>();
  private names: MeasurementNames = { tags: new RecentNames(), fieldKeys: new RecentNames() };
  private namesMeasurement = '';
  /** skipEntry: where the tag keys of the entry start and end, to find a duplicate without reading them. */
  private readonly keyStarts: number[] = [];
  private readonly keyEnds: number[] = [];
  /** skipEntry: the tag keys as written, once an entry has too many to compare pairwise. */
  private keySet: Set<string> | undefined;
  /** skipEntry: the first name of the entry that no store takes (reported once it is well formed). */
  private unstorable: string | undefined;

  constructor(
    private readonly body: string,
    precision: LinePrecision,
    private readonly defaultTimeNs: bigint,
  ) {
    this.length = body.length;
    this.unit = NS_PER_UNIT[precision];
    this.safeTimestampDigits = SAFE_TIMESTAMP_DIGITS[precision];
  }

  /** The char code at `pos`, NaN past the end (so it equals nothing). */
  private code(pos: number): number {
    return this.body.charCodeAt(pos);
  }

  /** At a line break (`\n` or `\r\n`) or the end of the body. */
  private endOfLineAt(pos: number): boolean {
    if (pos >= this.length) return true;
    const c = this.body.charCodeAt(pos);
    return c === LF || (c === CR && this.body.charCodeAt(pos + 1) === LF);
  }

  private atEndOfLine(): boolean {
    return this.endOfLineAt(this.pos);
  }

  /** Whether an unquoted field value ends at `pos`: a comma, a space, a line break or the end. */
  private tokenEndsAt(pos: number): boolean {
    if (pos >= this.length) return true;
    const c = this.body.charCodeAt(pos);
    return c === COMMA || c === SPACE || c === LF || (c === CR && this.body.charCodeAt(pos + 1) === LF);
  }

  /**
   * Whether the body holds the same `n` characters at `a` and `b`. Compared from the end:
   * that is where neighbouring timestamps and host names differ.
   */
  private sameText(a: number, b: number, n: number): boolean {
    if (b + n > this.length) return false;
    const body = this.body;
    for (let i = n - 1; i >= 0; i--) if (body.charCodeAt(a + i) !== body.charCodeAt(b + i)) return false;
    return true;
  }

  /**
   * Moves past spaces and tabs, blank lines and comments to the start of the next entry;
   * false at the end of the body.
   */
  nextEntry(): boolean {
    const body = this.body;
    while (this.pos < this.length) {
      let c = body.charCodeAt(this.pos);
      while (c === SPACE || c === TAB) c = body.charCodeAt(++this.pos);
      if (this.pos >= this.length) return false;
      if (c === LF || (c === CR && body.charCodeAt(this.pos + 1) === LF)) this.takeEndOfLine();
      else if (c === HASH) this.skipPhysicalLine();
      else return true;
    }
    return false;
  }

  takeEndOfLine(): void {
    if (this.code(this.pos) === CR) this.pos++;
    if (this.code(this.pos) === LF) {
      this.pos++;
      this.line++;
    }
  }

  skipPhysicalLine(): void {
    const nl = this.body.indexOf('\n', this.pos);
    if (nl === -1) {
      this.pos = this.length;
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

  entry(): MetricPoint {
    const measurementStart = this.pos;
    const measurement = this.name(MEASUREMENT_CHARS, this.lastMeasurement, 0);
    if (measurement === '') throw this.problem('missing measurement name');
    if (measurement !== this.namesMeasurement) this.namesFor(measurement);
    const names = this.names;
    const tags: Record<string, string> = {};
    let tagCount = 0;
    while (this.code(this.pos) === COMMA) {
      this.pos++;
      this.tag(tags, tagCount++, names.tags);
    }
    this.expectSpaceBeforeFields(measurementStart);
    const fields: Record<string, FieldValue> = {};
    let timeNs = this.defaultTimeNs;
    this.entryHadTimestamp = false;
    for (let fieldCount = 0; ; fieldCount++) {
      this.field(fields, fieldCount, names.fieldKeys);
      this.entryEnd = this.pos;
      const c = this.code(this.pos);
      if (c === COMMA) {
        this.pos++;
        continue;
      }
      if (this.atEndOfLine()) break;
      if (c === SPACE) {
        while (this.code(this.pos) === SPACE) this.pos++;
        if (!this.atEndOfLine()) {
          timeNs = this.timestamp();
          this.entryHadTimestamp = true;
        }
        break;
      }
      throw this.problem(`unexpected ${quote(this.body[this.pos] ?? '')} after a field value`);
    }
    this.takeEndOfLine();
    return { measurement, tags, fields, timeNs };
  }

  private namesFor(measurement: string): void {
    let names = this.namesByMeasurement.get(measurement);
    if (names === undefined) {
      names = { tags: new RecentNames(), fieldKeys: new RecentNames() };
      if (this.namesByMeasurement.size < MAX_MEASUREMENTS_REMEMBERED) this.namesByMeasurement.set(measurement, names);
    }
    this.names = names;
    this.namesMeasurement = measurement;
  }

  private tag(tags: Record<string, string>, before: number, names: RecentNames): void {
    const keyStart = this.pos;
    const key = this.name(KEY_CHARS, names, 2 * before);
    if (key === '') throw this.problem('missing tag key after ","');
    if (this.code(this.pos) !== EQUALS) throw this.problem(`tag key ${quote(key)} is not followed by "="`);
    this.pos++;
    const value = this.name(KEY_CHARS, names, 2 * before + 1);
    if (value === '') throw this.problem(`tag ${quote(key)} has no value`);
    if (this.code(this.pos) === EQUALS) throw this.problem(`unescaped "=" in the value of tag ${quote(key)}`);
    // The first tag cannot be a duplicate: a fresh object owns nothing.
    if (before > 0 && Object.hasOwn(tags, key)) throw new SyntaxProblem(`duplicate tag ${quote(key)}`, keyStart);
    tags[key] = value;
  }

  private field(fields: Record<string, FieldValue>, before: number, names: RecentNames): void {
    const key = this.name(KEY_CHARS, names, before);
    if (key === '') throw this.problem(this.atEndOfLine() ? 'missing field after ","' : 'missing field key');
    if (this.code(this.pos) !== EQUALS) throw this.problem(`field key ${quote(key)} is not followed by "="`);
    this.pos++;
    if (this.code(this.pos) === QUOTE) {
      fields[key] = this.stringValue(key);
      return;
    }
    const value = this.plainValue();
    fields[key] = value !== undefined ? value : this.anyValue(key);
  }

  /**
   * `entry` without building the point: checks the entry at `pos` by the same grammar, in
   * the same order, with the same messages, and moves past it. Returns what
   * `invalidPointReason` would say of the point when it is well formed but not storable.
   * Its own fast paths read nothing into strings; anything unusual (an escape, a string
   * with an escape or a line break, a number off the fast path) goes to the same general
   * readers as `entry`.
   */
  skipEntry(): string | undefined {
    this.unstorable = undefined;
    this.keySet = undefined;
    const measurementStart = this.pos;
    this.skipName(MEASUREMENT_CHARS, MEASUREMENT, 0);
    if (this.pos === measurementStart) throw this.problem('missing measurement name');
    let tagCount = 0;
    while (this.code(this.pos) === COMMA) {
      this.pos++;
      this.skipTag(tagCount++);
    }
    this.expectSpaceBeforeFields(measurementStart);
    this.entryHadTimestamp = false;
    for (;;) {
      this.skipField();
      this.entryEnd = this.pos;
      const c = this.code(this.pos);
      if (c === COMMA) {
        this.pos++;
        continue;
      }
      if (this.atEndOfLine()) break;
      if (c === SPACE) {
        while (this.code(this.pos) === SPACE) this.pos++;
        if (!this.atEndOfLine()) {
          this.skipTimestamp();
          this.entryHadTimestamp = true;
        }
        break;
      }
      throw this.problem(`unexpected ${quote(this.body[this.pos] ?? '')} after a field value`);
    }
    this.takeEndOfLine();
    return this.unstorable;
  }

  private skipTag(before: number): void {
    const keyStart = this.pos;
    this.skipName(KEY_CHARS, TAG_KEY, 0);
    const keyEnd = this.pos;
    if (keyEnd === keyStart) throw this.problem('missing tag key after ","');
    if (this.code(keyEnd) !== EQUALS) throw this.problem(`tag key ${quote(this.nameAt(keyStart, KEY_CHARS))} is not followed by "="`);
    this.pos++;
    const valueStart = this.pos;
    this.skipName(KEY_CHARS, TAG_VALUE, keyStart);
    if (this.pos === valueStart) throw this.problem(`tag ${quote(this.nameAt(keyStart, KEY_CHARS))} has no value`);
    if (this.code(this.pos) === EQUALS) throw this.problem(`unescaped "=" in the value of tag ${quote(this.nameAt(keyStart, KEY_CHARS))}`);
    // Keys are compared as written: a name has only one way to be written (a backslash
    // escapes exactly the characters that would end it), so equal text is an equal key.
    if (before > 0 && this.isDuplicateKey(keyStart, keyEnd, before)) {
      throw new SyntaxProblem(`duplicate tag ${quote(this.nameAt(keyStart, KEY_CHARS))}`, keyStart);
    }
    this.keyStarts[before] = keyStart;
    this.keyEnds[before] = keyEnd;
  }

  /** Whether the tag key at [start, end) is one of the entry's `before` keys already read. */
  private isDuplicateKey(start: number, end: number, before: number): boolean {
    const length = end - start;
    if (before < PAIRWISE_KEYS) {
      for (let i = 0; i < before; i++) {
        const otherStart = this.keyStarts[i] as number;
        if ((this.keyEnds[i] as number) - otherStart === length && this.sameText(otherStart, start, length)) return true;
      }
      return false;
    }
    // Past a few keys, a set: pairwise comparison would grow with the square of the tags.
    if (this.keySet === undefined) {
      this.keySet = new Set();
      for (let i = 0; i < before; i++) this.keySet.add(this.body.slice(this.keyStarts[i], this.keyEnds[i]));
    }
    const key = this.body.slice(start, end);
    if (this.keySet.has(key)) return true;
    this.keySet.add(key);
    return false;
  }

  private skipField(): void {
    const keyStart = this.pos;
    this.skipName(KEY_CHARS, FIELD_KEY, 0);
    if (this.pos === keyStart) throw this.problem(this.atEndOfLine() ? 'missing field after ","' : 'missing field key');
    if (this.code(this.pos) !== EQUALS) throw this.problem(`field key ${quote(this.nameAt(keyStart, KEY_CHARS))} is not followed by "="`);
    this.pos++;
    if (this.code(this.pos) === QUOTE) {
      // Fast path: no escape and no line break before the closing quote.
      const body = this.body;
      for (let pos = this.pos + 1; pos < this.length; pos++) {
        const c = body.charCodeAt(pos);
        if (c === QUOTE) {
          this.pos = pos + 1;
          return;
        }
        if (c === BACKSLASH || c === LF) break;
      }
      this.stringValue(this.nameAt(keyStart, KEY_CHARS));
      return;
    }
    if (this.plainValue() === undefined) this.anyValue(this.nameAt(keyStart, KEY_CHARS));
  }

  /**
   * `name` without reading the name, for `skipEntry`. A name with an escape is read by the
   * general reader and checked as `invalidPointReason` checks it (only an escape can make a
   * well-formed name unstorable); `keyStart` is the tag's key, for a tag value.
   */
  private skipName(classes: Uint8Array, label: number, keyStart: number): void {
    const body = this.body;
    const length = this.length;
    const start = this.pos;
    let pos = start;
    while (pos < length) {
      const c = body.charCodeAt(pos);
      if (c >= 128) {
        pos++;
        continue;
      }
      const kind = classes[c];
      if (kind === ORDINARY) {
        pos++;
        continue;
      }
      if (kind === STOP) break;
      this.pos = pos;
      if (kind === ESCAPE) {
        const name = this.escapedName(classes, start);
        if (this.unstorable === undefined) this.checkStorable(name, label, keyStart);
        return;
      }
      if (this.atEndOfLine()) break;
      throw this.problem(`control character ${JSON.stringify(body[pos])} in a name`);
    }
    this.pos = pos;
  }

  private checkStorable(name: string, label: number, keyStart: number): void {
    const problem = nameProblem(name);
    if (problem === undefined) return;
    const what =
      label === MEASUREMENT ? 'measurement'
      : label === TAG_KEY ? 'tag key'
      : label === TAG_VALUE ? `value of tag ${JSON.stringify(this.nameAt(keyStart, KEY_CHARS))}`
      : 'field key';
    this.unstorable = `${what} ${problem}`;
  }

  /** Past the spaces between the tag set and the field set; the measurement starts at `measurementStart`. */
  private expectSpaceBeforeFields(measurementStart: number): void {
    if (this.code(this.pos) === SPACE) {
      while (this.code(this.pos) === SPACE) this.pos++;
      if (!this.atEndOfLine()) return;
    } else if (!this.atEndOfLine()) {
      throw this.problem(`unexpected ${quote(this.body[this.pos] ?? '')} after measurement ${quote(this.nameAt(measurementStart, MEASUREMENT_CHARS))}`);
    }
    throw this.problem(`missing fields after measurement ${quote(this.nameAt(measurementStart, MEASUREMENT_CHARS))}`);
  }

  /** The name that starts at `start`, read again (for a message: the scan goes on where it was). */
  private nameAt(start: number, classes: Uint8Array): string {
    const pos = this.pos;
    const line = this.line;
    this.pos = start;
    try {
      let end = start;
      for (; end < this.length; end++) {
        const c = this.body.charCodeAt(end);
        if (c < 128 && classes[c] !== ORDINARY) break;
      }
      if (this.code(end) !== BACKSLASH) return this.body.slice(start, end);
      this.pos = end;
      return this.escapedName(classes, start);
    } finally {
      this.pos = pos;
      this.line = line;
    }
  }

  /**
   * Reads a name up to an unescaped stop character, a control character or the end of the
   * line. Fast paths: the name read at this place last time, or no backslash, so the name
   * is a slice of the body.
   */
  private name(classes: Uint8Array, recent: RecentNames, slot: number): string {
    const body = this.body;
    const length = this.length;
    const start = this.pos;
    const cached = recent.names[slot];
    if (cached !== undefined && this.sameText(recent.at[slot] as number, start, cached.length)) {
      // The same name if it ends there too (it holds no stop, escape or control character).
      const end = start + cached.length;
      const c = body.charCodeAt(end);
      if (end >= length || (c < 128 && classes[c] === STOP) || c === LF || (c === CR && body.charCodeAt(end + 1) === LF)) {
        this.pos = end;
        return cached;
      }
    }
    let pos = start;
    while (pos < length) {
      const c = body.charCodeAt(pos);
      if (c >= 128) {
        pos++;
        continue;
      }
      const kind = classes[c];
      if (kind === ORDINARY) {
        pos++;
        continue;
      }
      if (kind === STOP) break;
      this.pos = pos;
      if (kind === ESCAPE) return this.escapedName(classes, start);
      if (this.atEndOfLine()) break;
      throw this.problem(`control character ${JSON.stringify(body[pos])} in a name`);
    }
    this.pos = pos;
    const name = body.slice(start, pos);
    if (slot < MAX_NAMES_REMEMBERED) {
      recent.names[slot] = name;
      recent.at[slot] = start;
    }
    return name;
  }

  /**
   * The general case of `name`, from `start` with `pos` on a backslash. A backslash escapes
   * only a stop character (in measurements and keys alike, the escapable ones are exactly
   * those); before anything else it is literal.
   */
  private escapedName(classes: Uint8Array, start: number): string {
    const body = this.body;
    let out = '';
    let segment = start;
    for (;;) {
      if (this.pos >= this.length) break;
      const c = body.charCodeAt(this.pos);
      if (c === BACKSLASH) {
        const next = body.charCodeAt(this.pos + 1);
        if (next < 128 && classes[next] === STOP) {
          out += body.slice(segment, this.pos) + body[this.pos + 1];
          this.pos += 2;
          segment = this.pos;
          continue;
        }
        this.pos++;
        continue;
      }
      if (c < 128) {
        const kind = classes[c];
        if (kind === STOP) break;
        if (kind === CONTROL) {
          if (this.atEndOfLine()) break;
          throw this.problem(`control character ${JSON.stringify(body[this.pos])} in a name`);
        }
      }
      this.pos++;
    }
    return out + body.slice(segment, this.pos);
  }

  private stringValue(key: string): string {
    const body = this.body;
    const open = this.pos;
    // Fast path: no escape and no line break before the closing quote.
    for (let pos = open + 1; pos < this.length; pos++) {
      const c = body.charCodeAt(pos);
      if (c === QUOTE) {
        this.pos = pos + 1;
        return body.slice(open + 1, pos);
      }
      if (c === BACKSLASH || c === LF) break;
    }
    this.pos++;
    let out = '';
    let segment = this.pos;
    for (;;) {
      if (this.pos >= this.length) throw new SyntaxProblem(`string value of field ${quote(key)} is never closed`, open);
      const c = body.charCodeAt(this.pos);
      if (c === BACKSLASH) {
        const next = body.charCodeAt(this.pos + 1);
        if (next === QUOTE || next === BACKSLASH) {
          out += body.slice(segment, this.pos) + body[this.pos + 1];
          this.pos += 2;
          segment = this.pos;
          continue;
        }
      }
      if (c === QUOTE) break;
      if (c === LF) this.line++;
      this.pos++;
    }
    out += body.slice(segment, this.pos);
    this.pos++;
    return out;
  }

  /**
   * Fast path for an unquoted field value: a float, integer or unsigned whose digits make a
   * number below 2^53 (most; see EXACT_LIMIT), or `t`/`f`/`true`/`false`. Moves past it and returns its
   * value, or returns undefined (and does not move) for anything else: `anyValue` decides.
   */
  private plainValue(): FieldValue | undefined {
    const start = this.pos;
    let pos = start;
    let c = this.code(pos);
    if (c === 0x74 /* t */ || c === 0x66 /* f */ || c === 0x54 /* T */ || c === 0x46 /* F */) {
      const value = c === 0x74 || c === 0x54;
      if (this.tokenEndsAt(pos + 1)) {
        this.pos = pos + 1;
        return value;
      }
      const word = value ? 'true' : 'false';
      if (this.body.startsWith(word, pos) && this.tokenEndsAt(pos + word.length)) {
        this.pos = pos + word.length;
        return value;
      }
      return undefined;
    }
    const negative = c === MINUS;
    if (negative) c = this.code(++pos);
    // All digits as one number, exact while below EXACT_LIMIT.
    let mantissa = 0;
    const intStart = pos;
    while (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      c = this.code(++pos);
    }
    const intDigits = pos - intStart;
    if (c === 0x69 /* i */ || c === 0x75 /* u */) {
      if (intDigits === 0 || mantissa >= EXACT_LIMIT || (negative && c === 0x75) || !this.tokenEndsAt(pos + 1)) return undefined;
      this.pos = pos + 1;
      // 0 - 0 is +0: `-0i` is the integer 0.
      return negative ? 0 - mantissa : mantissa;
    }
    let fractionDigits = 0;
    if (c === DOT) {
      c = this.code(++pos);
      const fractionStart = pos;
      while (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        c = this.code(++pos);
      }
      fractionDigits = pos - fractionStart;
    }
    if (intDigits + fractionDigits === 0) return undefined;
    let exponent = 0;
    if (c === 0x65 /* e */ || c === 0x45 /* E */) {
      c = this.code(++pos);
      const negativeExponent = c === MINUS;
      if (negativeExponent || c === PLUS) c = this.code(++pos);
      const exponentStart = pos;
      while (c >= ZERO && c <= NINE) {
        exponent = exponent * 10 + (c - ZERO);
        c = this.code(++pos);
      }
      if (pos === exponentStart || pos - exponentStart > 3) return undefined;
      if (negativeExponent) exponent = -exponent;
    }
    if (!this.tokenEndsAt(pos)) return undefined;
    let value: number;
    const scale = exponent - fractionDigits;
    if (mantissa < EXACT_LIMIT && scale >= -22 && scale <= 22) {
      // Both operands exact, so the one rounding gives the correctly rounded value, the
      // same double Number() gives (Clinger's fast path).
      value = scale >= 0 ? mantissa * (EXACT_POW10[scale] as number) : mantissa / (EXACT_POW10[-scale] as number);
      if (negative) value = -value;
    } else {
      value = Number(this.body.slice(start, pos));
      if (!Number.isFinite(value)) return undefined;
    }
    this.pos = pos;
    return value;
  }

  /** Any unquoted field value, by the grammar; words the error when it is not one. */
  private anyValue(key: string): FieldValue {
    const at = this.pos;
    while (!this.tokenEndsAt(this.pos)) this.pos++;
    const token = this.body.slice(at, this.pos);
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

  private timestamp(): bigint {
    const start = this.pos;
    const end = this.timestampEnd();
    let ns: bigint;
    if (end - start === this.lastTimeLength && this.sameText(this.lastTimeAt, start, this.lastTimeLength)) {
      ns = this.lastTimeNs;
    } else {
      const token = this.body.slice(start, end);
      ns = this.unit === 1n ? BigInt(token) : BigInt(token) * this.unit;
      if (end - start > this.safeTimestampDigits && (ns < INT64_MIN || ns > INT64_MAX)) {
        throw new SyntaxProblem(`timestamp ${clip(token)} is out of range`, start);
      }
      this.lastTimeAt = start;
      this.lastTimeLength = end - start;
      this.lastTimeNs = ns;
    }
    this.endAfterTimestamp(end);
    return ns;
  }

  /** `timestamp` without keeping the number: only a long one is converted, to check its range. */
  private skipTimestamp(): void {
    const start = this.pos;
    const end = this.timestampEnd();
    if (end - start > this.safeTimestampDigits) {
      const token = this.body.slice(start, end);
      const ns = BigInt(token) * this.unit;
      if (ns < INT64_MIN || ns > INT64_MAX) throw new SyntaxProblem(`timestamp ${clip(token)} is out of range`, start);
    }
    this.endAfterTimestamp(end);
  }

  /**
   * Where the timestamp at `pos` ends, or the error for a token that is not one. A sign
   * counts among the digits compared with SAFE_TIMESTAMP_DIGITS: one more than needed,
   * never one fewer.
   */
  private timestampEnd(): number {
    const body = this.body;
    const start = this.pos;
    let pos = start;
    let c = body.charCodeAt(pos);
    if (c === MINUS) c = body.charCodeAt(++pos);
    const digitsStart = pos;
    while (c >= ZERO && c <= NINE) c = body.charCodeAt(++pos);
    // The token runs to a space or the end of the line; anything else in it is not a digit.
    if (pos === digitsStart || !(c === SPACE || this.endOfLineAt(pos))) {
      while (!this.atEndOfLine() && this.code(this.pos) !== SPACE) this.pos++;
      throw new SyntaxProblem(`invalid timestamp ${quote(clip(body.slice(start, this.pos)))}`, start);
    }
    return pos;
  }

  private endAfterTimestamp(end: number): void {
    this.pos = end;
    this.entryEnd = end;
    while (this.code(this.pos) === SPACE) this.pos++;
    if (!this.atEndOfLine()) throw this.problem('unexpected text after the timestamp');
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
