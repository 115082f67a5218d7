/**
 * Classic three-tier applications: a load balancer needs its web servers, which need the
 * application servers, which need the application's database and a shared authentication
 * cluster; databases run on shared storage arrays. The shared parts tie applications together,
 * so faults on them reach several applications at once.
 */
import type { Relation } from '../../engine/topology/topology.ts';
import { configItemOf } from './config-item-of.ts';
import { namePool } from './name-pool.ts';
import type { GenItem, GenTopology, TopologySize } from './scenario.ts';
import type { SeededPrng } from './seeded-prng.ts';

const APPS: Record<TopologySize, number> = { small: 4, medium: 10, large: 30 };

export function threeTierTopology(size: TopologySize, rng: SeededPrng): GenTopology {
  const items: GenItem[] = [];
  const relations: Relation[] = [];
  const env = { env: 'prod', dc: 'dc-1' };
  const server = (id: string, kind: string, app: string, tier: string, name: string, port: number): GenItem => {
    // Web servers serve several virtual hosts, application servers run several connection pools.
    const instanceLabel = kind === 'web' ? 'vhost' : kind === 'appserver' ? 'pool' : 'pod';
    const instances = instanceLabel === 'pod' ? [] : Array.from({ length: rng.int(2, 4) }, (_, i) => (kind === 'web' ? `${app}-${i + 1}.example.com` : `pool-${i + 1}`));
    const item: GenItem = {
      id, kind, name, labels: { app, tier, server: name },
      instances, instanceLabel, node: null, alertLabels: { app, tier, server: name, instance: `${name}:${port}`, ...env }, canFail: true,
    };
    items.push(item);
    return item;
  };
  const auth = [1, 2].map((i) => server(`auth:${i}`, 'appserver', 'auth', 'app', `auth-${i}`, 8443));
  const storage = Array.from({ length: Math.max(1, Math.ceil(APPS[size] / 5)) }, (_, k) => {
    const array = `san-${k + 1}`;
    const item: GenItem = {
      id: `storage:${array}`, kind: 'storage', name: array, labels: { array },
      instances: [], instanceLabel: 'pod', node: null, alertLabels: { array, instance: `${array}:161`, ...env }, canFail: true,
    };
    items.push(item);
    return item;
  });
  for (const app of namePool(APPS[size])) {
    const lbName = `lb-${app}`;
    const lb: GenItem = {
      id: `lb:${app}`, kind: 'lb', name: lbName, labels: { app, tier: 'lb' },
      instances: [], instanceLabel: 'pod', node: null, alertLabels: { app, tier: 'lb', instance: `${lbName}:443`, ...env }, canFail: false,
    };
    items.push(lb);
    const webs = Array.from({ length: rng.int(2, 4) }, (_, i) => server(`web:${app}-${i + 1}`, 'web', app, 'web', `web-${app}-${i + 1}`, 80));
    const apps = Array.from({ length: rng.int(2, 4) }, (_, i) => server(`app:${app}-${i + 1}`, 'appserver', app, 'app', `app-${app}-${i + 1}`, 8080));
    const db = server(`db:${app}`, 'database', app, 'db', `db-${app}`, 5432);
    for (const w of webs) relations.push({ from: lb.id, to: w.id, kind: 'depends_on' });
    for (const w of webs) for (const a of apps) relations.push({ from: w.id, to: a.id, kind: 'depends_on' });
    for (const a of apps) {
      relations.push({ from: a.id, to: db.id, kind: 'depends_on' });
      relations.push({ from: a.id, to: rng.pick(auth).id, kind: 'depends_on' });
    }
    relations.push({ from: db.id, to: rng.pick(storage).id, kind: 'runs_on' });
  }
  return { topology: { items: items.map(configItemOf), relations }, items };
}
