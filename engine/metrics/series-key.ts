/** The identity of a series' tag set, and the order both metric stores return series in. */
export function tagKey(tags: Record<string, string>): string {
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}\u0000${tags[k] as string}`)
    .join('\u0001');
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
