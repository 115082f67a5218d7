/**
 * Validation of line protocol without building points: the `/write` hot path.
 *
 * It reads the request's bytes. UTF-8 puts every character the grammar looks at (all of
 * them ASCII) at its own byte, and no byte of a multi-byte character is one of them, so
 * bytes can be checked where the characters would be. A one-loop fast path (ByteReader)
 * takes the entries Telegraf sends; any other entry goes to the general reader of
 * line-protocol-scanner.ts, on the body decoded once, on first need, with positions mapped
 * between bytes and characters. So a tidy body is never decoded, and the batch is made of
 * slices of its bytes: nothing is copied or encoded again.
 */
import { isUtf8 } from 'node:buffer';
import {
  BACKSLASH,
  COMMA,
  CR,
  DOT,
  EQUALS,
  HASH,
  INT64_MAX,
  INT64_MIN,
  KEY_CHARS,
  LF,
  MEASUREMENT_CHARS,
  MINUS,
  NINE,
  NS_PER_UNIT,
  ORDINARY,
  PAIRWISE_KEYS,
  PLUS,
  QUOTE,
  SAFE_TIMESTAMP_DIGITS,
  SPACE,
  Scanner,
  SyntaxProblem,
  TAB,
  ZERO,
} from './line-protocol-scanner.ts';
import type { LineBatch, LinePrecision } from './metric-store.ts';

export interface ValidatedLineProtocol {
  /** The valid lines, ready for `MetricStore.writeLines`; empty when any line was rejected. */
  batch: LineBatch;
  /**
   * One per rejected line, as `parseLineProtocol` words them, and also one per line that
   * parses but holds a name no store takes (see `invalidPointReason`).
   */
  errors: Array<{ line: number; message: string }>;
}

/**
 * Checks line protocol without building points: the lines accepted are exactly those
 * `parseLineProtocol` reads into a point that `invalidPointReason` passes. The batch holds
 * the body's own lines (without comments, blank lines, indentation, trailing spaces or
 * `\r`), each line that had no timestamp given `nowNs` truncated to the precision: a view
 * of `input` when the body is tidy, else its slices joined. Once a line is rejected the
 * batch is no longer assembled: the caller refuses the whole body.
 *
 * Text is encoded first; bytes that are not UTF-8 are read as their decoding (with U+FFFD
 * for what is not UTF-8), as a text body would be.
 */
export function validateLineProtocol(input: string | Uint8Array, precision: LinePrecision, nowNs: bigint): ValidatedLineProtocol {
  let bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (!isUtf8(bytes)) bytes = Buffer.from(bytes.toString('utf8'), 'utf8');
  const unit = NS_PER_UNIT[precision];
  const defaultTimeNs = nowNs - (((nowNs % unit) + unit) % unit);
  const reader = new ByteReader(bytes, precision);
  const errors: ValidatedLineProtocol['errors'] = [];
  const pieces = new Pieces();
  let general: GeneralReader | undefined;
  let count = 0;
  // The current run of entries that follow each other with a bare `\n` between them: one piece.
  let runStart = -1;
  let runEnd = -1;

  while (reader.nextEntry()) {
    const entryStart = reader.pos;
    const entryLine = reader.line;
    let entryEnd: number;
    let hadTimestamp: boolean;
    if (reader.skipPlainEntry()) {
      entryEnd = reader.entryEnd;
      hadTimestamp = reader.entryHadTimestamp;
    } else {
      general ??= new GeneralReader(bytes, precision, defaultTimeNs);
      const entry = general.skipEntry(entryStart, entryLine);
      reader.pos = entry.next;
      reader.line = entry.nextLine;
      if (entry.error !== undefined) {
        errors.push({ line: entryLine, message: entry.error });
        continue;
      }
      entryEnd = entry.end;
      hadTimestamp = entry.hadTimestamp;
    }
    count++;
    if (errors.length > 0) continue;
    if (runStart !== -1 && !(entryStart === runEnd + 1 && bytes[runEnd] === LF)) {
      pieces.add(runStart, runEnd, false);
      runStart = -1;
    }
    if (runStart === -1) runStart = entryStart;
    if (hadTimestamp) {
      runEnd = entryEnd;
    } else {
      pieces.add(runStart, entryEnd, true);
      runStart = -1;
    }
  }
  if (errors.length > 0) return { batch: { data: EMPTY, count: 0, precision }, errors };
  if (runStart !== -1) pieces.add(runStart, runEnd, false);
  return { batch: { data: pieces.bytesOf(bytes, ` ${defaultTimeNs / unit}`), count, precision }, errors };
}

