/**
 * Make a directed graph acyclic, keeping strong edges: edges are admitted strongest first and
 * one that would close a cycle is dropped.
 *
 * Why: the per-type fits are Granger-style and symmetric burst structure (both types riding the
 * same storm) shows up as A→B and B→A at once. A root-cause ranking needs an order between
 * types, and for a pair seen both ways the stronger direction is the better bet.
 */
export interface WeightedEdge {
  cause: number;
  effect: number;
  weight: number;
}

export function breakCycles<E extends WeightedEdge>(edges: readonly E[], nodeCount: number): E[] {
  const sorted = [...edges].sort((a, b) => b.weight - a.weight || a.cause - b.cause || a.effect - b.effect);
  const children: number[][] = Array.from({ length: nodeCount }, () => []);
  const kept: E[] = [];
  for (const edge of sorted) {
    if (edge.cause === edge.effect || reaches(children, edge.effect, edge.cause, nodeCount)) continue;
    children[edge.cause]!.push(edge.effect);
    kept.push(edge);
  }
  return kept;
}

function reaches(children: number[][], from: number, to: number, nodeCount: number): boolean {
  const seen = new Uint8Array(nodeCount);
  const stack = [from];
  seen[from] = 1;
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node === to) return true;
    for (const next of children[node]!) {
      if (!seen[next]) {
        seen[next] = 1;
        stack.push(next);
      }
    }
  }
  return false;
}
