/**
 * The rules of a topology that a JSON schema cannot state: item ids are unique, a
 * relation is listed once, joins two different items, and (when every item is at hand,
 * as for a replace) both its ends are items. Pure; the repository runs it before writing
 * and adds the endpoint check against stored items for a merge.
 */
import type { Topology } from './topology.ts';

/** `pointer` is a JSON pointer into the submitted document, e.g. `/relations/3/to`. */
export interface TopologyProblem {
  pointer: string;
  message: string;
}

export function checkTopology(topology: Topology, opts: { endpointsMustBeItems: boolean }): TopologyProblem[] {
  const problems: TopologyProblem[] = [];
  const itemIndex = new Map<string, number>();
  topology.items.forEach((item, i) => {
    const first = itemIndex.get(item.id);
    if (first === undefined) itemIndex.set(item.id, i);
    else problems.push({ pointer: `/items/${i}/id`, message: `duplicates the id of /items/${first} (${JSON.stringify(item.id)})` });
  });
  const relationIndex = new Map<string, number>();
  topology.relations.forEach((r, i) => {
    // JSON of the triple: no separator character can make two different triples collide.
    const key = JSON.stringify([r.from, r.to, r.kind]);
    const first = relationIndex.get(key);
    if (first === undefined) relationIndex.set(key, i);
    else problems.push({ pointer: `/relations/${i}`, message: `duplicates /relations/${first}` });
    if (r.from === r.to) problems.push({ pointer: `/relations/${i}/to`, message: `relates ${JSON.stringify(r.from)} to itself` });
    if (opts.endpointsMustBeItems) {
      for (const end of ['from', 'to'] as const) {
        if (!itemIndex.has(r[end])) problems.push({ pointer: `/relations/${i}/${end}`, message: `${JSON.stringify(r[end])} is not an item of this topology` });
      }
    }
  });
  return problems;
}
