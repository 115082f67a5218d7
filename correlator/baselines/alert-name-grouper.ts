/**
 * Baseline: Alertmanager-style grouping by alert name. Episodes with the same name share an
 * incident while they keep arriving, each within `windowMs` (default 10 minutes, Alertmanager's
 * order of magnitude for group_interval plus repeat) of the group's latest one. No topology,
 * no suppression.
 */
import type { Grouper, GroupingInput } from '../grouping/grouper.ts';
import { alertEpisodes, keysPerEvent } from './alert-episodes.ts';
import { sessionWindow } from './session-window.ts';

export class AlertNameGrouper implements Grouper {
  readonly name = 'by-name';

  constructor(private readonly windowMs = 10 * 60_000) {}

  group(input: GroupingInput): Array<string | null> {
    const index = alertEpisodes(input.events);
    return keysPerEvent(index, sessionWindow(index.episodes, (ep) => ep.event.name, this.windowMs, 'name'));
  }
}
