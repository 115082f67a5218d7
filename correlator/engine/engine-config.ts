/**
 * Every knob of the correlation engine, with the defaults the evaluation was tuned with once,
 * globally (bench/eval-correlation.ts runs every scenario with these). Times in milliseconds.
 */
import type { ReachRelation } from '../../engine/topology/topology-graph.ts';
import { ALERT_ROLE_DEFAULTS, type AlertRoleOptions } from './alert-role-model.ts';
import { CO_OCCURRENCE_DEFAULTS, type CoOccurrenceOptions } from './co-occurrence-model.ts';

export interface ScoreWeights {
  time: number;
  topology: number;
  labels: number;
  text: number;
  learned: number;
}

export interface EngineConfig {
  /**
   * How late (in event time, behind the latest event seen) an event may arrive and still be
   * placed exactly as in a replay. Decisions are held back this long; later arrivals are
   * decided at once and flagged `late`.
   */
  latenessMs: number;
  /** An incident takes new alerts only while its latest new alert is at most this old. */
  maxGapMs: number;
  /** Time proximity is exp(-gap / timeScaleMs), gap to the incident's latest new alert. */
  timeScaleMs: number;
  /** Topology proximity is looked for this many hops out. */
  maxHops: number;
  /** Link to the best incident when its score reaches this; otherwise open a new one. */
  linkThreshold: number;
  weights: ScoreWeights;
  /**
   * Topology proximity by relation and hop count (index = hops; missing = 0). Upstream: the
   * alert's item needs the incident's item; downstream: the reverse; sibling: both need a
   * common item; linked: any other relation path (e.g. connects_to).
   */
  topologyAffinity: Record<ReachRelation, readonly number[]>;
  /**
   * A fault's alerts on one item start within minutes of each other, and a cause comes before
   * its effects. Topology proximity through an incident item is scaled by
   * 1 / (1 + excess / scaleMs), where excess is how much later than that item's first alert in
   * the incident this alert comes, beyond a grace: `graceMs` when the alert's item would be a
   * cause of that item, a sibling or merely linked to it (a late "cause" is more likely a new
   * fault nearby), `effectGraceMs` when it is the same item or an effect of it (symptoms spread
   * and some rules wait before firing). This keeps a long incident from snowballing new faults.
   */
  causalLag: { graceMs: number; effectGraceMs: number; scaleMs: number };
  /**
   * One fault, one root cause: an incident keeps the items that could explain all its
   * members (common causal ancestors within `hops`). An alert that would join as a cause of
   * some members (or a sibling of them) but shares no possible root with the incident would
   * make it a two-fault incident; its topology proximity is multiplied by `factor`.
   */
  causalConsistency: { hops: number; factor: number };
  /**
   * Where the alert would sit in the fault the incident already shows. The incident's alerting
   * roots are its items that could explain every member (see causalConsistency). An alert on
   * such a root or on an item that needs one is an effect of it: a fault spreads that way. An
   * alert on an item a root needs would become the new root, which a cause can only do if it
   * fires about when the incident starts: later than `causeGraceMs` after the root's first
   * alert, the link score is scaled by 1 / (1 + excess / causeScaleMs) (a late cause is a
   * second fault nearby; with 20 s, one 40 s after the root's first alert keeps half its score).
   * The same scale weighs an effect that comes later than the cascade needs against a rival
   * incident that reaches it on time. An alert on neither side of a root would need a cause that is not
   * alerting: the link score is multiplied by `apartFactor`. Only checked between items with
   * causal relations. (Not when both items need one common item directly, a host or database
   * that may not alert, and no rival explains the alert, unless the alert comes more than
   * `silentParentWithinMs` after the root's first alert: one silent cause reaches its direct
   * dependents at about the same time, so a sibling that far behind is a second fault.)
   *
   * When several incidents explain the alert as an effect in time, the one whose root is nearer
   * wins: each extra hop to a rival's root scales that rival by `nearerRootDecay` (a fault
   * reaches fewer items the further it has to spread, so the nearer root is the likelier cause).
   *
   * A fault reaches an item two or more causal hops from its root through the items between.
   * An effect whose item has none of its causal ancestors nearer than the root alerting in the
   * incident yet (the fault would have skipped them) is scaled by `unseenPathFactor`: often a
   * second fault starting there, sometimes only an effect whose neighbours alert a little later.
   */
  rootFit: {
    causeGraceMs: number;
    causeScaleMs: number;
    apartFactor: number;
    effectGraceMs: number;
    hopMs: number;
    nearerRootDecay: number;
    unseenPathFactor: number;
    silentParentWithinMs: number;
  };
  /**
   * Learned alert roles (AlertRoleModel): a type that fired on the root item in at least
   * `minRootShare` of the confirmed incidents it was seen in names a broken thing. Such an
   * alert joining an incident that already has one on another item would give it a second
   * root: the link score is multiplied by `factor`, unless the learned affinity of its type
   * with the incident's types reaches `vouchedAt` (a known symptom of this kind of fault).
   *
   * An incident with no root-like alert yet has nothing to compare with; there such an alert on
   * an item `belowRootHops` or more causal hops below the incident's root (an effect, as the
   * root fit sees it) is judged the same way: a fault that far from its root shows symptoms, a
   * root-like alert there is a second fault starting (a companion's OOM kill two services up
   * from a failing database). One hop below is not judged: what runs on a failing host or
   * array often reports itself down. 0: off. With `lateOneHopBelow`, one hop below is judged
   * too when the alert comes later than the cascade needs to get there (rootFit.effectGraceMs
   * + rootFit.hopMs after the root's first alert, 75 s): what runs on a failing host reports
   * itself down with it, a root-like alert there a minute later is a second fault starting.
   *
   * For the same reason, with `besideRoot`, a root-like alert directly below the incident's
   * alerting root (one causal hop, an effect on time or late) is not a second root when every
   * root-like alert the incident already has is directly below that root too: the databases of
   * one failing host, each reporting itself down. Vouching is not needed for it (false: off).
   *
   * Where the topology has no causal direction (a `connects_to` network) the item an incident
   * started on stands for its root (roles are learned that way there: its possible roots are
   * the first member's items). A root-like alert on any other item, `startedElsewhereAfterMs`
   * or more after the incident's first alert (a fault shows on its own item within seconds),
   * is scaled by `factor`, with no vouching by learned co-occurrence (learned there from the
   * incidents that took in second faults). null: off.
   *
   * Confirmed roles need `minSupport` resolved incidents per type, so at the start of a stream
   * (cold) the rules above know no type. Until a type has them, with `placedMinSeen`, its share
   * is taken from where the engine has placed its alerts so far: how many of them (at least
   * `placedMinSeen`) landed on the first item of their incident (PlacementRoles; smoothed as
   * the confirmed share). Crash loops and OOM kills land where a fault starts, symptoms where it
   * spreads. null: off (cold streams then wait for confirmed incidents).
   *
   * With `causeOfBrokenRoot`, an alert that is not root-like itself (a symptom type, or one not
   * known yet) on an item the incident's alerting root needs (root fit `cause`, on time or not)
   * is scaled by `factor` when that root already has a root-like alert, unless learned
   * co-occurrence vouches: the incident already names its broken thing, and an alert that names
   * none cannot take its place as the root (a host's first alert a few seconds after a crash
   * loop on a service it runs). A root-like cause there is judged as a second root as before.
   * When neither role was known as the cause came, it took the root over; with `displacedRoot`,
   * a root-like alert that later lands on the item the incident started on, now below that root,
   * while the incident has no root-like alert, is scaled by `factor` (vouching as for
   * `belowRootHops`): the item it started on reports itself broken, so the cause was a second fault.
   */
  roles: AlertRoleOptions & { enabled: boolean; minRootShare: number; factor: number; vouchedAt: number; belowRootHops: number; lateOneHopBelow: boolean; besideRoot: boolean; causeOfBrokenRoot: boolean; displacedRoot: boolean; startedElsewhereAfterMs: number | null; placedMinSeen: number | null };
  /**
   * A fault spreads from its first item within seconds to a minute a hop. An incident whose
   * members have all stayed on one item for more than `afterMs` since its first alert is a
   * local fault; an alert on an item merely connected to it (relation `linked`, where the
   * topology says nothing of cause and effect) joining it is more likely a new fault nearby:
   * its score is multiplied by `factor` (1: off). Causal relations have the root fit instead.
   */
  confined: { afterMs: number; factor: number };
  /**
   * Where the topology has no causal direction, a fault on an item cuts off what lies behind it
   * (the servers behind a switch, the branch behind a router), and the item's other side, the
   * part of the network that does not need it, holds most of the rest (TopologyGraph.onBulkSide).
   * An incident that started on such an item and has stayed, for `afterMs` or more since its
   * first alert, on it and on what it cuts off shows a fault there. An alert on the bulk side of
   * that item is then more likely a second fault (a distribution router failing two minutes after
   * one of its switches): its score is multiplied by `factor`. Within `afterMs` it is not: the
   * item the incident started on may only be the first symptom of a fault beyond it, whose own
   * alerts follow within seconds. null: off. Candidates found by a topology hit only.
   */
  bulkSide: { afterMs: number | null; factor: number };
  /**
   * A fault's alerts on one item fire together: when it reaches the item, its rules trip within
   * seconds of each other (one evaluation round; a rule with a `for:` clause later). When a new
   * alert could join two incidents (each found through a topology hit and scoring at least the
   * link threshold), one whose alerts on the alert's item began more than `staleAfterMs` ago
   * holds an earlier burst there; when the other's fault is reaching the item now (its first
   * alert on the item at most `staleAfterMs` ago, or its first alert on an item the alert's item
   * needs directly at most `parentWithinMs` ago), the new alert is more likely that fault's: the
   * stale incident's score is multiplied by `factor`. Never without such a rival: a lone incident
   * keeps the late alerts of its items. `staleAfterMs` should not be shorter than the alert rules'
   * evaluation interval. null: off.
   */
  itemBurst: { staleAfterMs: number | null; parentWithinMs: number; factor: number };
  /**
   * A fault can show at both ends of a path before the items between alert (a server behind a
   * failing core router, seconds before its switch), and the far end then opens an incident of
   * its own. When a new alert reaches the link threshold with two open incidents (each through a
   * topology hit) and its item lies on a shortest path between the items they started on, and
   * the later one started within the cascade time of that distance (rootFit.effectGraceMs +
   * hops × rootFit.hopMs), the path has filled in: the incidents are merged into the earlier one
   * (Decision.absorbed). Only where the three items have no causal relations (a `connects_to`
   * network): with causal ones the root fit places alerts, and joining along causal paths merged
   * companion faults (ADR 0003, round 5). Incidents an operator split, or whose types operators
   * split apart, are never merged.
   */
  pathJoin: { enabled: boolean };
  /** Labels that differ between replicas of one thing; left out of label similarity. */
  volatileLabels: readonly string[];
  /**
   * Labels whose equal value makes an incident a candidate even without a topology match
   * (alerts of items the topology does not know).
   */
  indexLabels: readonly string[];
  /**
   * For alerts the topology does not know (or with no topology at all): the first of these
   * labels present names an implicit item, so alerts of one service group as if on one item.
   * Each must also be in `indexLabels`.
   */
  implicitItemLabels: readonly string[];
  /** An incident resolves this long after its last member resolved (if nothing re-fires). */
  holdMs: number;
  flapping: {
    /** This many state changes (fire or resolve) within windowMs mark an alert flapping… */
    changes: number;
    windowMs: number;
    /** …and it stays marked until it has been quiet this long (hysteresis). */
    quietMs: number;
    /**
     * A flapping alert that fires again while no member of its incident fires steadily (none,
     * or only flapping ones: that fault looks over) is scored like a new alert, and joins another incident that scores at
     * least linkThreshold and beats its own: a new fault nearby raised it again. Otherwise it
     * stays where it is, as every flap does.
     */
    followNewFault: boolean;
  };
  /** Candidates scored per event, nearest first: keeps the per-event cost flat in a storm. */
  maxCandidates: number;
  /**
   * Skip the full scoring of a candidate whose upper bound (exact time and topology terms, the
   * best possible label, text and learned terms) is below the best score already found: the
   * same decisions at a fraction of the cost when many incidents share names or labels. Off
   * only to check that claim (test/correlator/engine/pruned-scoring.test.ts).
   */
  pruneCandidates: boolean;
  /** Incidents kept per alert name and per label pair in the candidate index, most recently active. */
  indexFanout: number;
  /** Members an incident is compared with for label and text similarity: its first and latest ones. */
  exemplars: number;
  /** A resolved alert's state is kept this long (duplicates, flapping, re-fires), then dropped. */
  alertRetentionMs: number;
  /** A resolved incident is kept this long for operators' merges and splits, then dropped. */
  incidentRetentionMs: number;
  /**
   * Hard cap on incidents held; past it the earliest resolved or merged ones are dropped before
   * their retention ends. Open incidents are never dropped: they leave by resolving.
   */
  maxIncidents: number;
  /** A firing alert with no event for this long is treated as resolved (its sender is gone). */
  staleAfterMs: number;
  /** Hard cap on alert states; past it the least recently seen are dropped as stale. */
  maxAlerts: number;
  /** Entries of the per-item topology neighbourhood cache. */
  maxReachCache: number;
  learning: CoOccurrenceOptions & { enabled: boolean };
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = Object.freeze({
  latenessMs: 120_000,
  maxGapMs: 10 * 60_000,
  timeScaleMs: 4 * 60_000,
  maxHops: 3,
  linkThreshold: 0.5,
  weights: { time: 0.3, topology: 0.4, labels: 0.1, text: 0.1, learned: 0.1 },
  topologyAffinity: {
    self: [1],
    upstream: [1, 0.95, 0.8, 0.6],
    downstream: [1, 0.95, 0.8, 0.6],
    sibling: [1, 1, 0.65, 0.4],
    linked: [1, 0.8, 0.55, 0.3],
  },
  causalLag: { graceMs: 120_000, effectGraceMs: 300_000, scaleMs: 180_000 },
  causalConsistency: { hops: 8, factor: 0.15 },
  rootFit: { causeGraceMs: 20_000, causeScaleMs: 20_000, apartFactor: 0.6, effectGraceMs: 30_000, hopMs: 45_000, nearerRootDecay: 0.9, unseenPathFactor: 0.85, silentParentWithinMs: 30_000 },
  roles: { ...ALERT_ROLE_DEFAULTS, enabled: true, minRootShare: 0.8, factor: 0.5, vouchedAt: 0.5, belowRootHops: 2, lateOneHopBelow: true, besideRoot: true, causeOfBrokenRoot: true, displacedRoot: true, startedElsewhereAfterMs: 20_000, placedMinSeen: 5 },
  confined: { afterMs: 60_000, factor: 0.8 },
  bulkSide: { afterMs: 20_000, factor: 0.5 },
  itemBurst: { staleAfterMs: 20_000, parentWithinMs: 60_000, factor: 0.7 },
  pathJoin: { enabled: true },
  volatileLabels: ['instance', 'pod', 'pod_name', 'container', 'container_id', 'ip', 'pod_ip', 'uid', 'replica', 'ifIndex'],
  indexLabels: ['service', 'app', 'application', 'job', 'host', 'node', 'device'],
  implicitItemLabels: ['service', 'app', 'application', 'job'],
  holdMs: 5 * 60_000,
  flapping: { changes: 3, windowMs: 15 * 60_000, quietMs: 15 * 60_000, followNewFault: true },
  maxCandidates: 48,
  pruneCandidates: true,
  indexFanout: 64,
  exemplars: 4,
  alertRetentionMs: 60 * 60_000,
  incidentRetentionMs: 60 * 60_000,
  maxIncidents: 100_000,
  staleAfterMs: 24 * 3600_000,
  maxAlerts: 500_000,
  maxReachCache: 50_000,
  learning: { ...CO_OCCURRENCE_DEFAULTS, enabled: true },
}) as EngineConfig;

/** Defaults with overrides; nested objects merged one level deep. */
export function engineConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  const d = DEFAULT_ENGINE_CONFIG;
  return {
    ...d,
    ...overrides,
    weights: { ...d.weights, ...overrides.weights },
    topologyAffinity: { ...d.topologyAffinity, ...overrides.topologyAffinity },
    flapping: { ...d.flapping, ...overrides.flapping },
    causalLag: { ...d.causalLag, ...overrides.causalLag },
    causalConsistency: { ...d.causalConsistency, ...overrides.causalConsistency },
    rootFit: { ...d.rootFit, ...overrides.rootFit },
    roles: { ...d.roles, ...overrides.roles },
    confined: { ...d.confined, ...overrides.confined },
    bulkSide: { ...d.bulkSide, ...overrides.bulkSide },
    itemBurst: { ...d.itemBurst, ...overrides.itemBurst },
    pathJoin: { ...d.pathJoin, ...overrides.pathJoin },
    learning: { ...d.learning, ...overrides.learning },
  };
}
