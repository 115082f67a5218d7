/**
 * Baseline: per-host sliding window, the classic "everything on one box within N minutes".
 * The host is the first of the `host`, `node`, `instance` labels present (an instance's
 * `:port` stripped, so `node-3:9100` is host `node-3`); an episode without any of them groups
 * only with itself (same fingerprint). Window default 5 minutes between consecutive episodes.
 */
import type { Grouper, GroupingInput } from '../grouping/grouper.ts';
import { alertEpisodes, keysPerEvent, type AlertEpisode } from './alert-episodes.ts';
import { sessionWindow } from './session-window.ts';

export function hostOf(labels: Readonly<Record<string, string>>): string | null {
  // `node` before `instance`: a pod alert's instance is the pod address, its node is the host.
  const raw = labels.host ?? labels.node ?? labels.instance;
  if (raw === undefined || raw === '') return null;
  return raw.replace(/:\d+$/, '');
}

export class HostWindowGrouper implements Grouper {
  readonly name = 'per-host';

  constructor(private readonly windowMs = 5 * 60_000) {}

  group(input: GroupingInput): Array<string | null> {
    const index = alertEpisodes(input.events);
    const keyOf = (ep: AlertEpisode): string => {
      const host = hostOf(ep.event.labels);
      return host === null ? `fp:${ep.fingerprint}` : `host:${host}`;
    };
    return keysPerEvent(index, sessionWindow(index.episodes, keyOf, this.windowMs, 'host'));
  }
}
