/**
 * Root-cause ranking: the upstream-most alerting item first, earliest onset, recent changes
 * and learned causal patterns as evidence, a silent shared upstream as a candidate.
 */
import { describe, expect, it } from 'vitest';
import type { IncidentView, MemberView } from '../../../correlator/engine/incident-view.ts';
import { rankRootCauses } from '../../../correlator/engine/rank-root-causes.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import { SHOP, T0 } from './fixtures.ts';

const graph = new TopologyGraph(SHOP);
const member = (name: string, item: string, atS: number): MemberView => ({
  fingerprint: `${name}@${item}`, name, type: `${name}@${graph.item(item)!.kind}`, itemIds: [item], onsetMs: T0 + atS * 1000,
  firing: true, flapping: false,
});
const incident = (members: MemberView[]): IncidentView => ({
  key: 'i', status: 'open', firstOnsetMs: T0, lastOnsetMs: T0, resolvedAtMs: null, mergedInto: null, component: null, members,
});

describe('rankRootCauses', () => {
  it('ranks the upstream-most alerting item first, even when a symptom fired earlier', () => {
    const ranked = rankRootCauses(incident([member('HighLatency', 'svc:web', 0), member('HighErrorRate', 'svc:orders', 5), member('DBDown', 'db:orders-db', 20)]), graph);
    expect(ranked[0]!.itemId).toBe('db:orders-db');
    expect(ranked[0]!.evidence[0]).toBe('upstream-most alerting item: 2 of 2 other alerting items depend on it');
    expect(ranked.map((c) => c.rank)).toEqual(ranked.map((_, i) => i + 1));
    const web = ranked.find((c) => c.itemId === 'svc:web')!;
    expect(web.evidence).toContain('earliest onset in the incident');
    expect(web.evidence.some((e) => e.startsWith('it depends on alerting'))).toBe(true);
  });

  it('names a silent shared upstream item as a candidate', () => {
    const ranked = rankRootCauses(incident([member('HighErrorRate', 'svc:orders', 0), member('ReplicationLag', 'db:orders-db', 3)]), graph);
    const host = ranked.find((c) => c.itemId === 'host:host-1')!;
    expect(host.alerting).toBe(false);
    expect(host.evidence).toContain('no alert of its own: a shared upstream of every alerting item');
    expect(ranked[0]!.itemId).toBe('db:orders-db');
  });

  it('lets a recent change and a learned causal edge tip the balance between look-alikes', () => {
    const members = [member('HighLatency', 'svc:orders', 0), member('HighLatency', 'svc:search', 0)];
    expect(rankRootCauses(incident(members), graph)[0]!.itemId).toBe('svc:orders');
    const withChange = rankRootCauses(incident(members), graph, {
      changes: [{ id: 'CHG-7', itemId: 'svc:search', atMs: T0 - 14 * 60_000, summary: 'deploy 2.4.1' }],
    });
    expect(withChange[0]!.itemId).toBe('svc:search');
    expect(withChange[0]!.evidence).toContain('change CHG-7 (deploy 2.4.1) 14 min before the first alert');
    const old = rankRootCauses(incident(members), graph, { changes: [{ id: 'CHG-1', itemId: 'svc:search', atMs: T0 - 5 * 3600_000 }] });
    expect(old[0]!.itemId).toBe('svc:orders');
    const causal = rankRootCauses(incident([member('CacheMiss', 'svc:orders', 0), member('HighLatency', 'svc:search', 0)]), graph, {
      causalEdges: [{ cause: 'HighLatency', effect: 'CacheMiss', weight: 0.8 }],
    });
    expect(causal[0]!.itemId).toBe('svc:search');
    expect(causal[0]!.evidence).toContain('learned pattern: HighLatency leads to CacheMiss');
  });

  it('returns nothing for an incident of unmapped alerts', () => {
    expect(rankRootCauses(incident([{ ...member('X', 'svc:web', 0), itemIds: [] }]), graph)).toEqual([]);
  });
});
