/**
 * What removing one item cuts off: for items x and y of one connected component, whether y lies,
 * once x is gone, in the part of the component that holds more than half of the rest (the bulk
 * of the network, which does not need x to stay connected). In a tree of routers, switches and
 * servers, everything behind a switch is cut off by it, and its uplink side is the bulk.
 *
 * Built once per graph in O(items + relations) with one iterative depth-first search (Tarjan's
 * low-link: a child's subtree is cut off by its parent when nothing in it links above the
 * parent); each question then costs a scan of x's children in the search tree.
 */
export class CutSides {
  private readonly disc: Int32Array;
  private readonly low: Int32Array;
  private readonly sub: Int32Array;
  private readonly parent: Int32Array;
  /** Each item's component (its search root) and that component's size. */
  private readonly comp: Int32Array;
  private readonly compSize: Int32Array;
  /** Items of the subtrees x cuts off, summed (for a search root: all of its subtrees). */
  private readonly cutOff: Int32Array;
  /** Children in the search tree, in discovery order (their subtrees are consecutive in disc). */
  private readonly children: number[][];

  constructor(size: number, neighbours: (index: number) => readonly number[]) {
    this.disc = new Int32Array(size).fill(-1);
    this.low = new Int32Array(size);
    this.sub = new Int32Array(size).fill(1);
    this.parent = new Int32Array(size).fill(-1);
    this.comp = new Int32Array(size);
    this.compSize = new Int32Array(size);
    this.cutOff = new Int32Array(size);
    this.children = Array.from({ length: size }, () => []);
    let time = 0;
    const stack: number[] = [];
    const next = new Int32Array(size);
    for (let s = 0; s < size; s++) {
      if (this.disc[s] !== -1) continue;
      const members: number[] = [];
      this.disc[s] = this.low[s] = time++;
      members.push(s);
      stack.push(s);
      while (stack.length > 0) {
        const v = stack[stack.length - 1]!;
        const ns = neighbours(v);
        if (next[v]! < ns.length) {
          const w = ns[next[v]!++]!;
          if (this.disc[w] === -1) {
            this.parent[w] = v;
            this.children[v]!.push(w);
            this.disc[w] = this.low[w] = time++;
            members.push(w);
            stack.push(w);
          } else if (w !== this.parent[v] && this.disc[w]! < this.low[v]!) this.low[v] = this.disc[w]!;
          continue;
        }
        stack.pop();
        const p = this.parent[v]!;
        if (p >= 0) {
          this.sub[p]! += this.sub[v]!;
          if (this.low[v]! < this.low[p]!) this.low[p] = this.low[v]!;
        }
      }
      for (const m of members) {
        this.comp[m] = s;
        this.compSize[m] = members.length;
        let cut = 0;
        for (const c of this.children[m]!) if (m === s || this.low[c]! >= this.disc[m]!) cut += this.sub[c]!;
        this.cutOff[m] = cut;
      }
    }
  }

  /**
   * Whether `y` lies in the part of its component that, without `x`, holds more than half of
   * the other items. False when x and y are the same item or in different components, and
   * for every y when no part of the rest is that large (x is central).
   */
  onBulkSide(x: number, y: number): boolean {
    if (x === y || this.comp[x] !== this.comp[y] || this.compSize[x]! < 3) return false;
    const rest = this.compSize[x]! - 1;
    const dx = this.disc[x]!;
    const dy = this.disc[y]!;
    let side: number;
    if (dy > dx && dy < dx + this.sub[x]!) {
      // In x's subtree: the child subtree holding y is cut off by x, or joins the parent side.
      let holder = -1;
      for (const c of this.children[x]!) if (dy >= this.disc[c]! && dy < this.disc[c]! + this.sub[c]!) holder = c;
      if (holder < 0) return false;
      side = this.parent[x]! < 0 || this.low[holder]! >= dx ? this.sub[holder]! : rest - this.cutOff[x]!;
    } else {
      if (this.parent[x]! < 0) return false;
      side = rest - this.cutOff[x]!;
    }
    return side * 2 > rest;
  }
}
