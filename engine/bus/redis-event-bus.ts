/**
 * EventBus on Redis pub/sub: one publisher connection, one subscriber connection (a
 * subscribed ioredis client can do nothing else), channel `${prefix}:${topic}`, JSON
 * messages. Every process on the same Redis and prefix sees every message; delivery is
 * at-most-once, as pub/sub is.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EventBus, Unsubscribe } from './event-bus.ts';
import type { BusMessage } from './events.ts';
import { waitForReady } from '../redis/wait-for-ready.ts';
import { withTimeout } from '../util/with-timeout.ts';

type BusLogger = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;

export interface RedisEventBusOptions {
  redisUrl: string;
  prefix: string;
  logger: BusLogger;
  /** Upper bound on publish, subscribe and ping when Redis does not answer. Default 5 s. */
  timeoutMs?: number;
}

interface Subscription {
  handler: (message: BusMessage) => void;
  active: boolean;
}

export class RedisEventBus implements EventBus {
  private readonly log: BusLogger;
  private readonly prefix: string;
  private readonly redisUrl: string;
  private readonly timeoutMs: number;
  /** Fails fast: a publish while Redis is down is dropped, never queued behind the outage. */
  private readonly publisher: Redis;
  private subscriber: Redis | undefined;
  private readonly channels = new Map<string, Set<Subscription>>();
  /** Subscribe and unsubscribe run one at a time so a channel is never left half-done. */
  private ops: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(opts: RedisEventBusOptions) {
    this.log = opts.logger;
    this.prefix = opts.prefix;
    this.redisUrl = opts.redisUrl;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.publisher = new Redis(opts.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: this.timeoutMs });
    this.publisher.on('error', (err) => this.log.error({ err }, 'event bus publisher connection error'));
  }

  async publish(topic: string, message: BusMessage): Promise<void> {
    if (this.closed) throw new Error('the event bus is closed');
    await waitForReady(this.publisher, this.timeoutMs);
    await withTimeout(this.publisher.publish(this.channel(topic), JSON.stringify(message)), this.timeoutMs, 'publish');
  }

  async publishMany(topic: string, messages: readonly BusMessage[]): Promise<void> {
    if (this.closed) throw new Error('the event bus is closed');
    if (messages.length === 0) return;
    await waitForReady(this.publisher, this.timeoutMs);
    // One pipeline: one write, and Redis fans the burst out to subscribers together.
    const pipeline = this.publisher.pipeline();
    const channel = this.channel(topic);
    for (const m of messages) pipeline.publish(channel, JSON.stringify(m));
    const replies = (await withTimeout(pipeline.exec(), this.timeoutMs, 'publish')) ?? [];
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
  }

  subscribe(topic: string, handler: (message: BusMessage) => void): Promise<Unsubscribe> {
    if (this.closed) return Promise.reject(new Error('the event bus is closed'));
    const channel = this.channel(topic);
    const sub: Subscription = { handler, active: true };
    return this.serial(async () => {
      let subs = this.channels.get(channel);
      if (!subs) {
        const client = this.subscriberConnection();
        await waitForReady(client, this.timeoutMs);
        // ioredis resolves SUBSCRIBE on Redis's confirmation, so nothing published after this is missed.
        await withTimeout(client.subscribe(channel), this.timeoutMs, 'subscribe');
        subs = new Set();
        this.channels.set(channel, subs);
      }
      subs.add(sub);
      const own = subs;
      return () => {
        // Stops delivery at once, even before Redis hears about it.
        sub.active = false;
        return this.serial(async () => {
          own.delete(sub);
          if (own.size > 0 || this.channels.get(channel) !== own) return;
          this.channels.delete(channel);
          if (this.closed || !this.subscriber) return;
          await withTimeout(this.subscriber.unsubscribe(channel), this.timeoutMs, 'unsubscribe').catch((err: unknown) => {
            // Harmless: messages on a channel without handlers are dropped.
            this.log.debug({ err, channel }, 'event bus unsubscribe did not complete');
          });
        });
      };
    });
  }

  async ping(): Promise<void> {
    await waitForReady(this.publisher, this.timeoutMs);
    await withTimeout(this.publisher.ping(), this.timeoutMs, 'ping');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subs of this.channels.values()) for (const sub of subs) sub.active = false;
    this.channels.clear();
    await this.ops.catch(() => undefined);
    await Promise.all([this.subscriber, this.publisher].map((c) => c && closeClient(c, this.timeoutMs)));
  }

  private channel(topic: string): string {
    return `${this.prefix}:${topic}`;
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const result = this.ops.then(op);
    this.ops = result.catch(() => undefined);
    return result;
  }

  private subscriberConnection(): Redis {
    if (!this.subscriber) {
      // Default options: it queues while offline and re-subscribes after a reconnect.
      const client = new Redis(this.redisUrl);
      client.on('error', (err) => this.log.error({ err }, 'event bus subscriber connection error'));
      client.on('message', (channel: string, raw: string) => this.deliver(channel, raw));
      this.subscriber = client;
    }
    return this.subscriber;
  }

  private deliver(channel: string, raw: string): void {
    const subs = this.channels.get(channel);
    if (!subs) return;
    for (const sub of [...subs]) {
      if (!sub.active) continue;
      let message: BusMessage;
      try {
        // Parsed per handler: each gets its own copy.
        message = JSON.parse(raw) as BusMessage;
      } catch (err) {
        this.log.warn({ err, channel }, 'event bus message is not JSON; dropped');
        return;
      }
      try {
        // An async handler is assignable to `=> void`; its rejection is caught too.
        const result: unknown = sub.handler(message);
        if (result instanceof Promise) result.catch((err: unknown) => this.log.error({ err, channel }, 'event bus handler failed'));
      } catch (err) {
        this.log.error({ err, channel }, 'event bus handler failed');
      }
    }
  }
}



/** QUIT lets pending replies arrive; a connection that is down is just dropped. */
async function closeClient(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await withTimeout(client.quit(), timeoutMs, 'redis quit').catch(() => client.disconnect());
}
