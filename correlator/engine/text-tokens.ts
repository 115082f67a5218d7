/**
 * Word tokens of an alert's name and summary for text similarity: camelCase and snake_case
 * split, lower-cased, numbers and stop words dropped (they make unrelated summaries look alike),
 * sorted and unique so jaccard() can merge them.
 */
import { shared } from './shared-strings.ts';

const STOP = new Set([
  'a', 'an', 'the', 'is', 'are', 'was', 'on', 'in', 'of', 'for', 'to', 'at', 'by', 'and', 'or', 'with', 'from', 'than',
  'has', 'have', 'be', 'been', 'this', 'that', 'it', 'its', 'over', 'above', 'below', 'not', 'no',
]);

export function textTokens(name: string, summary: string | undefined): string[] {
  const text = `${name} ${summary ?? ''}`;
  return isAscii(text) ? asciiTokens(text) : textTokensByRegex(name, summary);
}

/**
 * The definition: what textTokens returns for any text. Used as is for non-ASCII text (where
 * lower-casing can turn other letters into ASCII ones); kept exported so a test can hold the
 * ASCII fast path to it.
 */
export function textTokensByRegex(name: string, summary: string | undefined): string[] {
  const text = `${name} ${summary ?? ''}`
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
  const out = new Set<string>();
  for (const w of text.split(/[^a-z0-9]+/)) {
    if (w.length < 2 || STOP.has(w) || /^\d/.test(w)) continue;
    out.add(shared(w));
  }
  return [...out].sort();
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isLower = (c: number): boolean => c >= 97 && c <= 122;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * One pass over ASCII text, the same words as the regular expressions: a word is a run of
 * letters and digits, also cut between a lower-case and an upper-case letter ("diskFull"), and
 * before the last capital of two or more followed by a lower-case letter ("HTTPServer").
 */
function asciiTokens(text: string): string[] {
  const out: string[] = [];
  let start = -1;
  const n = text.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 32;
    const word = isUpper(c) || isLower(c) || isDigit(c);
    if (!word) {
      if (start >= 0) take(text, start, i, out);
      start = -1;
      continue;
    }
    if (start < 0) {
      start = i;
      continue;
    }
    const prev = text.charCodeAt(i - 1);
    // A capital after a lower-case letter, or the last of a run of capitals before a lower-case
    // letter (the run has at least two: the previous character is a capital too).
    if (isUpper(c) && (isLower(prev) || (isUpper(prev) && i + 1 < n && isLower(text.charCodeAt(i + 1))))) {
      take(text, start, i, out);
      start = i;
    }
  }
  if (out.length > 1) {
    out.sort();
    let w = 1;
    for (let r = 1; r < out.length; r++) if (out[r] !== out[w - 1]) out[w++] = out[r]!;
    out.length = w;
  }
  // Kept per alert: a right-sized copy, not the array `push` grew with room to spare.
  return out.slice();
}

function take(text: string, from: number, to: number, out: string[]): void {
  if (to - from < 2 || isDigit(text.charCodeAt(from))) return;
  const w = text.slice(from, to).toLowerCase();
  if (!STOP.has(w)) out.push(shared(w));
}
