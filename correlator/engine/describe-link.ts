/**
 * The sentence that says why an alert joined an incident, built from the score's figures so it
 * never disagrees with them: "2 hops from orders-db via depends_on (it depends on that item),
 * 30 s after the first alert, label similarity 0.80, text similarity 0.50 (score 0.72 ≥ 0.50)".
 */
import type { TopologyGraph } from '../../engine/topology/topology-graph.ts';
import { formatGap } from '../group-key.ts';
import type { ScoreBreakdown } from './decision.ts';

const RELATION_WORDS = {
  self: '',
  upstream: 'it depends on that item',
  downstream: 'that item depends on it',
  sibling: 'both depend on a common item',
  linked: 'connected',
} as const;

export function describeLink(
  score: ScoreBreakdown,
  graph: TopologyGraph | null,
  fromItem: string | null,
  maxHops: number,
  threshold: number,
): string {
  const parts: string[] = [];
  if (score.viaItem !== null && score.relation !== null) {
    const name = graph?.nameOf(score.viaItem) ?? score.viaItem;
    const implicit = score.hops === 0 && (graph === null || graph.indexOf(score.viaItem) === undefined);
    if (score.relation === 'self') parts.push(implicit ? `same ${score.viaItem}` : `on ${name}, already in the incident`);
    else {
      const path = graph && fromItem ? graph.describePath(fromItem, score.viaItem, maxHops) : null;
      const words = RELATION_WORDS[score.relation] + (score.consistent === false ? '; no common root with the incident' : '');
      parts.push(`${path ?? `${score.hops} hops from ${name}`} (${words})`);
    }
  } else parts.push('no topology path');
  parts.push(`${formatGap(score.sinceFirstMs)} the first alert`);
  const root = score.rootItem !== null ? (graph?.nameOf(score.rootItem) ?? score.rootItem) : null;
  if (root !== null && score.rootLagMs !== null) {
    const factor = score.rootFactor < 1 ? `, score ×${score.rootFactor.toFixed(2)}` : '';
    if (score.rootFit === 'effect') {
      const base = score.relation === 'self' && score.viaItem === score.rootItem ? `on the incident's root ${root}` : `an effect of the incident's root ${root}`;
      const words = [base];
      if (score.nearerRoot < 1) words.push(`${score.rootHops} causal hops away while another incident's root is nearer, score ×${score.nearerRoot.toFixed(2)}`);
      if (score.unseenPath < 1) words.push(`${score.rootHops} causal hops away with nothing between them alerting yet, score ×${score.unseenPath.toFixed(2)}`);
      if (score.staleItem < 1) words.push(`${describeStaleItem(score, graph)}, score ×${score.staleItem.toFixed(2)}`);
      parts.push(words.join(', '));
    }
    else if (score.rootFit === 'cause') parts.push(`would be a cause of the incident's root ${root}, ${formatGap(score.rootLagMs)} its first alert${factor}`);
    else if (score.rootFit === 'apart') {
      const silent = !score.silentParent
        ? ''
        : score.silentParentLate
          ? ` (both need a common item that is not alerting, but ${formatGap(score.rootLagMs)} its first alert: too late for one silent cause of both)`
          : ' (both need a common item that is not alerting)';
      parts.push(`neither cause nor effect of the incident's root ${root}${silent}${factor}`);
    }
  }
  if (score.confined < 1) parts.push(`${describeConfined(score, graph)}, score ×${score.confined.toFixed(2)}`);
  if (score.bulkSide < 1) parts.push(`${describeBulkSide(score, graph)}, score ×${score.bulkSide.toFixed(2)}`);
  const second = describeSecondRoot(score, graph);
  if (second !== null) parts.push(second);
  if (score.labels > 0) parts.push(`label similarity ${score.labels.toFixed(2)}`);
  if (score.text > 0) parts.push(`text similarity ${score.text.toFixed(2)}`);
  if (score.learned !== 0 && score.learnedWith) {
    parts.push(`learned affinity ${score.learned > 0 ? '+' : ''}${score.learned.toFixed(2)} with ${score.learnedWith}`);
  }
  return `${parts.join(', ')} (score ${score.total.toFixed(2)} ≥ ${threshold.toFixed(2)})`;
}

/**
 * Words for the learned-role penalty (EngineConfig.roles), or null when it did not apply:
 * "a root-like alert (on the root in 90% of confirmed incidents) while node-04 already has one, score ×0.50",
 * or, for an incident without a root-like alert, "… 2 causal hops below the incident's root
 * orders-db, which has none (a fault that far down shows symptoms), score ×0.50", or, without causal
 * direction, "… away from core-2, where the incident started 35 s before (…), score ×0.50"; or,
 * when the rule was waived, "… beside the one on reviews-db, both directly below the incident's
 * root node-08 (what runs on one broken thing reports itself down): not a second root"; or, for an
 * alert that is not root-like itself, "not known to be root-like (…), would be a cause of the
 * incident's root inventory, which already has a root-like alert (…: a second fault), score ×0.50".
 */
