/**
 * Learned role of alert types: how often a type fires on the root item of a confirmed incident
 * rather than on an item its fault reached. "HostDown@host" or "ContainerOOMKilled@service"
 * tend to name the broken thing; "UpstreamTimeouts@service" or "DeviceUnreachable@switch" tend
 * to be symptoms. The engine feeds it online, from incidents that resolved without a split (the
 * same confirmation the co-occurrence model learns from), and asks it whether a new alert looks
 * like the root of a fault of its own.
 *
 * Each type counts once per incident and role. Memory is bounded: past `maxTypes` the least
 * seen half is forgotten.
 */
export interface AlertRoleOptions {
  /** Incidents a type must have been seen in before its root share counts as evidence. */
  minSupport: number;
  /** Add-k smoothing towards an even share, so a few sightings are weak evidence. */
  smoothing: number;
  maxTypes: number;
}

export const ALERT_ROLE_DEFAULTS: AlertRoleOptions = { minSupport: 5, smoothing: 1, maxTypes: 20_000 };

export interface AlertRole {
  /** Smoothed share of its incidents in which the type fired on a root item, in (0, 1). */
  rootShare: number;
  onRoot: number;
  elsewhere: number;
}

export class AlertRoleModel {
  private readonly opts: AlertRoleOptions;
  private readonly counts = new Map<string, { onRoot: number; elsewhere: number }>();

  constructor(options: Partial<AlertRoleOptions> = {}) {
    this.opts = { ...ALERT_ROLE_DEFAULTS, ...options };
  }

  get size(): number {
    return this.counts.size;
  }

  /** One confirmed incident: the types seen on its root items, and those seen elsewhere. */
  observeIncident(onRoot: Iterable<string>, elsewhere: Iterable<string>): void {
    for (const t of new Set(onRoot)) this.entry(t).onRoot++;
    for (const t of new Set(elsewhere)) this.entry(t).elsewhere++;
    this.prune();
  }

  /** Evidence about a type, or null when it has been seen in fewer than `minSupport` incidents. */
  role(type: string): AlertRole | null {
    const c = this.counts.get(type);
    if (c === undefined || c.onRoot + c.elsewhere < this.opts.minSupport) return null;
    const k = this.opts.smoothing;
    return { rootShare: (c.onRoot + k) / (c.onRoot + c.elsewhere + 2 * k), onRoot: c.onRoot, elsewhere: c.elsewhere };
  }

  private entry(type: string): { onRoot: number; elsewhere: number } {
    let c = this.counts.get(type);
    if (c === undefined) {
      c = { onRoot: 0, elsewhere: 0 };
      this.counts.set(type, c);
    }
    return c;
  }

  private prune(): void {
    if (this.counts.size <= this.opts.maxTypes) return;
    const seen = [...this.counts.values()].map((c) => c.onRoot + c.elsewhere).sort((a, b) => a - b);
    const floor = seen[Math.floor(seen.length / 2)]!;
    for (const [t, c] of this.counts) if (c.onRoot + c.elsewhere <= floor && this.counts.size > this.opts.maxTypes / 2) this.counts.delete(t);
  }
}
