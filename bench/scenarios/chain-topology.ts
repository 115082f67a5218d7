/**
 * A long call chain (svc-1 needs svc-2 needs … needs the database), services spread over a
 * few hosts: faults travel many hops, farther than the correlator's topology horizon.
 */
import type { Relation } from '../../engine/topology/topology.ts';
import { configItemOf } from './config-item-of.ts';
import type { GenItem, GenTopology, TopologySize } from './scenario.ts';
import type { SeededPrng } from './seeded-prng.ts';

const LENGTH: Record<TopologySize, number> = { small: 10, medium: 25, large: 60 };

export function chainTopology(size: TopologySize, rng: SeededPrng): GenTopology {
  const items: GenItem[] = [];
  const relations: Relation[] = [];
  const env = { env: 'prod', cluster: 'prod-us-1' };
  const hosts = Array.from({ length: Math.max(2, Math.ceil(LENGTH[size] / 5)) }, (_, i) => {
    const host = `chain-node-${i + 1}`;
    const item: GenItem = {
      id: `host:${host}`, kind: 'host', name: host, labels: { host },
      instances: [], instanceLabel: 'pod', node: null, alertLabels: { host, instance: `${host}:9100`, ...env }, canFail: true,
    };
    items.push(item);
    return item;
  });
  let prev: GenItem | null = null;
  for (let i = LENGTH[size]; i >= 1; i--) {
    const name = `stage-${String(i).padStart(2, '0')}`;
    const host = hosts[(i - 1) % hosts.length]!;
    const item: GenItem = {
      id: `svc:${name}`, kind: 'service', name, labels: { service: name, namespace: 'pipeline' },
      instances: Array.from({ length: rng.int(3, 5) }, (_, k) => `${name}-${k}`), instanceLabel: 'pod', node: host.name,
      alertLabels: { service: name, namespace: 'pipeline', ...env }, canFail: true,
    };
    items.push(item);
    relations.push({ from: item.id, to: host.id, kind: 'runs_on' });
    if (prev) relations.push({ from: item.id, to: prev.id, kind: 'depends_on' });
    prev = item;
  }
  return { topology: { items: items.map(configItemOf), relations }, items };
}