export function describeSecondRoot(score: ScoreBreakdown, graph: TopologyGraph | null): string | null {
  const other = score.roleItem === null ? 'another item' : (graph?.nameOf(score.roleItem) ?? score.roleItem);
  if (score.roleRule === 'broken-root' && score.roleFactor < 1) {
    const kind =
      score.roleShare === null
        ? 'not known to be root-like (too few incidents of its type yet)'
        : `not root-like (its type fired on the root in ${Math.round(score.roleShare * 100)}% of ${score.rolePlaced === null ? 'confirmed incidents' : 'its alerts placed so far'})`;
    return `${kind}, would be a cause of the incident's root ${other}, which already has a root-like alert (the incident names its broken thing: a second fault), score ×${score.roleFactor.toFixed(2)}`;
  }
  if (score.roleShare === null) return null;
  const like =
    score.rolePlaced === null
      ? `a root-like alert (its type fired on the root in ${Math.round(score.roleShare * 100)}% of confirmed incidents)`
      : `a root-like alert (no confirmed incidents of its type yet, but ${score.rolePlaced.onFirst} of its ${score.rolePlaced.seen} alerts placed so far were on the item their incident started on)`;
  if (score.roleRule === 'beside-root') {
    const root = score.rootItem === null ? 'its root' : (graph?.nameOf(score.rootItem) ?? score.rootItem);
    return `${like} beside the one on ${other}, both directly below the incident's root ${root} (what runs on one broken thing reports itself down): not a second root`;
  }
  if (score.roleFactor >= 1) return null;
  if (score.roleRule === 'below-root') return `${like} ${score.rootHops} causal hops below the incident's root ${other}, which has none (a fault that far down shows symptoms), score ×${score.roleFactor.toFixed(2)}`;
  if (score.roleRule === 'displaced-root') return `${like} on the item the incident started on, below its root ${other}, which joined later as a cause and has none (the item it started on reports itself broken: ${other} was a second fault), score ×${score.roleFactor.toFixed(2)}`;
  if (score.roleRule === 'late-below-root') return `${like} directly below the incident's root ${other}, which has none, ${Math.round((score.rootLagMs ?? 0) / 1000)} s after its first alert (later than the cascade needs: a second fault starting there), score ×${score.roleFactor.toFixed(2)}`;
  if (score.roleRule === 'started-elsewhere') return `${like} away from ${other}, where the incident started ${Math.round(score.sinceFirstMs / 1000)} s before (no causal direction here: the item it started on is taken as its root), score ×${score.roleFactor.toFixed(2)}`;
  return `${like} while ${other} already has one, score ×${score.roleFactor.toFixed(2)}`;
}

/**
 * Words for the local-fault factor (EngineConfig.confined): "the incident has stayed on
 * srv-5-3-3 alone for 89 s (a local fault)". Only meaningful when `score.confined` < 1.
 */
export function describeConfined(score: ScoreBreakdown, graph: TopologyGraph | null): string {
  const via = score.viaItem === null ? 'one item' : (graph?.nameOf(score.viaItem) ?? score.viaItem);
  return `the incident has stayed on ${via} alone for ${Math.round(score.sinceFirstMs / 1000)} s (a local fault)`;
}

/**
 * Words for the bulk-side factor (EngineConfig.bulkSide): "on the far side of sw-3-4 from what it
 * cuts off, where the incident started 95 s before and has stayed (a fault cuts off what lies
 * behind it: a second fault here)". Only meaningful when `score.bulkSide` < 1.
 */
export function describeBulkSide(score: ScoreBreakdown, graph: TopologyGraph | null): string {
  const from = score.bulkSideFrom === null ? 'the item' : (graph?.nameOf(score.bulkSideFrom) ?? score.bulkSideFrom);
  return `on the far side of ${from} from what it cuts off, where the incident started ${Math.round(score.sinceFirstMs / 1000)} s before and has stayed (a fault cuts off what lies behind it: a second fault here)`;
}

/**
 * Words for the item-burst factor (EngineConfig.itemBurst): "but the incident's alerts on search
 * began 45 s before, while another incident's fault reaches it now (its first alert on auth 12 s
 * ago: a fault's alerts on one item fire together)". Only meaningful when `score.staleItem` < 1.
 */
export function describeStaleItem(score: ScoreBreakdown, graph: TopologyGraph | null): string {
  const item = score.viaItem !== null && score.relation === 'self' ? (graph?.nameOf(score.viaItem) ?? score.viaItem) : 'its item';
  const fresh = score.freshItem === null ? 'it' : (graph?.nameOf(score.freshItem) ?? score.freshItem);
  return `but the incident's alerts on ${item} began ${Math.round((score.staleItemMs ?? 0) / 1000)} s before, while another incident's fault reaches it now (its first alert on ${fresh} ${Math.round((score.freshAgoMs ?? 0) / 1000)} s ago: a fault's alerts on one item fire together)`;
}

/**
 * Words for an engine-made merge (EngineConfig.pathJoin), appended to the linking alert's reason:
 * "joins gen:srv-6-2-1…: dist-6 lies between core-2 and srv-6-2-1, where the two incidents
 * started 21 s apart (3 hops: one fault, seen at both ends before the items between alerted),
 * so they are merged".
 */
export function describePathJoin(key: string, via: string, early: string, later: string, startGapMs: number, hops: number): string {
  return `joins ${key}: ${via} lies between ${early} and ${later}, where the two incidents started ${Math.round(startGapMs / 1000)} s apart (${hops} hops: one fault, seen at both ends before the items between alerted), so they are merged`;
}
