/**
 * A network tree: core routers, distribution routers, access switches and the servers behind
 * them, linked with `connects_to` (child to parent). Relations carry no direction for the
 * correlator; the generator knows that losing a device cuts off everything below it.
 */
import type { Relation } from '../../engine/topology/topology.ts';
import { configItemOf } from './config-item-of.ts';
import type { GenItem, GenTopology, TopologySize } from './scenario.ts';
import type { SeededPrng } from './seeded-prng.ts';

const SIZES: Record<TopologySize, { cores: number; dists: number; switchesPer: [number, number]; serversPer: [number, number] }> = {
  small: { cores: 1, dists: 3, switchesPer: [2, 4], serversPer: [2, 4] },
  medium: { cores: 2, dists: 8, switchesPer: [3, 5], serversPer: [3, 5] },
  large: { cores: 2, dists: 20, switchesPer: [4, 6], serversPer: [4, 6] },
};

export function networkTreeTopology(size: TopologySize, rng: SeededPrng): GenTopology {
  const n = SIZES[size];
  const items: GenItem[] = [];
  const relations: Relation[] = [];
  const device = (kind: 'router' | 'switch', name: string, site: string, role: string): GenItem => {
    const ports = Array.from({ length: kind === 'router' ? 6 : 4 }, (_, i) => `ge-0/0/${i + 1}`);
    const item: GenItem = {
      id: `${kind === 'router' ? 'rtr' : 'sw'}:${name}`, kind, name, labels: { device: name },
      instances: ports, instanceLabel: 'ifName', node: null, alertLabels: { device: name, site, role, instance: name }, canFail: true,
    };
    items.push(item);
    return item;
  };
  const cores = Array.from({ length: n.cores }, (_, i) => device('router', `core-${i + 1}`, 'core', 'core'));
  for (let d = 0; d < n.dists; d++) {
    const site = `site-${d + 1}`;
    const dist = device('router', `dist-${d + 1}`, site, 'distribution');
    relations.push({ from: dist.id, to: cores[d % cores.length]!.id, kind: 'connects_to' });
    for (let s = 0; s < rng.int(...n.switchesPer); s++) {
      const sw = device('switch', `sw-${d + 1}-${s + 1}`, site, 'access');
      relations.push({ from: sw.id, to: dist.id, kind: 'connects_to' });
      for (let h = 0; h < rng.int(...n.serversPer); h++) {
        const host = `srv-${d + 1}-${s + 1}-${h + 1}`;
        const srv: GenItem = {
          id: `srv:${host}`, kind: 'host', name: host, labels: { host },
          // Service checks run against the server from the monitoring host: they fail with it.
          instances: ['ping', 'ssh', 'http'].slice(0, rng.int(2, 3)), instanceLabel: 'check', node: null, alertLabels: { host, site, instance: `${host}:9100` }, canFail: true,
        };
        items.push(srv);
        relations.push({ from: srv.id, to: sw.id, kind: 'connects_to' });
      }
    }
  }
  return { topology: { items: items.map(configItemOf), relations }, items };
}
