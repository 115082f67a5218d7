/**
 * A stand-in for learned alert roles (AlertRoleModel) while a type has too few confirmed
 * incidents: how often the engine itself has placed an alert of the type on the item its
 * incident started on. Types that name a broken thing (crash loops, OOM kills) land there,
 * where a fault begins; symptoms land on the items it reaches. The figure is available from the
 * first incidents of a stream, long before enough of them have resolved to be confirmed, but it
 * counts the engine's own placements, mistakes included, so it only stands in until the
 * confirmed role exists (EngineConfig.roles.placedMinSeen).
 *
 * Memory is bounded: past `maxTypes` the least seen half is forgotten.
 */
export interface PlacedRole {
  /** Smoothed share of the type's placed alerts that were on their incident's first item, in (0, 1). */
  rootShare: number;
  onFirst: number;
  seen: number;
}

export class PlacementRoles {
  private readonly counts = new Map<string, { onFirst: number; seen: number }>();

  constructor(
    private readonly maxTypes: number,
    private readonly smoothing: number,
  ) {}

  /** One alert placed in an incident (opened or linked as a new member), on its first item or not. */
  observe(type: string, onFirstItem: boolean): void {
    let c = this.counts.get(type);
    if (c === undefined) {
      this.prune();
      c = { onFirst: 0, seen: 0 };
      this.counts.set(type, c);
    }
    c.seen++;
    if (onFirstItem) c.onFirst++;
  }

  /** The placed role of a type, or null when fewer than `minSeen` of its alerts were placed. */
  role(type: string, minSeen: number): PlacedRole | null {
    const c = this.counts.get(type);
    if (c === undefined || c.seen < minSeen) return null;
    const k = this.smoothing;
    return { rootShare: (c.onFirst + k) / (c.seen + 2 * k), onFirst: c.onFirst, seen: c.seen };
  }

  /** Called before a new type is added: keeps the map at `maxTypes` at most. */
  private prune(): void {
    if (this.counts.size < this.maxTypes) return;
    const seen = [...this.counts.values()].map((c) => c.seen).sort((a, b) => a - b);
    const floor = seen[Math.floor(seen.length / 2)]!;
    for (const [t, c] of this.counts) if (c.seen <= floor && this.counts.size >= this.maxTypes / 2) this.counts.delete(t);
  }
}
