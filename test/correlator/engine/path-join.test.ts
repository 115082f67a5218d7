/**
 * A fault seen at both ends of a path before the items between alert: the far end opened an
 * incident of its own; an alert between them that reaches the link threshold with both merges
 * them (EngineConfig.pathJoin), says so in its reason and lists the merged incident in
 * Decision.absorbed. Only without causal relations, in time, and never against operators' splits.
 */
import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { CorrelationEngineGrouper } from '../../../correlator/engine/correlation-engine-grouper.ts';
import { engineConfig, type EngineConfig } from '../../../correlator/engine/engine-config.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import type { Topology } from '../../../engine/topology/topology.ts';
import { alert } from './fixtures.ts';

const node = (kind: string, name: string) => ({ id: `${kind}:${name}`, kind, name, labels: { device: name } });

//   core ── dist ── sw ── srv       (connects_to only: a network tree, no causal direction)
//     └──── dist-2 ── sw-2 ── srv-2  (a second branch as big as the first: the core is central,
//                                     no side of it holds most of the tree; see bulk-side.test.ts)
const TREE: Topology = {
  items: [node('router', 'core'), node('router', 'dist'), node('switch', 'sw'), node('server', 'srv'), node('router', 'dist-2'), node('switch', 'sw-2'), node('server', 'srv-2')],
  relations: [
    { from: 'router:dist', to: 'router:core', kind: 'connects_to' },
    { from: 'switch:sw', to: 'router:dist', kind: 'connects_to' },
    { from: 'server:srv', to: 'switch:sw', kind: 'connects_to' },
    { from: 'router:dist-2', to: 'router:core', kind: 'connects_to' },
    { from: 'switch:sw-2', to: 'router:dist-2', kind: 'connects_to' },
    { from: 'server:srv-2', to: 'switch:sw-2', kind: 'connects_to' },
  ],
};

// The same shape with causal relations: srv runs_on sw, sw depends_on dist, dist depends_on core.
const CAUSAL: Topology = {
  items: TREE.items,
  relations: [
    { from: 'router:dist', to: 'router:core', kind: 'depends_on' },
    { from: 'switch:sw', to: 'router:dist', kind: 'depends_on' },
    { from: 'server:srv', to: 'switch:sw', kind: 'runs_on' },
  ],
};

function engine(config: Partial<EngineConfig> = {}, topo: Topology = TREE): CorrelationEngine {
  return new CorrelationEngine({ graph: new TopologyGraph(topo), matcher: new ItemMatcher(topo.items), config });
}

/** The core fails; the server three hops away alerts before anything between (score below 0.5). */
function bothEnds(e: CorrelationEngine, srvAt = 10) {
  const core = e.decide(alert({ name: 'InterfaceDown', labels: { device: 'core' }, at: 0 }));
  const srv = e.decide(alert({ name: 'ServiceCheckFailed', labels: { device: 'srv' }, at: srvAt }));
  return { core, srv };
}

