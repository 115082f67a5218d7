/**
 * The engine role's known-error matching: every incident.created / incident.updated on the bus
 * puts the incident on a pending set, and one drain loop at a time attaches matching known
 * errors (known-error-matcher.ts) and publishes `problem.attached`. Incidents updated many
 * times while a drain runs are matched once. The bus delivers at most once, so the problem
 * mining job also sweeps active incidents (a missed message costs a delay, not an attach).
 */
import type { EventBus, Unsubscribe } from '../bus/event-bus.ts';
import { type BusMessage, STREAM_TOPIC, type StreamMessage } from '../bus/events.ts';
import type { Database } from '../db/database.ts';
import { attachKnownErrors } from './known-error-matcher.ts';
import { TopologySnapshots } from './topology-snapshot.ts';

interface Logger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface KnownErrorMatching {
  /** Resolves once nothing is pending (for tests and shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Incidents matched per drain round at most; the rest wait for the next round. */
const ROUND = 200;

export async function startKnownErrorMatching(deps: { bus: EventBus; database: Database; logger: Logger; topology?: TopologySnapshots }): Promise<KnownErrorMatching> {
  const topology = deps.topology ?? new TopologySnapshots();
  const pending = new Set<string>();
  let draining: Promise<void> | null = null;
  let stopped = false;

  const drain = async () => {
    while (pending.size > 0 && !stopped) {
      const ids = [...pending].slice(0, ROUND);
      for (const id of ids) pending.delete(id);
      try {
        const messages = await attachKnownErrors({ db: deps.database.db, topology, incidentIds: ids });
        for (const m of messages) {
          deps.logger.info({ problemId: m.problemId, incidentId: m.incidentId }, 'known error attached to an incident');
          await publish(deps, m);
        }
      } catch (err) {
        // The next update of these incidents, or the periodic sweep, tries again.
        deps.logger.warn({ err, incidents: ids.length }, 'known-error matching failed');
      }
    }
  };
  const kick = () => {
    // Started on the next turn: the messages of one commit arrive together and are matched in one round.
    draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(drain).finally(() => {
      draining = null;
      if (pending.size > 0 && !stopped) kick();
    });
  };

  const unsubscribe: Unsubscribe = await deps.bus.subscribe(STREAM_TOPIC, (m: BusMessage) => {
    if (stopped) return;
    if (m.type !== 'incident.created' && m.type !== 'incident.updated') return;
    const id = (m as Extract<StreamMessage, { type: 'incident.created' }>).incident?.id;
    if (typeof id !== 'string') return;
    pending.add(id);
    kick();
  });

  return {
    async idle() {
      while (draining) await draining;
    },
    async stop() {
      stopped = true;
      await unsubscribe().catch(() => undefined);
      await draining?.catch(() => undefined);
    },
  };
}

export async function publish(deps: { bus: EventBus; logger: Logger }, m: StreamMessage): Promise<void> {
  try {
    await deps.bus.publish(STREAM_TOPIC, m);
  } catch (err) {
    deps.logger.warn({ err, seq: m.seq }, 'could not publish a stream message; consoles will resume it');
  }
}
