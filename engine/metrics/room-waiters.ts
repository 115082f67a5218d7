/**
 * Writes waiting for room in a metric store's bounded buffer, for `MetricStore.waitForRoom`.
 *
 * A sender writing to InfluxDB directly is slowed down by InfluxDB taking longer to answer;
 * a 503 instead sends it away for a while, and InfluxDB may run out of work meanwhile. So a
 * write that does not fit waits, in order, until the store has written enough (`wake`), up
 * to a bound in time, then gets the 503 after all. The waiting is bounded in points too:
 * past `maxWaitingPoints` a write is refused at once, so memory held by waiting requests
 * stays bounded by about one more buffer.
 */
export interface RoomWaitersOptions {
  /** Points accepted and not yet stored, and the most the buffer takes. */
  pending(): number;
  maxPending: number;
  /** The 503 a write that finds no room gets (or the store's error once it is closed). */
  refusal(pending: number): Error;
}

interface Waiter {
  points: number;
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class RoomWaiters {
  readonly #opts: RoomWaitersOptions;
  #waiters: Waiter[] = [];
  #waitingPoints = 0;

  constructor(opts: RoomWaitersOptions) {
    this.#opts = opts;
  }

  /** Whether `points` more fit now (an empty buffer takes any write, so none is refused forever). */
  fits(points: number, pending = this.#opts.pending()): boolean {
    return pending === 0 || pending + points <= this.#opts.maxPending;
  }

  /**
   * Resolves once `points` fit (at once when they do and nobody waits before), or rejects
   * with the refusal after `maxWaitMs`, or at once when too many points wait already.
   */
  wait(points: number, maxWaitMs: number): Promise<void> {
    const pending = this.#opts.pending();
    if (this.#waiters.length === 0 && this.fits(points, pending)) return Promise.resolve();
    if (maxWaitMs <= 0 || this.#waitingPoints + points > this.#opts.maxPending) return Promise.reject(this.#opts.refusal(pending));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        points,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#remove(waiter);
          reject(this.#opts.refusal(this.#opts.pending()));
          // The head may have been the one that did not fit.
          this.wake();
        }, maxWaitMs),
      };
      this.#waiters.push(waiter);
      this.#waitingPoints += points;
    });
  }

  /**
   * Room may have been made: lets waiters go, in order, while they fit. Each one resolved
   * writes before any new request is read (its continuation is a microtask), so the points
   * counted here are the points it will write, or fewer.
   */
  wake(): void {
    let pending = this.#opts.pending();
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0] as Waiter;
      if (!this.fits(waiter.points, pending)) return;
      this.#remove(waiter);
      pending += waiter.points;
      waiter.resolve();
    }
  }

  /** Refuses every waiting write (the store is closing). */
  rejectAll(err: () => Error): void {
    for (const waiter of [...this.#waiters]) {
      this.#remove(waiter);
      waiter.reject(err());
    }
  }

  #remove(waiter: Waiter): void {
    const i = this.#waiters.indexOf(waiter);
    if (i === -1) return;
    this.#waiters.splice(i, 1);
    this.#waitingPoints -= waiter.points;
    clearTimeout(waiter.timer);
  }
}
