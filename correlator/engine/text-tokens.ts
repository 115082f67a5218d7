/**
 * Word tokens of an alert's name and summary for text similarity: camelCase and snake_case
 * split, lower-cased, numbers and stop words dropped (they make unrelated summaries look alike),
 * sorted and unique so jaccard() can merge them.
 */
const STOP = new Set([
  'a', 'an', 'the', 'is', 'are', 'was', 'on', 'in', 'of', 'for', 'to', 'at', 'by', 'and', 'or', 'with', 'from', 'than',
  'has', 'have', 'be', 'been', 'this', 'that', 'it', 'its', 'over', 'above', 'below', 'not', 'no',
]);

export function textTokens(name: string, summary: string | undefined): string[] {
  const text = `${name} ${summary ?? ''}`
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
  const out = new Set<string>();
  for (const w of text.split(/[^a-z0-9]+/)) {
    if (w.length < 2 || STOP.has(w) || /^\d/.test(w)) continue;
    out.add(w);
  }
  return [...out].sort();
}
