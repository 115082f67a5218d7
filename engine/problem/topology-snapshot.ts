/**
 * The topology as signatures and the miner need it: an item matcher, items by id and the graph,
 * rebuilt only when the stored topology version moved (one cheap version read per use).
 */
import type { Executor } from '../db/executor.ts';
import { ItemMatcher } from '../topology/item-matcher.ts';
import { TopologyGraph } from '../topology/topology-graph.ts';
import type { ConfigItem } from '../topology/topology.ts';
import { TopologyRepository } from '../topology/topology-repository.ts';

export interface TopologySnapshot {
  version: number;
  /** null without a topology: alerts then map to no item. */
  matcher: ItemMatcher | null;
  items: ReadonlyMap<string, ConfigItem>;
  graph: TopologyGraph | null;
}

export class TopologySnapshots {
  private cached: TopologySnapshot | null = null;

  async current(db: Executor): Promise<TopologySnapshot> {
    const repo = new TopologyRepository(db);
    if (this.cached !== null && this.cached.version === (await repo.version())) return this.cached;
    const topology = await repo.get();
    const empty = topology.items.length === 0;
    this.cached = {
      version: topology.version,
      matcher: empty ? null : new ItemMatcher(topology.items),
      items: new Map(topology.items.map((i) => [i.id, i])),
      graph: empty ? null : new TopologyGraph(topology),
    };
    return this.cached;
  }
}

/** The items an alert's labels map to, as signatures take them. */
export function itemsOf(snapshot: TopologySnapshot, labels: Readonly<Record<string, string>>): ConfigItem[] {
  if (snapshot.matcher === null) return [];
  return snapshot.matcher.match(labels).flatMap((id) => {
    const item = snapshot.items.get(id);
    return item ? [item] : [];
  });
}
