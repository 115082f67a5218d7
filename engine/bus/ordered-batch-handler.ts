/**
 * Like orderedHandler, but hands the work every message that arrived while the previous
 * call ran, as one batch in delivery order, so a burst of messages (one correlator commit
 * announces every incident it touched) costs one pass of set-based writes instead of one
 * per message. `drain` waits until nothing is queued or running, for an orderly stop.
 */
import type { BusMessage } from './events.ts';
import type { OrderedHandler } from './ordered-handler.ts';

interface HandlerLogger {
  warn(obj: object, msg: string): void;
}

export function orderedBatchHandler(work: (messages: BusMessage[]) => Promise<void>, log: HandlerLogger, what: string): OrderedHandler {
  let queued: BusMessage[] = [];
  let running: Promise<void> | null = null;
  const run = async () => {
    // A bus delivers what one read brought in a row: let it all join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      await work(batch).catch((err: unknown) => {
        // The periodic reconcile picks up what a failed batch left undone.
        log.warn({ err, messages: batch.length }, `${what} failed; the reconcile will catch up`);
      });
    }
    // Set in the same synchronous step as the emptiness check: a message handled after it starts a new run.
    running = null;
  };
  return {
    handle(message) {
      queued.push(message);
      running ??= run();
    },
    async drain() {
      while (running) await running;
    },
  };
}
