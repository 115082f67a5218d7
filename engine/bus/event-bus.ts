/**
 * EventBus: fan-out of "something changed" messages to every process (the live console).
 *
 * Contract (test/contract/event-bus.contract.test.ts):
 * - `publish` delivers the message to every current subscriber of the topic, in any
 *   process connected to the same bus, in publish order per publisher.
 * - Delivery is at-most-once and live only: a subscriber sees what is published after its
 *   `subscribe` resolved. Durable history (for resume) lives in the relational store.
 * - Messages are plain JSON and arrive as deep copies.
 * - A handler that throws (or rejects) is logged and does not stop delivery to others.
 */
import type { BusMessage } from './events.ts';

export type Unsubscribe = () => Promise<void>;

export interface EventBus {
  publish(topic: string, message: BusMessage): Promise<void>;
  /** Publishes the messages in order, as many `publish` calls would, in one round trip where the bus allows. */
  publishMany(topic: string, messages: readonly BusMessage[]): Promise<void>;
  /** A handler may return a promise; its rejection is logged like a throw. */
  subscribe(topic: string, handler: (message: BusMessage) => unknown): Promise<Unsubscribe>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
