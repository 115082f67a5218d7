/**
 * GET /api/v1/topology/alerting (permission `incident:read`): where the active incidents sit
 * on the topology, for the console's graph. Every item the firing members of open and
 * acknowledged incidents map to (with how many alerts fire on it and which incidents), and
 * each incident's suspected root (its first-ranked root-cause candidate). At most
 * MAX_FIRING_ALERTS alerts are mapped; `truncated` says when there were more. Read at most
 * once per CACHE_MS per process.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../engine/db/database.ts';
import { IncidentRepository } from '../engine/incident/incident-repository.ts';
import type { TopologySnapshots } from '../engine/problem/topology-snapshot.ts';
import { requirePermission } from './access-plugin.ts';
import { shortCache } from './short-cache.ts';

const MAX_FIRING_ALERTS = 20_000;
const MAX_INCIDENTS = 2_000;
const CACHE_MS = 2_000;

export interface TopologyStatusOptions {
  database: Database;
  topology: TopologySnapshots;
}

export const topologyStatusRoutes: FastifyPluginAsync<TopologyStatusOptions> = async (app, { database, topology }) => {
  const status = shortCache(CACHE_MS, async () => {
    const snapshot = await topology.current(database.db);
    const incidents = new IncidentRepository(database.db);
    const firing = await incidents.activeFiringLabels(MAX_FIRING_ALERTS + 1);
    const byItem = new Map<string, { itemId: string; firing: number; incidentIds: Set<string> }>();
    let unmapped = 0;
    for (const f of firing.slice(0, MAX_FIRING_ALERTS)) {
      const ids = snapshot.matcher?.match(f.labels) ?? [];
      if (ids.length === 0) unmapped++;
      for (const id of ids) {
        let e = byItem.get(id);
        if (!e) byItem.set(id, (e = { itemId: id, firing: 0, incidentIds: new Set() }));
        e.firing++;
        e.incidentIds.add(f.incidentId);
      }
    }
    const active = await incidents.activeWithRootCauses(MAX_INCIDENTS);
    const roots = active.flatMap((i) => {
      const top = i.rootCauses.find((c) => c.rank === 1) ?? i.rootCauses[0];
      return top ? [{ itemId: top.itemId, name: top.name, score: top.score, incidentId: i.id, title: i.title, severity: i.severity }] : [];
    });
    return {
      version: snapshot.version,
      alerting: [...byItem.values()].map((e) => ({ itemId: e.itemId, firing: e.firing, incidentIds: [...e.incidentIds].slice(0, 50) })),
      roots,
      incidents: active.map((i) => ({ id: i.id, title: i.title, severity: i.severity, status: i.status })),
      unmappedFiring: unmapped,
      truncated: firing.length > MAX_FIRING_ALERTS,
    };
  });

  app.get('/api/v1/topology/alerting', { onRequest: requirePermission('incident:read') }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return status();
  });
};
