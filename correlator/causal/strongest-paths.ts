/**
 * Indirect causal relations: type A reaches type C through a chain of learned direct edges.
 *
 * A root-cause ranking needs ancestors, not only parents: when A triggers B and B triggers C,
 * A is a root cause of C even though, once B is known, A adds nothing to C's model (that is
 * exactly why the direct fit drops A→C). For every pair connected by a path of direct edges this
 * returns the strongest chain: the one whose weakest link is strongest (a widest-path search,
 * which unlike a best-product search stays correct when a branching ratio exceeds 1). The
 * relation's strength is the product of the chain's branching ratios: expected C occurrences per
 * A occurrence along that chain.
 */
export interface DirectLink {
  cause: number;
  effect: number;
  strength: number;
}

export interface IndirectRelation {
  cause: number;
  effect: number;
  /** Types strictly between cause and effect, in order. */
  via: number[];
  /** Product of the chain's branching ratios. */
  strength: number;
  /** The chain's edges, in order. */
  links: DirectLink[];
}

export function strongestPaths(links: readonly DirectLink[], typeCount: number): IndirectRelation[] {
  const out: DirectLink[][] = Array.from({ length: typeCount }, () => []);
  const direct = new Set<number>();
  for (const l of links) {
    if (l.cause === l.effect) continue;
    out[l.cause]!.push(l);
    direct.add(l.cause * typeCount + l.effect);
  }
  const relations: IndirectRelation[] = [];
  for (let source = 0; source < typeCount; source++) {
    // Widest path: best[v] is the strongest weakest link of any chain source → v. Types number in
    // the tens to hundreds, so Dijkstra with a plain array scan is enough.
    const best = new Float64Array(typeCount).fill(-1);
    const via = new Array<DirectLink | undefined>(typeCount);
    const done = new Uint8Array(typeCount);
    best[source] = Infinity;
    for (;;) {
      let node = -1;
      for (let v = 0; v < typeCount; v++) if (!done[v] && best[v]! >= 0 && (node < 0 || best[v]! > best[node]!)) node = v;
      if (node < 0) break;
      done[node] = 1;
      for (const l of out[node]!) {
        const s = Math.min(best[node]!, l.strength);
        if (!done[l.effect] && s > best[l.effect]!) {
          best[l.effect] = s;
          via[l.effect] = l;
        }
      }
    }
    for (let target = 0; target < typeCount; target++) {
      if (target === source || !done[target] || direct.has(source * typeCount + target)) continue;
      const chain: DirectLink[] = [];
      for (let v = target; v !== source; v = via[v]!.cause) chain.unshift(via[v]!);
      relations.push({
        cause: source,
        effect: target,
        via: chain.slice(1).map((l) => l.cause),
        strength: chain.reduce((p, l) => p * l.strength, 1),
        links: chain,
      });
    }
  }
  return relations;
}
