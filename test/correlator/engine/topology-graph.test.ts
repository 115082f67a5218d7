/**
 * The indexed topology graph and the label-to-item matcher: hop distances and paths, their
 * wording, the causal closure in both directions, stable component ids, classified reach.
 */
import { describe, expect, it } from 'vitest';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import type { ConfigItem, Topology } from '../../../engine/topology/topology.ts';
import { SHOP } from './fixtures.ts';

describe('TopologyGraph', () => {
  const graph = new TopologyGraph(SHOP);

  it('lists neighbours with relation kind and direction', () => {
    expect(graph.neighbours('svc:orders')).toEqual([
      { id: 'svc:web', kind: 'depends_on', direction: 'in' },
      { id: 'db:orders-db', kind: 'depends_on', direction: 'out' },
      { id: 'host:host-1', kind: 'runs_on', direction: 'out' },
    ]);
    expect(graph.neighbours('nope')).toEqual([]);
  });

  it('finds shortest hop distances and paths within a bound', () => {
    expect(graph.distance('svc:web', 'svc:web')).toBe(0);
    expect(graph.distance('svc:web', 'db:orders-db')).toBe(2);
    expect(graph.distance('svc:web', 'host:host-1')).toBe(2);
    expect(graph.distance('svc:web', 'host:host-1', 1)).toBeNull();
    expect(graph.distance('svc:web', 'svc:billing')).toBeNull();
    expect(graph.path('svc:web', 'db:orders-db')).toEqual([
      { from: 'svc:web', to: 'svc:orders', kind: 'depends_on', direction: 'out' },
      { from: 'svc:orders', to: 'db:orders-db', kind: 'depends_on', direction: 'out' },
    ]);
  });

  it('describes a path in words, named from the far end', () => {
    expect(graph.describePath('svc:web', 'db:orders-db')).toBe('2 hops from orders-db via depends_on');
    expect(graph.describePath('svc:search', 'host:host-2')).toBe('1 hop from host-2 via runs_on');
    expect(graph.describePath('svc:web', 'svc:web')).toBe('on web itself');
    expect(graph.describePath('svc:web', 'svc:billing', 5)).toBeNull();
  });

  it('walks upstream and downstream along depends_on and runs_on only', () => {
    expect(Object.fromEntries(graph.upstream('svc:web'))).toEqual({
      'svc:orders': 1,
      'svc:search': 1,
      'db:orders-db': 2,
      'host:host-1': 2,
      'host:host-2': 2,
    });
    expect(Object.fromEntries(graph.downstream('host:host-1'))).toEqual({ 'db:orders-db': 1, 'svc:orders': 1, 'svc:web': 2 });
    expect(graph.isUpstreamOf('db:orders-db', 'svc:web')).toBe(true);
    expect(graph.isUpstreamOf('svc:web', 'db:orders-db')).toBe(false);
    const net = new TopologyGraph({
      items: [
        { id: 'a', kind: 'switch', name: 'a', labels: {} },
        { id: 'b', kind: 'router', name: 'b', labels: {} },
      ],
      relations: [{ from: 'a', to: 'b', kind: 'connects_to' }],
    });
    expect(net.upstream('a').size).toBe(0);
    expect(net.distance('a', 'b')).toBe(1);
  });

  it('names each component by its smallest item id, whatever the upload order', () => {
    expect(graph.componentOf('svc:web')).toBe('db:orders-db');
    expect(graph.componentOf('host:host-3')).toBe('db:billing-db');
    expect(graph.componentOf('unknown')).toBeNull();
    const reversed: Topology = { items: [...SHOP.items].reverse(), relations: [...SHOP.relations].reverse() };
    const other = new TopologyGraph(reversed);
    for (const item of SHOP.items) expect(other.componentOf(item.id)).toBe(graph.componentOf(item.id));
    expect([...graph.components().keys()].sort()).toEqual(['db:billing-db', 'db:orders-db']);
  });

  it('classifies the neighbourhood: upstream, downstream, siblings, other links', () => {
    const reach = graph.reach(graph.indexOf('svc:orders')!, 2).map((r) => `${graph.idOf(r.index)}:${r.relation}/${r.hops}`);
    expect(reach).toContain('svc:orders:self/0');
    expect(reach).toContain('db:orders-db:upstream/1');
    expect(reach).toContain('host:host-1:upstream/1');
    expect(reach).toContain('svc:web:downstream/1');
    // search and orders both feed web, but share no upstream within 2 hops: only linked.
    expect(reach).toContain('svc:search:linked/2');
    const dbReach = graph.reach(graph.indexOf('db:orders-db')!, 2).map((r) => `${graph.idOf(r.index)}:${r.relation}/${r.hops}`);
    expect(dbReach).toContain('svc:orders:downstream/1');
    expect(dbReach).toContain('host:host-1:upstream/1');
  });

  it('ignores relations to unknown items', () => {
    const g = new TopologyGraph({ items: SHOP.items, relations: [...SHOP.relations, { from: 'svc:web', to: 'ghost', kind: 'depends_on' }] });
    expect(g.neighbours('svc:web').map((n) => n.id)).toEqual(['svc:orders', 'svc:search']);
  });
});

describe('ItemMatcher', () => {
  const items: ConfigItem[] = [
    { id: 'svc', kind: 'service', name: 'orders', labels: { service: 'orders' } },
    { id: 'svc-prod', kind: 'service', name: 'orders (prod)', labels: { service: 'orders', env: 'prod' } },
    { id: 'cluster-prod', kind: 'cluster', name: 'prod', labels: { env: 'prod', cluster: 'eu-1' } },
    { id: 'host', kind: 'host', name: 'node-1', labels: { host: 'node-1' } },
    { id: 'host-twin', kind: 'host', name: 'node-1 twin', labels: { host: 'node-1' } },
    { id: 'nothing', kind: 'thing', name: 'nothing', labels: {} },
  ];
  const matcher = new ItemMatcher(items);

  it('maps labels to the most specific items that all their labels match', () => {
    expect(matcher.match({ service: 'orders', env: 'prod', pod: 'x' })).toEqual(['svc-prod']);
    expect(matcher.match({ service: 'orders', env: 'dev' })).toEqual(['svc']);
    expect(matcher.match({ service: 'orders', env: 'prod', cluster: 'eu-1' }).sort()).toEqual(['cluster-prod', 'svc-prod']);
  });

  it('breaks ties by item id and never matches an item without labels', () => {
    expect(matcher.match({ host: 'node-1' })).toEqual(['host', 'host-twin']);
    expect(matcher.match({})).toEqual([]);
    expect(matcher.match({ job: 'x' })).toEqual([]);
  });

  it('gives the same answer whatever the item order', () => {
    const reversed = new ItemMatcher([...items].reverse());
    for (const labels of [{ host: 'node-1' }, { service: 'orders', env: 'prod', cluster: 'eu-1' }] as Array<Record<string, string>>) {
      expect(reversed.match(labels)).toEqual(matcher.match(labels));
    }
  });
});