describe('a path between two incidents fills in', () => {
  it('is on by default', () => {
    expect(engineConfig().pathJoin).toEqual({ enabled: true });
  });

  it('merges the later incident into the earlier one when an alert between them fits both, and says why', () => {
    const e = engine();
    const { core, srv } = bothEnds(e);
    expect(srv.action).toBe('opened');
    const dist = e.decide(alert({ name: 'PacketLoss', labels: { device: 'dist' }, at: 20 }));
    expect(dist).toMatchObject({ action: 'linked', incidentKey: core.incidentKey, absorbed: [srv.incidentKey] });
    expect(dist.reason).toContain(`joins ${srv.incidentKey}: dist lies between core and srv, where the two incidents started 10 s apart (3 hops: one fault, seen at both ends before the items between alerted), so they are merged`);
    expect(e.incident(srv.incidentKey!)).toMatchObject({ status: 'merged', mergedInto: core.incidentKey, members: [] });
    expect(e.incident(core.incidentKey!)!.members.map((m) => `${m.name}@${m.itemIds[0]}`)).toEqual(['InterfaceDown@router:core', 'ServiceCheckFailed@server:srv', 'PacketLoss@router:dist']);
    // Later alerts near the server find the merged incident.
    const sw = e.decide(alert({ name: 'DeviceUnreachable', labels: { device: 'sw' }, at: 40 }));
    expect(sw.incidentKey).toBe(core.incidentKey);
  });

  it('without the rule the two incidents stay apart', () => {
    const e = engine({ pathJoin: { enabled: false } });
    const { core, srv } = bothEnds(e);
    const dist = e.decide(alert({ name: 'PacketLoss', labels: { device: 'dist' }, at: 20 }));
    expect(dist).toMatchObject({ action: 'linked', absorbed: [] });
    expect(dist.reason).not.toContain('joins');
    expect(e.incident(srv.incidentKey!)!.status).toBe('open');
    expect(e.incident(core.incidentKey!)!.members).toHaveLength(2);
  });

  it('the grouper keys every alert by the incident it ends up in, unless asked for the key at decision time', () => {
    const events = [
      alert({ name: 'InterfaceDown', labels: { device: 'core' }, at: 0 }),
      alert({ name: 'ServiceCheckFailed', labels: { device: 'srv' }, at: 10 }),
      alert({ name: 'PacketLoss', labels: { device: 'dist' }, at: 20 }),
    ];
    const final = new CorrelationEngineGrouper().group({ events, topology: TREE });
    expect(new Set(final).size).toBe(1);
    const atTheTime = new CorrelationEngineGrouper({ finalIncidents: false }).group({ events, topology: TREE });
    expect(new Set(atTheTime).size).toBe(2);
  });

  it('does not merge when the later incident started after the cascade time of the distance', () => {
    // With a 5 s grace and 1 s a hop, the cascade reaches three hops in 8 s: the server's
    // incident, 10 s after the core's, is taken for another fault.
    const e = engine({ rootFit: { ...engineConfig().rootFit, effectGraceMs: 5_000, hopMs: 1_000 } });
    const { core, srv } = bothEnds(e);
    expect(srv.action).toBe('opened');
    const dist = e.decide(alert({ name: 'PacketLoss', labels: { device: 'dist' }, at: 20 }));
    expect(dist).toMatchObject({ action: 'linked', incidentKey: core.incidentKey, absorbed: [] });
    expect(e.incident(srv.incidentKey!)!.status).toBe('open');
    // At 10 s a hop (5 + 30 s) the same stream merges.
    const f = engine({ rootFit: { ...engineConfig().rootFit, effectGraceMs: 5_000, hopMs: 10_000 } });
    const ends = bothEnds(f);
    expect(f.decide(alert({ name: 'PacketLoss', labels: { device: 'dist' }, at: 20 })).absorbed).toEqual([ends.srv.incidentKey]);
  });

  it('does not merge along causal relations (the root fit places those alerts)', () => {
    const e = engine({}, CAUSAL);
    const core = e.decide(alert({ name: 'InterfaceDown', labels: { device: 'core' }, at: 0 }));
    const srv = e.decide(alert({ name: 'ServiceCheckFailed', labels: { device: 'srv' }, at: 10 }));
    const dist = e.decide(alert({ name: 'PacketLoss', labels: { device: 'dist' }, at: 20 }));
    expect(dist.absorbed).toEqual([]);
    expect(e.incident(core.incidentKey!)!.status).toBe('open');
    if (srv.action === 'opened') expect(e.incident(srv.incidentKey!)!.status).toBe('open');
  });

  it('leaves alone an incident an operator split, and types operators split apart', () => {
    const e = engine();
    const core = e.decide(alert({ name: 'InterfaceDown', labels: { device: 'core' }, at: 0 }));
    e.decide(alert({ name: 'RouterCPUHigh', labels: { device: 'core' }, at: 1 }));
    const cpu = e.incident(core.incidentKey!)!.members[1]!.fingerprint;
    const part = e.split(core.incidentKey!, [cpu]);
    const srv = e.decide(alert({ name: 'ServiceCheckFailed', labels: { device: 'srv' }, at: 10 }));
    expect(srv.action).toBe('opened');
    const dist = e.decide(alert({ name: 'PacketLoss', labels: { device: 'dist' }, at: 20 }));
    expect(dist.score!.total).toBeGreaterThanOrEqual(0.5);
    expect(dist.absorbed).toEqual([]);
    expect(e.incident(srv.incidentKey!)!.status).toBe('open');
    expect(part.key).toContain('~');

    // No split incident, but operators split PacketLoss@router from PacketLoss@server before.
    const f = engine();
    f.model.feedback('InterfaceDown@router', 'ServiceCheckFailed@server', -1);
    const ends = bothEnds(f);
    const between = f.decide(alert({ name: 'PacketLoss', labels: { device: 'dist' }, at: 20 }));
    expect(between.absorbed).toEqual([]);
    expect(f.incident(ends.srv.incidentKey!)!.status).toBe('open');
  });
});
