/**
 * A microservice estate: edge services call mid-tier services, which call backends, which use
 * databases (depends_on); every service and database runs on a host (runs_on). A database or
 * host fault reaches every service that needs it, and their callers in turn.
 */
import type { Relation } from '../../engine/topology/topology.ts';
import { configItemOf } from './config-item-of.ts';
import { namePool } from './name-pool.ts';
import type { GenItem, GenTopology, TopologySize } from './scenario.ts';
import type { SeededPrng } from './seeded-prng.ts';

const SIZES: Record<TopologySize, { services: number; hosts: number; dbs: number }> = {
  small: { services: 16, hosts: 4, dbs: 4 },
  medium: { services: 60, hosts: 12, dbs: 12 },
  large: { services: 240, hosts: 40, dbs: 40 },
};

export function microserviceTopology(size: TopologySize, rng: SeededPrng): GenTopology {
  const n = SIZES[size];
  const items: GenItem[] = [];
  const relations: Relation[] = [];
  const env = { env: 'prod', cluster: 'prod-eu-1' };
  const hosts = Array.from({ length: n.hosts }, (_, i) => {
    const host = `node-${String(i + 1).padStart(2, '0')}`;
    const item: GenItem = {
      id: `host:${host}`, kind: 'host', name: host, labels: { host },
      instances: [], instanceLabel: 'pod', node: null, alertLabels: { host, instance: `${host}:9100`, ...env }, canFail: true,
    };
    items.push(item);
    return item;
  });
  const dbNames = namePool(n.dbs).map((w) => `${w}-db`);
  const dbs = dbNames.map((db) => {
    const host = rng.pick(hosts);
    const item: GenItem = {
      id: `db:${db}`, kind: 'database', name: db, labels: { db },
      instances: [], instanceLabel: 'pod', node: host.name, alertLabels: { db, instance: `${db}:5432`, ...env }, canFail: true,
    };
    items.push(item);
    relations.push({ from: item.id, to: host.id, kind: 'runs_on' });
    return item;
  });
  const names = namePool(n.services);
  const edgeCount = Math.max(2, Math.round(n.services * 0.12));
  const midCount = Math.round(n.services * 0.38);
  const services = names.map((name, i) => {
    const host = rng.pick(hosts);
    const namespace = `team-${Math.floor(i / 8) + 1}`;
    const pods = Array.from({ length: rng.int(3, 6) }, () => `${name}-${podSuffix(rng)}`);
    const item: GenItem = {
      id: `svc:${name}`, kind: 'service', name, labels: { service: name, namespace },
      instances: pods, instanceLabel: 'pod', node: host.name, alertLabels: { service: name, namespace, ...env }, canFail: true,
    };
    items.push(item);
    relations.push({ from: item.id, to: host.id, kind: 'runs_on' });
    return item;
  });
  const edge = services.slice(0, edgeCount);
  const mid = services.slice(edgeCount, edgeCount + midCount);
  const backend = services.slice(edgeCount + midCount);
  for (const s of edge) for (const t of rng.sample(mid, rng.int(2, 4))) relations.push({ from: s.id, to: t.id, kind: 'depends_on' });
  for (const s of mid) {
    for (const t of rng.sample(backend, rng.int(2, 4))) relations.push({ from: s.id, to: t.id, kind: 'depends_on' });
    if (rng.chance(0.2)) relations.push({ from: s.id, to: rng.pick(dbs).id, kind: 'depends_on' });
  }
  for (const s of backend) if (rng.chance(0.8)) relations.push({ from: s.id, to: rng.pick(dbs).id, kind: 'depends_on' });
  return { topology: { items: items.map(configItemOf), relations }, items };
}

function podSuffix(rng: SeededPrng): string {
  const chars = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < 5; i++) s += chars[rng.int(0, chars.length - 1)];
  return s;
}

