// The topology (#/topology): configuration items as an inline SVG graph, layered by dependency
// depth (what depends on nothing sits at the bottom, each item one layer above the deepest
// thing it depends on), ordered within layers by the mean position of their neighbours to
// untangle edges. Items with firing alerts of open incidents are red; each incident's
// first-ranked root-cause candidate is marked. Large topologies show the alerting part and its
// neighbours unless asked for everything.
import { api } from './api.js';
import { h, num, put, sevBadge } from './dom.js';
import { svg } from './svg.js';

const FOCUS_OVER = 150;
const NODE_W = 150;
const NODE_H = 36;
const GAP_X = 24;
const GAP_Y = 70;

/** Layers and positions for `items` joined by `relations` (from depends on / runs on to). */
export function layout(items, relations) {
  const ids = new Set(items.map((i) => i.id));
  const out = new Map(items.map((i) => [i.id, []]));
  const inn = new Map(items.map((i) => [i.id, []]));
  for (const r of relations) {
    if (!ids.has(r.from) || !ids.has(r.to) || r.from === r.to) continue;
    out.get(r.from).push(r.to);
    inn.get(r.to).push(r.from);
  }
  // Depth = 1 + the deepest dependency; a cycle is cut where the walk meets itself.
  const depth = new Map();
  const onPath = new Set();
  const walk = (start) => {
    const stack = [[start, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [id, k] = top;
      if (k === 0) onPath.add(id);
      const deps = out.get(id);
      if (k < deps.length) {
        top[1]++;
        const d = deps[k];
        if (!depth.has(d) && !onPath.has(d)) stack.push([d, 0]);
        continue;
      }
      let dd = 0;
      for (const d of deps) if (depth.has(d)) dd = Math.max(dd, depth.get(d) + 1);
      depth.set(id, dd);
      onPath.delete(id);
      stack.pop();
    }
  };
  for (const i of items) if (!depth.has(i.id)) walk(i.id);
  const maxDepth = Math.max(0, ...depth.values());
  const layers = Array.from({ length: maxDepth + 1 }, () => []);
  for (const i of [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) layers[maxDepth - depth.get(i.id)].push(i.id);
  // Barycentre sweeps, down then up, twice.
  const pos = new Map();
  const index = () => layers.forEach((l) => l.forEach((id, k) => pos.set(id, k / Math.max(1, l.length - 1))));
  index();
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const l of order) {
      const key = new Map(l.map((id) => {
        const ns = down ? inn.get(id) : out.get(id);
        const known = ns.filter((n) => pos.has(n));
        return [id, known.length ? known.reduce((s, n) => s + pos.get(n), 0) / known.length : pos.get(id)];
      }));
      l.sort((a, b) => key.get(a) - key.get(b));
      l.forEach((id, k) => pos.set(id, k / Math.max(1, l.length - 1)));
    }
  }
  const widest = Math.max(1, ...layers.map((l) => l.length));
  const width = widest * (NODE_W + GAP_X) + GAP_X;
  const height = layers.length * (NODE_H + GAP_Y) + GAP_Y / 2;
  const xy = new Map();
  layers.forEach((l, li) => {
    const span = l.length * (NODE_W + GAP_X) - GAP_X;
    const x0 = (width - span) / 2;
    l.forEach((id, k) => xy.set(id, { x: x0 + k * (NODE_W + GAP_X), y: GAP_Y / 2 + li * (NODE_H + GAP_Y) }));
  });
  return { xy, width, height, layers: layers.length, edges: relations.filter((r) => xy.has(r.from) && xy.has(r.to) && r.from !== r.to) };
}

/** The alerting and root items with their neighbours, for a topology too large to read whole. */
function focus(topology, marked) {
  const keep = new Set(marked);
  for (const r of topology.relations) {
    if (marked.has(r.from)) keep.add(r.to);
    if (marked.has(r.to)) keep.add(r.from);
  }
  return { items: topology.items.filter((i) => keep.has(i.id)), relations: topology.relations.filter((r) => keep.has(r.from) && keep.has(r.to)) };
}