const EMPTY = new Uint8Array(0);
const NEWLINE = Buffer.from('\n');

/** Ranges of a body that make up a batch, joined by `\n`; `timed` false: the default time follows. */
class Pieces {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly timed: boolean[] = [];

  add(start: number, end: number, needsTime: boolean): void {
    this.starts.push(start);
    this.ends.push(end);
    this.timed.push(!needsTime);
  }

  /** The pieces as slices of `bytes`, one view when that is all. */
  bytesOf(bytes: Buffer, timeSuffix: string): Uint8Array {
    const n = this.starts.length;
    if (n === 0) return EMPTY;
    if (n === 1 && this.timed[0]) return bytes.subarray(this.starts[0], this.ends[0]);
    const suffix = Buffer.from(timeSuffix, 'latin1');
    const list: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      if (i > 0) list.push(NEWLINE);
      list.push(bytes.subarray(this.starts[i], this.ends[i]));
      if (!this.timed[i]) list.push(suffix);
    }
    return Buffer.concat(list);
  }
}

interface GeneralEntry {
  /** Where reading goes on, in bytes, and its line. */
  next: number;
  nextLine: number;
  /** Where the entry's text ends (bytes), and whether it carried a time; or why it was rejected. */
  end: number;
  hadTimestamp: boolean;
  error: string | undefined;
}

/**
 * The scanner's general reader over the body decoded, for the entries the fast path leaves.
 * Positions go between bytes and characters through a cursor that only moves forward, as
 * the entries do: the mapping costs one pass over the body at most.
 */
class GeneralReader {
  readonly #scanner: Scanner;
  readonly #ascii: boolean;
  readonly #bytes: Buffer;
  /** A byte position and the character position at the same place. */
  #byte = 0;
  #char = 0;

  constructor(bytes: Buffer, precision: LinePrecision, defaultTimeNs: bigint) {
    const text = bytes.toString('utf8');
    this.#ascii = text.length === bytes.length;
    this.#bytes = bytes;
    this.#scanner = new Scanner(text, precision, defaultTimeNs);
  }

