/**
 * An arbitrarily long stream for throughput and scaling runs: one generated scenario's events
 * replayed block after block, each block shifted in time past the previous one and with its
 * own fingerprints, so history (distinct alerts, incidents) grows with the stream as it would
 * in months of operation. Events are made lazily, one block at a time, to keep memory flat.
 */
import type { AlertEvent } from '../../engine/alert/alert.ts';

export function* tileStream(events: readonly AlertEvent[], total: number): Generator<AlertEvent> {
  if (events.length === 0) return;
  const times = events.map((e) => Date.parse(e.eventTime));
  const span = Math.max(...times) - Math.min(...times) + 3600_000;
  let emitted = 0;
  for (let block = 0; emitted < total; block++) {
    const shift = block * span;
    for (const ev of events) {
      if (emitted >= total) return;
      emitted++;
      if (block === 0) {
        yield ev;
        continue;
      }
      const move = (iso: string): string => new Date(Date.parse(iso) + shift).toISOString();
      yield {
        ...ev,
        fingerprint: `${ev.fingerprint}#${block}`,
        sourceFingerprint: `${ev.sourceFingerprint}#${block}`,
        startsAt: move(ev.startsAt),
        endsAt: ev.endsAt === null ? null : move(ev.endsAt),
        eventTime: move(ev.eventTime),
      };
    }
  }
}
