/**
 * What the baselines cluster: alert episodes. An episode is one firing spell of one fingerprint,
 * from its first firing event to its resolve; repeats and redeliveries of the firing event
 * belong to it, and so do its resolve and acknowledgements. Events are taken in event-time
 * order (ties by fingerprint, then resolves before fires), like our engine, so the baselines
 * also see the stream as it happened rather than as it arrived.
 */
import type { AlertEvent } from '../../engine/alert/alert.ts';

export interface AlertEpisode {
  fingerprint: string;
  /** The first firing event of the episode. */
  event: AlertEvent;
  startMs: number;
}

export interface EpisodeIndex {
  episodes: AlertEpisode[];
  /** Per input event, the index of its episode in `episodes`, or -1 (resolve of an unknown alert, bad time). */
  episodeOf: Int32Array;
}

const STATUS_ORDER: Record<string, number> = { resolved: 0, firing: 1, acknowledged: 2 };

export function alertEpisodes(events: readonly AlertEvent[]): EpisodeIndex {
  const times = events.map((e) => Date.parse(e.eventTime));
  const order = events.map((_, i) => i).filter((i) => Number.isFinite(times[i]));
  order.sort((x, y) => {
    const a = events[x]!;
    const b = events[y]!;
    return (
      times[x]! - times[y]! ||
      (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0) ||
      (STATUS_ORDER[a.status] ?? 3) - (STATUS_ORDER[b.status] ?? 3) ||
      x - y
    );
  });
  const episodes: AlertEpisode[] = [];
  const episodeOf = new Int32Array(events.length).fill(-1);
  const current = new Map<string, { index: number; firing: boolean }>();
  for (const i of order) {
    const ev = events[i]!;
    const cur = current.get(ev.fingerprint);
    if (ev.status === 'firing') {
      if (cur && cur.firing) episodeOf[i] = cur.index;
      else {
        episodes.push({ fingerprint: ev.fingerprint, event: ev, startMs: times[i]! });
        current.set(ev.fingerprint, { index: episodes.length - 1, firing: true });
        episodeOf[i] = episodes.length - 1;
      }
    } else if (cur) {
      episodeOf[i] = cur.index;
      if (ev.status === 'resolved') cur.firing = false;
    }
  }
  return { episodes, episodeOf };
}

/** Spreads per-episode keys onto the input events. */
export function keysPerEvent(index: EpisodeIndex, episodeKeys: readonly (string | null)[]): Array<string | null> {
  return Array.from(index.episodeOf, (e) => (e < 0 ? null : (episodeKeys[e] ?? null)));
}
