/**
 * Runs a bus handler's async work one message at a time, in delivery order (a bus
 * delivers in order but does not wait for a handler's promise), so an incident's
 * `incident.created` is handled before its `incident.updated`. `drain` waits for the
 * work in flight, for an orderly stop.
 */
import type { BusMessage } from './events.ts';

interface HandlerLogger {
  warn(obj: object, msg: string): void;
}

export interface OrderedHandler {
  handle(message: BusMessage): void;
  drain(): Promise<void>;
}

export function orderedHandler(work: (message: BusMessage) => Promise<void>, log: HandlerLogger, what: string): OrderedHandler {
  let tail: Promise<void> = Promise.resolve();
  return {
    handle(message) {
      tail = tail.then(() =>
        work(message).catch((err: unknown) => {
          // The periodic reconcile picks up what a failed handling left undone.
          log.warn({ err, type: message.type }, `${what} failed; the reconcile will catch up`);
        }),
      );
    },
    drain: () => tail,
  };
}