export function mount(root, params, { stream }) {
  let showAll = params.get('all') === '1';
  let generation = 0;
  const canvas = h('div', { class: 'graph', id: 'topology-graph' }, 'loading…');
  const side = h('aside', { class: 'card side', id: 'topology-side' });
  const info = h('span', { class: 'muted', id: 'topology-info' });
  const all = h('input', { type: 'checkbox', id: 'topology-all', checked: showAll });
  all.addEventListener('change', () => {
    showAll = all.checked;
    void load();
  });
  put(root,
    h(
      'section',
      { class: 'page topology' },
      h('div', { class: 'toolbar' }, h('h2', { text: 'Topology' }), h('label', {}, all, ' show every item'), info, h('span', { class: 'legend-inline' }, h('span', { class: 'key alerting' }), 'alerting ', h('span', { class: 'key root' }), 'suspected root')),
      h('div', { class: 'topology-body' }, canvas, side),
    ),
  );

  async function load() {
    const gen = ++generation;
    let topology;
    let status;
    try {
      [topology, status] = await Promise.all([api('/api/v1/topology'), api('/api/v1/topology/alerting')]);
    } catch (err) {
      put(canvas, h('p', { class: 'error', text: err.message }));
      return;
    }
    if (gen !== generation) return;
    const alerting = new Map(status.alerting.map((a) => [a.itemId, a]));
    const roots = new Map();
    for (const r of status.roots) if (!roots.has(r.itemId)) roots.set(r.itemId, r);
    const marked = new Set([...alerting.keys(), ...roots.keys()]);
    const focused = !showAll && topology.items.length > FOCUS_OVER;
    const shown = focused ? focus(topology, marked) : topology;
    info.textContent = `${num(topology.items.length)} items, ${num(topology.relations.length)} relations, version ${topology.version}${focused ? ` · showing the ${num(shown.items.length)} around alerting items` : ''} · ${num(status.alerting.length)} alerting, ${num(roots.size)} suspected roots${status.unmappedFiring ? ` · ${num(status.unmappedFiring)} firing alerts map to no item` : ''}`;
    if (shown.items.length === 0) {
      put(canvas, h('p', { class: 'muted', text: topology.items.length === 0 ? 'No topology yet: PUT /api/v1/topology to describe your items and their relations.' : 'Nothing is alerting.' }));
    } else {
      put(canvas, draw(shown, alerting, roots));
    }
    renderSide(status, roots, topology);
  }

  function draw(shown, alerting, roots) {
    const { xy, width, height, edges } = layout(shown.items, shown.relations);
    const byId = new Map(shown.items.map((i) => [i.id, i]));
    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'topology-svg', role: 'img', 'aria-label': 'topology graph' });
    root.append(svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0L10,5L0,10z', class: 'arrow' }))));
    const edgeLayer = svg('g', { class: 'edges' });
    for (const e of edges) {
      const a = xy.get(e.from);
      const b = xy.get(e.to);
      const down = b.y > a.y;
      const x1 = a.x + NODE_W / 2;
      const y1 = down ? a.y + NODE_H : a.y;
      const x2 = b.x + NODE_W / 2;
      const y2 = down ? b.y : b.y + NODE_H;
      const my = (y1 + y2) / 2;
      const hot = alerting.has(e.from) && alerting.has(e.to);
      const p = svg('path', { d: `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`, class: `edge${hot ? ' hot' : ''}`, 'marker-end': 'url(#arrow)' });
      p.append(svg('title', {}, `${byId.get(e.from).name} ${e.kind} ${byId.get(e.to).name}`));
      edgeLayer.append(p);
    }
    root.append(edgeLayer);
    for (const item of shown.items) {
      const { x, y } = xy.get(item.id);
      const a = alerting.get(item.id);
      const r = roots.get(item.id);
      const g = svg('g', { class: `node${a ? ' alerting' : ''}${r ? ' root' : ''}`, transform: `translate(${x},${y})`, 'data-item': item.id, tabindex: 0 });
      g.append(svg('rect', { width: NODE_W, height: NODE_H, rx: 6 }));
      g.append(svg('text', { x: 8, y: 15, class: 'name' }, item.name.length > 20 ? `${item.name.slice(0, 19)}…` : item.name));
      g.append(svg('text', { x: 8, y: 29, class: 'kind' }, `${item.kind}${a ? ` · ${a.firing} firing` : ''}`));
      if (r) g.append(svg('circle', { cx: NODE_W - 10, cy: 10, r: 6, class: 'root-mark' }), svg('text', { x: NODE_W - 10, y: 14, 'text-anchor': 'middle', class: 'root-letter' }, 'R'));
      g.append(svg('title', {}, `${item.id}\n${Object.entries(item.labels).map(([k, v]) => `${k}=${v}`).join('\n')}${a ? `\n${a.firing} firing alerts in ${a.incidentIds.length} incidents` : ''}${r ? `\nsuspected root of “${r.title}”` : ''}`));
      g.addEventListener('click', () => select(item, a, r));
      root.append(g);
    }
    return root;
  }

  function select(item, a, r) {
    put(side,
      h('h3', { text: item.name }),
      h('p', { class: 'muted', text: `${item.id} · ${item.kind}` }),
      h('ul', { class: 'plain' }, ...Object.entries(item.labels).map(([k, v]) => h('li', { text: `${k}=${v}` }))),
      a ? h('p', {}, `${a.firing} firing alerts in `, ...a.incidentIds.flatMap((id, k) => [k ? ', ' : '', h('a', { href: `#/incidents/${encodeURIComponent(id)}`, text: id.slice(0, 8) })])) : h('p', { class: 'muted', text: 'No firing alerts.' }),
      r ? h('p', {}, 'Suspected root of ', h('a', { href: `#/incidents/${encodeURIComponent(r.incidentId)}`, text: r.title })) : null,
      h('button', { type: 'button', class: 'secondary', text: 'back to roots', onclick: () => void load() }),
    );
  }

  function renderSide(status, roots) {
    put(side,
      h('h3', { text: 'Suspected roots' }),
      roots.size === 0
        ? h('p', { class: 'muted', text: 'No open incident has a ranked root cause.' })
        : h('ul', { class: 'plain roots', id: 'topology-roots' }, ...status.roots.map((r) => h('li', { dataset: { item: r.itemId } }, sevBadge(r.severity), ' ', h('b', { text: r.name }), ' → ', h('a', { href: `#/incidents/${encodeURIComponent(r.incidentId)}`, text: r.title })))),
    );
  }

  // Redraw after changes at most every 3 s, however busy the stream is.
  let timer = 0;
  const later = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = 0;
      void load();
    }, 3000);
  };
  const unsubscribe = stream.subscribe((m) => {
    if (m.incident) later();
  });
  void load();
  return {
    unmount() {
      generation++;
      clearTimeout(timer);
      unsubscribe();
    },
  };
}
