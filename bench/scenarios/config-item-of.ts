/** The ConfigItem part of a generated item: what an operator would upload as topology. */
import type { ConfigItem } from '../../engine/topology/topology.ts';
import type { GenItem } from './scenario.ts';

export function configItemOf(item: GenItem): ConfigItem {
  return { id: item.id, kind: item.kind, name: item.name, labels: item.labels };
}
