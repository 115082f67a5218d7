/** One sample's value from Prometheus text exposition, by metric name and its one `kind` label (NaN when absent). */
export function sampleByKind(body: string, name: string, kind: string): number {
  return Number(new RegExp(`^${name}\\{kind="${kind}"\\} (\\S+)$`, 'm').exec(body)?.[1]);
}
