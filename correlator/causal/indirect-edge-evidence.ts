/**
 * Evidence for an indirect relation A ⇒ C (through learned direct edges): chain figures from the
 * direct edges, and the model-free "C preceded by A nearby" count recomputed for the pair itself,
 * so a person can see whether the chain shows in the raw history too.
 */
import type { CausalEdge } from './causal-pattern.ts';
import type { EventIndex } from './event-index.ts';
import { precededCounts } from './preceded-counts.ts';
import type { IndirectRelation } from './strongest-paths.ts';

export function indirectEdgeEvidence(
  index: EventIndex,
  relation: IndirectRelation,
  directByPair: ReadonlyMap<number, CausalEdge>,
): CausalEdge {
  const K = index.typeLabels.length;
  const chain = relation.links.map((l) => directByPair.get(l.cause * K + l.effect)!);
  const lagSeconds = chain.reduce((s, e) => s + e.lagSeconds, 0);
  const causeCount = index.byType[relation.cause]!.length;
  const effectCount = index.byType[relation.effect]!.length;
  const attributed = relation.strength * causeCount;
  // A chain stays on the cause's item only if every link does (approximately: shares multiply).
  const sameItemShare = chain.reduce((s, e) => s * e.evidence.sameItemShare, 1);
  const windowSeconds = Math.max(1, Math.ceil(2 * lagSeconds));
  const { preceded, expectedPreceded } = precededCounts(index, relation.cause, relation.effect, windowSeconds);
  return {
    cause: index.typeLabels[relation.cause]!,
    effect: index.typeLabels[relation.effect]!,
    direct: false,
    strength: relation.strength,
    lagSeconds,
    support: Math.round(attributed),
    evidence: {
      causeCount,
      effectCount,
      attributed,
      sameItemShare,
      preceded,
      expectedPreceded,
      lift: expectedPreceded > 0 ? preceded / expectedPreceded : 0,
      windowSeconds,
      logLikelihoodGain: Math.min(...chain.map((e) => e.evidence.logLikelihoodGain)),
      reverseLogLikelihoodGain: 0,
      via: relation.via.map((v) => index.typeLabels[v]!),
    },
  };
}
