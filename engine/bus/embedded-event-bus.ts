/**
 * The in-process EventBus, the default when no Redis is configured. Delivery is
 * asynchronous (never inside `publish`), in publish order, and every handler gets its
 * own deep copy, the same as a trip through Redis would give.
 */
import type { Logger } from 'pino';
import type { EventBus, Unsubscribe } from './event-bus.ts';
import type { BusMessage } from './events.ts';

type BusLogger = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;

interface Subscription {
  handler: (message: BusMessage) => void;
  active: boolean;
}

export class EmbeddedEventBus implements EventBus {
  private readonly log: BusLogger;
  private readonly topics = new Map<string, Set<Subscription>>();
  private closed = false;

  constructor(opts: { logger: BusLogger }) {
    this.log = opts.logger;
  }

  async publish(topic: string, message: BusMessage): Promise<void> {
    if (this.closed) throw new Error('the event bus is closed');
    // Serialised now: later mutation by the publisher cannot reach subscribers.
    const json = JSON.stringify(message);
    // Only subscribers present at publish time receive it.
    const targets = [...(this.topics.get(topic) ?? [])];
    if (targets.length === 0) return;
    // setImmediate callbacks run in the order they were queued, which keeps publish order,
    // and unlike microtasks they let I/O run between bursts.
    setImmediate(() => {
      for (const sub of targets) {
        // An unsubscribe between publish and delivery stops delivery.
        if (!sub.active) continue;
        try {
          // An async handler is assignable to `=> void`; its rejection is caught too.
          const result: unknown = sub.handler(JSON.parse(json) as BusMessage);
          if (result instanceof Promise) result.catch((err: unknown) => this.log.error({ err, topic }, 'event bus handler failed'));
        } catch (err) {
          this.log.error({ err, topic }, 'event bus handler failed');
        }
      }
    });
  }

  async publishMany(topic: string, messages: readonly BusMessage[]): Promise<void> {
    for (const m of messages) await this.publish(topic, m);
  }

  async subscribe(topic: string, handler: (message: BusMessage) => void): Promise<Unsubscribe> {
    if (this.closed) throw new Error('the event bus is closed');
    const sub: Subscription = { handler, active: true };
    const subs = this.topics.get(topic) ?? new Set<Subscription>();
    subs.add(sub);
    this.topics.set(topic, subs);
    return async () => {
      sub.active = false;
      subs.delete(sub);
      if (subs.size === 0 && this.topics.get(topic) === subs) this.topics.delete(topic);
    };
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('the event bus is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const subs of this.topics.values()) for (const sub of subs) sub.active = false;
    this.topics.clear();
  }
}
