/**
 * Jaccard similarity of two sorted, duplicate-free string lists: |A ∩ B| / |A ∪ B|, 0 when
 * both are empty (nothing in common is no evidence of sameness). Linear merge, no allocation.
 */
export function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 0;
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      common++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return common / (a.length + b.length - common);
}