  skipEntry(start: number, line: number): GeneralEntry {
    const scanner = this.#scanner;
    const charStart = this.#toChar(start);
    scanner.pos = charStart;
    scanner.line = line;
    try {
      const unstorable = scanner.skipEntry();
      const end = this.#toByte(scanner.entryEnd);
      return { next: this.#toByte(scanner.pos), nextLine: scanner.line, end, hadTimestamp: scanner.entryHadTimestamp, error: unstorable };
    } catch (err) {
      if (!(err instanceof SyntaxProblem)) throw err;
      const error = scanner.describe(err, charStart, line);
      scanner.resumeAfterLineOf(charStart, line);
      return { next: this.#toByte(scanner.pos), nextLine: scanner.line, end: start, hadTimestamp: false, error };
    }
  }

  #toChar(byte: number): number {
    if (this.#ascii) return byte;
    const bytes = this.#bytes;
    // UTF-8: a character starts at every byte but continuation bytes; four bytes make two UTF-16 units.
    for (; this.#byte < byte; this.#byte++) {
      const b = bytes[this.#byte] as number;
      if ((b & 0xc0) !== 0x80) this.#char += b >= 0xf0 ? 2 : 1;
    }
    return this.#char;
  }

  #toByte(char: number): number {
    if (this.#ascii) return char;
    const bytes = this.#bytes;
    while (this.#char < char) {
      const b = bytes[this.#byte] as number;
      const length = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      this.#byte += length;
      this.#char += length === 4 ? 2 : 1;
    }
    return this.#byte;
  }
}

/**
 * The fast path over bytes, in one loop per entry, for what Telegraf sends: names without
 * escapes or control characters, fewer than PAIRWISE_KEYS tags, strings without escapes or
 * line breaks, `t`/`f`/`true`/`false`, numbers whose range needs no checking (integers of at
 * most 18 digits, unsigned of 19, floats that cannot overflow), and a timestamp that ends
 * the line. It only accepts entries the general reader accepts; for anything else it
 * returns false having moved nothing.
 */
class ByteReader {
  pos = 0;
  line = 1;
  entryEnd = 0;
  entryHadTimestamp = false;
  readonly #bytes: Buffer;
  readonly #length: number;
  readonly #safeTimestampDigits: number;
  /** The largest timestamps that fit in int64 once in ns, as digits: positive and negative. */
  readonly #maxTimestamp: string;
  readonly #minTimestamp: string;
  readonly #keyStarts: number[] = [];
  readonly #keyEnds: number[] = [];

  constructor(bytes: Buffer, precision: LinePrecision) {
    this.#bytes = bytes;
    this.#length = bytes.length;
    const unit = NS_PER_UNIT[precision];
    this.#safeTimestampDigits = SAFE_TIMESTAMP_DIGITS[precision];
    this.#maxTimestamp = (INT64_MAX / unit).toString();
    this.#minTimestamp = (-(INT64_MIN / unit)).toString();
  }

  /** Past spaces and tabs, blank lines and comments (as Scanner.nextEntry); false at the end. */
  nextEntry(): boolean {
    const bytes = this.#bytes;
    const length = this.#length;
    let pos = this.pos;
    while (pos < length) {
      let c = bytes[pos] as number;
      while (c === SPACE || c === TAB) c = bytes[++pos] as number;
      if (pos >= length) break;
      if (c === LF) {
        pos++;
        this.line++;
      } else if (c === CR && bytes[pos + 1] === LF) {
        pos += 2;
        this.line++;
      } else if (c === HASH) {
        const nl = bytes.indexOf(LF, pos);
        if (nl === -1) {
          pos = length;
        } else {
          pos = nl + 1;
          this.line++;
        }
      } else {
        this.pos = pos;
        return true;
      }
    }
    this.pos = pos;
    return false;
  }

  skipPlainEntry(): boolean {
    const bytes = this.#bytes;
    const length = this.#length;
    // Past the end reads as 0, a control character: it ends every loop below.
    let pos = this.pos;
    let c = (bytes[pos] ?? 0);
    while (c >= 128 || MEASUREMENT_CHARS[c] === ORDINARY) c = (bytes[++pos] ?? 0);
    if (pos === this.pos) return false;
    let tags = 0;
    while (c === COMMA) {
      if (tags === PAIRWISE_KEYS) return false;
      const keyStart = ++pos;
      c = (bytes[pos] ?? 0);
      while (c >= 128 || KEY_CHARS[c] === ORDINARY) c = (bytes[++pos] ?? 0);
      if (c !== EQUALS || pos === keyStart) return false;
      // A duplicate key: the general reader words the error.
      for (let i = 0; i < tags; i++) if (this.#sameBytes(this.#keyStarts[i] as number, this.#keyEnds[i] as number, keyStart, pos)) return false;
      this.#keyStarts[tags] = keyStart;
      this.#keyEnds[tags] = pos;
      tags++;
      const valueStart = ++pos;
      c = (bytes[pos] ?? 0);
      while (c >= 128 || KEY_CHARS[c] === ORDINARY) c = (bytes[++pos] ?? 0);
      if (pos === valueStart) return false;
    }
    if (c !== SPACE) return false;
    do c = (bytes[++pos] ?? 0);
    while (c === SPACE);
    for (;;) {
      const keyStart = pos;
      while (c >= 128 || KEY_CHARS[c] === ORDINARY) c = (bytes[++pos] ?? 0);
      if (c !== EQUALS || pos === keyStart) return false;
      c = (bytes[++pos] ?? 0);
      if (c === QUOTE) {
        do {
          c = (bytes[++pos] ?? 0);
          if (c === BACKSLASH || c === LF || pos >= length) return false;
        } while (c !== QUOTE);
        c = (bytes[++pos] ?? 0);
      } else if (c === 0x74 /* t */ || c === 0x66 /* f */ || c === 0x54 /* T */ || c === 0x46 /* F */) {
        if (c === 0x74 && bytes[pos + 1] === 0x72 && bytes[pos + 2] === 0x75 && bytes[pos + 3] === 0x65) pos += 4; // true
        else if (c === 0x66 && bytes[pos + 1] === 0x61 && bytes[pos + 2] === 0x6c && bytes[pos + 3] === 0x73 && bytes[pos + 4] === 0x65) pos += 5; // false
        else pos++;
        c = (bytes[pos] ?? 0);
      } else {
        const negative = c === MINUS;
        if (negative) c = (bytes[++pos] ?? 0);
        const intStart = pos;
        while (c >= ZERO && c <= NINE) c = (bytes[++pos] ?? 0);
        const intDigits = pos - intStart;
        if (c === 0x69 /* i */ || c === 0x75 /* u */) {
          if (intDigits === 0 || intDigits > (c === 0x69 ? 18 : 19) || (negative && c === 0x75)) return false;
          c = (bytes[++pos] ?? 0);
        } else {
          let fractionDigits = 0;
          if (c === DOT) {
            c = (bytes[++pos] ?? 0);
            const fractionStart = pos;
            while (c >= ZERO && c <= NINE) c = (bytes[++pos] ?? 0);
            fractionDigits = pos - fractionStart;
          }
          if (intDigits + fractionDigits === 0) return false;
          let exponent = 0;
          if (c === 0x65 /* e */ || c === 0x45 /* E */) {
            c = (bytes[++pos] ?? 0);
            const negativeExponent = c === MINUS;
            if (negativeExponent || c === PLUS) c = (bytes[++pos] ?? 0);
            const exponentStart = pos;
            while (c >= ZERO && c <= NINE) {
              exponent = exponent * 10 + (c - ZERO);
              c = (bytes[++pos] ?? 0);
            }
            if (pos === exponentStart || pos - exponentStart > 3) return false;
            if (negativeExponent) exponent = 0;
          }
          // Below 10^300, so finite; more digits (or leading zeros) go the long way.
          if (intDigits + exponent > 300) return false;
        }
      }
      if (c !== COMMA) break;
      c = (bytes[++pos] ?? 0);
    }
    let entryEnd = pos;
    const hadTimestamp = c === SPACE;
    if (hadTimestamp) {
      do c = (bytes[++pos] ?? 0);
      while (c === SPACE);
      const start = pos;
      if (c === MINUS) c = (bytes[++pos] ?? 0);
      const digitsStart = pos;
      while (c >= ZERO && c <= NINE) c = (bytes[++pos] ?? 0);
      if (pos === digitsStart) return false;
      if (pos - start > this.#safeTimestampDigits && !this.#timestampInRange(start, pos)) return false;
      entryEnd = pos;
    }
    // The line ends here: a line break or the end of the body, nothing else.
    if (c === CR) c = (bytes[++pos] ?? 0);
    if (c === LF) {
      this.line++;
      pos++;
    } else if (pos < length || bytes[pos - 1] === CR) {
      return false;
    }
    this.pos = pos;
    this.entryEnd = entryEnd;
    this.entryHadTimestamp = hadTimestamp;
    return true;
  }

  #sameBytes(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
    if (aEnd - aStart !== bEnd - bStart) return false;
    const bytes = this.#bytes;
    for (let i = aEnd - aStart - 1; i >= 0; i--) if (bytes[aStart + i] !== bytes[bStart + i]) return false;
    return true;
  }

  /**
   * Whether the timestamp at [start, end) (a sign, then at least one digit) fits in int64
   * once in ns: compared as digits with the largest that does, so no BigInt is made for the
   * timestamps of today (13 digits in ms, one past SAFE_TIMESTAMP_DIGITS).
   */
  #timestampInRange(start: number, end: number): boolean {
    const bytes = this.#bytes;
    const negative = bytes[start] === MINUS;
    let first = negative ? start + 1 : start;
    while (first < end - 1 && bytes[first] === ZERO) first++;
    const limit = negative ? this.#minTimestamp : this.#maxTimestamp;
    const digits = end - first;
    if (digits !== limit.length) return digits < limit.length;
    for (let i = 0; i < digits; i++) {
      const d = (bytes[first + i] as number) - limit.charCodeAt(i);
      if (d !== 0) return d < 0;
    }
    return true;
  }
}
