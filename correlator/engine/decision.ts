/**
 * What the engine decided about one alert event, with the figures behind it and a sentence an
 * operator can read ("linked: 2 hops from orders-db via depends_on, 30 s after the first alert…").
 */
import type { AlertEvent, AlertEventStatus } from '../../engine/alert/alert.ts';
import type { ReachRelation } from '../../engine/topology/topology-graph.ts';
import type { SuppressionHit } from './find-suppression.ts';

/** Each component in [0, 1] (learned in [-1, 1]); total is their weighted sum. */
export interface ScoreBreakdown {
  total: number;
  time: number;
  topology: number;
  labels: number;
  text: number;
  learned: number;
  /** Event time minus the incident's latest new alert, and minus its first alert. */
  gapMs: number;
  sinceFirstMs: number;
  /** The nearest incident item and how it relates to the alert's item; null without a topology match. */
  viaItem: string | null;
  hops: number | null;
  relation: ReachRelation | null;
  /**
   * Whether a single root could still explain the incident with this alert in it; null when
   * not checked (no causal relation between them, or nothing known).
   */
  consistent: boolean | null;
  /**
   * Where the alert sits relative to the incident's alerting root (EngineConfig.rootFit):
   * `effect` (on it or needing it), `cause` (it needs the alert's item), `apart` (neither);
   * null when not checked (no topology match, or no alerting root yet).
   */
  rootFit: 'effect' | 'cause' | 'apart' | null;
  /** That root item, and the event time minus its first alert in the incident. */
  rootItem: string | null;
  rootLagMs: number | null;
  /** What the root fit multiplied the total by (1: no change). */
  rootFactor: number;
  /** For `apart`: the alert's item and the root need a common item directly (it may be a silent cause). */
  silentParent: boolean;
  /**
   * For `apart` with `silentParent`: the alert came more than EngineConfig.rootFit.silentParentWithinMs
   * after the root's first alert (`rootLagMs`), too late for one silent cause of both; the
   * exception does not hold and the apart factor applies.
   */
  silentParentLate: boolean;
  /** For `effect`: below 1 when it comes later than the cascade needs to reach it from the root. */
  lateEffect: number;
  /** For `effect`: causal hops from the alert's item up to the root. */
  rootHops: number | null;
  /** Below 1 when a rival incident explains the alert with a nearer root (EngineConfig.rootFit.nearerRootDecay). */
  nearerRoot: number;
  /**
   * For `effect`: below 1 when the root is two or more causal hops away and none of the items
   * between alerts in the incident yet (EngineConfig.rootFit.unseenPathFactor).
   */
  unseenPath: number;
  /**
   * Below 1 when every member of the incident is on one item, the first alert there longer ago
   * than EngineConfig.confined.afterMs, and the alert is on an item connected to it (a local fault).
   */
  confined: number;
  /**
   * Below 1 when the incident started on `bulkSideFrom` (an item with no causal relations) at
   * least EngineConfig.bulkSide.afterMs before, has stayed on it and on what it cuts off, and the
   * alert is on the bulk side of it (the part of the network that does not need it): a fault
   * cuts off what lies behind it, so this is more likely a second fault.
   */
  bulkSide: number;
  bulkSideFrom: string | null;
  /**
   * Below 1 when the incident's alerts on the alert's item began `staleItemMs` ago, longer than
   * EngineConfig.itemBurst.staleAfterMs, while a rival incident's fault reaches the item now: its
   * first alert on `freshItem` (the item itself, or an item it needs directly) `freshAgoMs` ago.
   */
  staleItem: number;
  staleItemMs: number | null;
  freshItem: string | null;
  freshAgoMs: number | null;
  /**
   * Learned share of confirmed incidents in which the alert's type fired on the root; while the
   * type has too few confirmed incidents, the share of its alerts placed so far on their
   * incident's first item (`rolePlaced` then says so, EngineConfig.roles.placedMinSeen); null when unknown.
   */
  roleShare: number | null;
  /** When `roleShare` comes from the engine's placements: how many of its alerts were on their incident's first item, of how many. */
  rolePlaced: { onFirst: number; seen: number } | null;
  /** Below 1 when a root-like alert would give the incident a second root (EngineConfig.roles), on `roleItem`. */
  roleFactor: number;
  roleItem: string | null;
  /**
   * Which case of the role rule (EngineConfig.roles) set `roleFactor`: `second-root` (`roleItem`
   * already has a root-like alert), `below-root` (the incident has none, and the alert is
   * `rootHops` causal hops below its root `roleItem`), `late-below-root` (the incident has none,
   * and the alert is directly below its root `roleItem`, later than the cascade needs),
   * `started-elsewhere` (no causal direction:
   * away from `roleItem`, where the incident started), `beside-root` (not judged, factor 1: the
   * alert and `roleItem`'s root-like alert are both directly below the incident's root
   * `rootItem`), `broken-root` (the alert, not root-like itself, would be a cause of the incident's
   * root `roleItem`, which already has a root-like alert), `displaced-root` (the incident has no
   * root-like alert, and the alert is on the item it started on, below its root `roleItem`, a cause
   * that joined later); null when none applied.
   */
  roleRule: RoleRule | null;
  /** The incident alert type the learned figure is about. */
  learnedWith: string | null;
}

/** See ScoreBreakdown.roleRule. */
export type RoleRule = 'second-root' | 'below-root' | 'late-below-root' | 'started-elsewhere' | 'beside-root' | 'broken-root' | 'displaced-root';

export type DecisionAction =
  /** Opened a new incident. */
  | 'opened'
  /** Joined an existing incident as a new member. */
  | 'linked'
  /** Event of an alert already in an incident: repeat, re-fire, resolve, acknowledgement. */
  | 'kept'
  /** The same event delivered again. */
  | 'duplicate'
  /** Muted by a maintenance window, silence or inhibition rule. */
  | 'suppressed'
  /** Nothing to do: a resolve or acknowledgement of an alert the engine does not know, or a bad time. */
  | 'ignored';

export interface Decision {
  /** Arrival number given by `ingest` (decisions may come back in another order). */
  seq: number;
  event: AlertEvent;
  eventTimeMs: number;
  fingerprint: string;
  status: AlertEventStatus;
  action: DecisionAction;
  incidentKey: string | null;
  isNewIncident: boolean;
  score: ScoreBreakdown | null;
  reason: string;
  suppressedBy: SuppressionHit | null;
  flapping: boolean;
  /**
   * Incidents merged into `incidentKey` by this decision (EngineConfig.pathJoin): their members
   * are now that incident's, and they are `merged`. Empty almost always.
   */
  absorbed: readonly string[];
  /** Arrived later than the lateness bound: decided at once, possibly unlike a replay. */
  late: boolean;
  /** Items the alert mapped to, and their topology component (the partition key). */
  itemIds: readonly string[];
  component: string | null;
}
