/**
 * The EventBus contract (engine/bus/event-bus.ts), run against every adapter: Redis
 * pub/sub on the real Redis, and the in-process bus.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { itWhen } from '../support/it-when.ts';
import { EmbeddedEventBus } from '../../engine/bus/embedded-event-bus.ts';
import type { EventBus } from '../../engine/bus/event-bus.ts';
import type { BusMessage } from '../../engine/bus/events.ts';
import { RedisEventBus } from '../../engine/bus/redis-event-bus.ts';
import { REDIS_URL, uniqueQueuePrefix } from '../support/isolation.ts';

const logger = pino({ level: 'silent' });

interface BusAdapter {
  name: string;
  /** Separate instances on one namespace reach each other (separate processes). */
  distributed: boolean;
  open(ns: string): EventBus;
}

function redisAdapter(): BusAdapter {
  const prefix = uniqueQueuePrefix();
  return {
    name: 'redis',
    distributed: true,
    open: (ns) => new RedisEventBus({ redisUrl: REDIS_URL, prefix: `${prefix}${ns}`, logger }),
  };
}

function embeddedAdapter(): BusAdapter {
  return { name: 'embedded', distributed: false, open: () => new EmbeddedEventBus({ logger }) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

const msg = (n: number, extra: Record<string, unknown> = {}): BusMessage => ({ type: 'test', n, ...extra });
/** Test messages are the open `{ type, ...}` member of BusMessage; this reads their fields. */
const fields = (m: BusMessage) => m as Record<string, unknown>;
const num = (m: BusMessage) => fields(m).n as number;

describe.each([redisAdapter(), embeddedAdapter()])('EventBus contract: $name', (adapter) => {
  let counter = 0;
  const opened: EventBus[] = [];
  const nextNs = () => `ns${++counter}`;
  const openBus = (ns = nextNs()) => {
    const bus = adapter.open(ns);
    opened.push(bus);
    return bus;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((b) => b.close()));
  });

  it('delivers every message to every subscriber, in publish order, as separate copies', async () => {
    const bus = openBus();
    const a: Array<Record<string, unknown>> = [];
    const b: Array<Record<string, unknown>> = [];
    await bus.subscribe('t', (m) => a.push(fields(m)));
    await bus.subscribe('t', (m) => b.push(fields(m)));
    for (let i = 0; i < 20; i++) await bus.publish('t', msg(i, { nested: { list: [i] } }));
    await waitFor(() => a.length === 20 && b.length === 20);
    expect(a.map((m) => m.n)).toEqual([...Array(20).keys()]);
    expect(b).toEqual(a);
    expect(b[0]).not.toBe(a[0]);
    expect(b[0]!.nested).not.toBe(a[0]!.nested);
  });

  it('delivers what publishMany publishes in order, between what publish published before and after', async () => {
    const bus = openBus();
    const got: Array<Record<string, unknown>> = [];
    await bus.subscribe('t', (m) => got.push(fields(m)));
    await bus.publish('t', msg(0));
    await bus.publishMany('t', []);
    await bus.publishMany('t', [1, 2, 3, 4, 5].map((n) => msg(n, { nested: { n } })));
    await bus.publish('t', msg(6));
    await waitFor(() => got.length === 7);
    await sleep(20);
    expect(got.map((m) => m.n)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(got[3]).toEqual({ type: 'test', n: 3, nested: { n: 3 } });
  });

  it('delivers after publish returns, unaffected by later changes to the message', async () => {
    const bus = openBus();
    const got: BusMessage[] = [];
    await bus.subscribe('t', (m) => got.push(m));
    const original = msg(1, { labels: { env: 'prod' } });
    await bus.publish('t', original);
    (fields(original).labels as Record<string, string>).env = 'changed';
    await waitFor(() => got.length === 1);
    expect(got[0]).toEqual({ type: 'test', n: 1, labels: { env: 'prod' } });
  });

  it('stops delivering to a handler once its unsubscribe resolved', async () => {
    const bus = openBus();
    const leaving: number[] = [];
    const staying: number[] = [];
    const unsubscribe = await bus.subscribe('t', (m) => leaving.push(num(m)));
    await bus.subscribe('t', (m) => staying.push(num(m)));
    await bus.publish('t', msg(1));
    await waitFor(() => leaving.length === 1 && staying.length === 1);
    await unsubscribe();
    await bus.publish('t', msg(2));
    await waitFor(() => staying.length === 2);
    expect(leaving).toEqual([1]);
  });

  it('keeps delivering to other handlers when one throws', async () => {
    const bus = openBus();
    const got: number[] = [];
    await bus.subscribe('t', () => {
      throw new Error('handler bug');
    });
    await bus.subscribe('t', async () => {
      throw new Error('async handler bug');
    });
    await bus.subscribe('t', (m) => got.push(num(m)));
    await bus.publish('t', msg(1));
    await bus.publish('t', msg(2));
    await waitFor(() => got.length === 2);
    expect(got).toEqual([1, 2]);
  });

  it('keeps topics apart', async () => {
    const bus = openBus();
    const x: number[] = [];
    const y: number[] = [];
    await bus.subscribe('x', (m) => x.push(num(m)));
    await bus.subscribe('y', (m) => y.push(num(m)));
    await bus.publish('x', msg(1));
    await bus.publish('y', msg(2));
    await waitFor(() => x.length === 1 && y.length === 1);
    expect(x).toEqual([1]);
    expect(y).toEqual([2]);
  });

  it('refuses to publish or subscribe once closed', async () => {
    const bus = openBus();
    await bus.ping();
    await bus.close();
    await expect(bus.publish('t', msg(1))).rejects.toThrow();
    await expect(bus.publishMany('t', [msg(1)])).rejects.toThrow();
    await expect(bus.subscribe('t', () => undefined)).rejects.toThrow();
  });

  itWhen(adapter.distributed)('carries messages between separate instances on one prefix, and not across prefixes', async () => {
    const ns = nextNs();
    const one = openBus(ns);
    const two = openBus(ns);
    const elsewhere = openBus(nextNs());
    const onOne: number[] = [];
    const onTwo: number[] = [];
    const onElsewhere: number[] = [];
    await one.subscribe('t', (m) => onOne.push(num(m)));
    await two.subscribe('t', (m) => onTwo.push(num(m)));
    await elsewhere.subscribe('t', (m) => onElsewhere.push(num(m)));
    // No pause after subscribe: a resolved subscribe must already be live on the server.
    await two.publish('t', msg(1));
    await one.publish('t', msg(2));
    await waitFor(() => onOne.length === 2 && onTwo.length === 2);
    expect(onOne).toEqual([1, 2]);
    expect(onTwo).toEqual([1, 2]);
    await elsewhere.publish('t', msg(3));
    // Redis handles PUBLISH in order, so once 4 arrived a leaked 3 would have arrived too.
    await two.publish('t', msg(4));
    await waitFor(() => onElsewhere.length === 1 && onOne.length === 3);
    expect(onElsewhere).toEqual([3]);
    expect(onOne).toEqual([1, 2, 4]);
  });
});
