/**
 * Puts events back into event-time order within a lateness bound. An event is released once an
 * event more than `latenessMs` newer has been seen, so anything that arrives at most that late
 * still lands in its place. Ties on time are broken by fingerprint and status, never by arrival,
 * so every arrival order within the bound releases the same sequence (replay = live).
 */
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { MinHeap } from './min-heap.ts';

export interface Buffered {
  event: AlertEvent;
  timeMs: number;
  seq: number;
}

const STATUS_ORDER: Record<string, number> = { resolved: 0, firing: 1, acknowledged: 2 };

function before(a: Buffered, b: Buffered): boolean {
  if (a.timeMs !== b.timeMs) return a.timeMs < b.timeMs;
  if (a.event.fingerprint !== b.event.fingerprint) return a.event.fingerprint < b.event.fingerprint;
  const sa = STATUS_ORDER[a.event.status] ?? 3;
  const sb = STATUS_ORDER[b.event.status] ?? 3;
  if (sa !== sb) return sa < sb;
  if (a.event.startsAt !== b.event.startsAt) return a.event.startsAt < b.event.startsAt;
  return a.seq < b.seq;
}

export class ReorderBuffer {
  private readonly heap = new MinHeap<Buffered>(before);
  private maxSeenMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly latenessMs: number) {}

  get size(): number {
    return this.heap.size;
  }

  /** Events older than this are late: the buffer may already have released newer ones. */
  get watermarkMs(): number {
    return this.maxSeenMs - this.latenessMs;
  }

  /** Whether an event at this time arrives too late to be placed exactly. */
  isLate(timeMs: number): boolean {
    return timeMs < this.watermarkMs;
  }

  push(item: Buffered): void {
    this.heap.push(item);
    if (item.timeMs > this.maxSeenMs) this.maxSeenMs = item.timeMs;
  }

  /** Moves the clock on without an event (live mode: wall clock). */
  advanceTo(timeMs: number): void {
    if (timeMs > this.maxSeenMs) this.maxSeenMs = timeMs;
  }

  /** Events that can no longer be preceded by an on-time arrival, in order. */
  release(): Buffered[] {
    const out: Buffered[] = [];
    const limit = this.watermarkMs;
    while (this.heap.size > 0 && this.heap.peek()!.timeMs < limit) out.push(this.heap.pop()!);
    return out;
  }

  drain(): Buffered[] {
    const out: Buffered[] = [];
    while (this.heap.size > 0) out.push(this.heap.pop()!);
    return out;
  }
}
