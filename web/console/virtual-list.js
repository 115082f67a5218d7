// A virtualized table body: only the rows in view (plus a few) exist in the DOM, so a list of
// thousands scrolls and updates as fast as one of thirty. Rows have one fixed height; a sizer
// gives the scroll range, and the table is moved to the first rendered row. Rows are keyed:
// a row whose version did not change is left alone, so live updates touch only what changed.

const OVERSCAN = 8;

export class VirtualList {
  /**
   * viewport: the scrolling element; sizer: its child whose height is the whole list; table:
   * the element moved into view; body: where rows go. size(): rows in all; keyAt(i): a row's
   * key, or null when not loaded yet; versionAt(i): changes when the row must be redrawn;
   * fill(tr, i): draws row i; placeholder(tr, i): draws a row not loaded yet; onWindow(first,
   * last): told which rows are in view after each render (to load more).
   */
  constructor(opts) {
    Object.assign(this, opts);
    this.cache = new Map();
    this.frame = 0;
    this.onScroll = () => this.refresh();
    this.viewport.addEventListener('scroll', this.onScroll, { passive: true });
    this.resize = new ResizeObserver(() => this.refresh());
    this.resize.observe(this.viewport);
  }

  /** Redraws on the next frame; many calls in one frame draw once. */
  refresh() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  render() {
    const rh = this.rowHeight();
    const n = this.size();
    this.sizer.style.height = `${n * rh}px`;
    const top = this.viewport.scrollTop;
    const vh = this.viewport.clientHeight || window.innerHeight;
    const first = Math.max(0, Math.floor(top / rh) - OVERSCAN);
    const last = Math.min(n, Math.ceil((top + vh) / rh) + OVERSCAN);
    this.table.style.transform = `translateY(${first * rh}px)`;
    const next = new Map();
    const rows = [];
    for (let i = first; i < last; i++) {
      const k = this.keyAt(i);
      const key = k === null || k === undefined ? `\u0000placeholder:${i}` : k;
      if (next.has(key)) continue;
      let entry = this.cache.get(key);
      if (!entry) entry = { tr: document.createElement('tr'), version: undefined };
      if (k === null || k === undefined) {
        if (entry.version !== 'placeholder') this.placeholder(entry.tr, i);
        entry.version = 'placeholder';
      } else {
        const v = this.versionAt(i);
        if (entry.version !== v) {
          this.fill(entry.tr, i);
          entry.version = v;
        }
      }
      entry.tr.dataset.index = String(i);
      next.set(key, entry);
      rows.push(entry.tr);
    }
    this.cache = next;
    const children = this.body.children;
    let same = children.length === rows.length;
    for (let i = 0; same && i < rows.length; i++) same = children[i] === rows[i];
    if (!same) this.body.replaceChildren(...rows);
    this.onWindow?.(first, last);
  }

  /** Forgets drawn rows (after a filter change), so every row is drawn afresh. */
  clear() {
    this.cache.clear();
    this.body.replaceChildren();
  }

  /** Scrolls just enough to show row `i`. */
  reveal(i) {
    const rh = this.rowHeight();
    const top = i * rh;
    const vp = this.viewport;
    if (top < vp.scrollTop) vp.scrollTop = top;
    else if (top + rh > vp.scrollTop + vp.clientHeight) vp.scrollTop = top + rh - vp.clientHeight;
  }

  destroy() {
    cancelAnimationFrame(this.frame);
    this.viewport.removeEventListener('scroll', this.onScroll);
    this.resize.disconnect();
  }
}
