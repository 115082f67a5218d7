/**
 * The correlator role: consumes alert batches from the queue and correlates them with the
 * online engine (correlator/live), then publishes what changed on the bus. Publishing comes
 * after commit; a message lost between the two is still in the stream log, where a console
 * resumes it.
 *
 * On Postgres, only the process holding the correlator lock consumes batches (ADR 0005); the
 * others wait and take over, rebuilding from the store, when it dies. PGlite is one process.
 */
import type { IngestBatch } from '../engine/queue/jobs.ts';
import type { EventBus, Unsubscribe } from '../engine/bus/event-bus.ts';
import { STREAM_TOPIC, TOPOLOGY_TOPIC } from '../engine/bus/events.ts';
import type { Database } from '../engine/db/database.ts';
import type { AppMetrics } from '../engine/observability/metrics-registry.ts';
import { type JobQueue, UnrecoverableJobError } from '../engine/queue/job-queue.ts';
import type { SuppressionRules } from './engine/find-suppression.ts';
import { AdvisoryLeadership } from './live/advisory-leadership.ts';
import { CommandRepository } from '../engine/incident/command-repository.ts';
import { type BatchOutcome, LiveCorrelator } from './live/live-correlator.ts';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface CorrelatorDeps {
  queue: JobQueue;
  database: Database;
  bus: EventBus;
  metrics: AppMetrics;
  logger: Logger;
  /** An incident takes new alerts while its latest new alert is at most this old. */
  windowSeconds: number;
  /** An incident resolves this long after its last member resolved. */
  holdSeconds: number;
  /** The engine's memory caps (alert states, incidents held); the engine's defaults when absent. */
  maxAlerts?: number;
  maxIncidents?: number;
  concurrency: number;
  leaderPollMs: number;
  loadSuppression?: () => Promise<SuppressionRules>;
  /** The rules' version, checked periodically (the bus may drop an announcement). */
  suppressionVersion?: () => Promise<number>;
  /** Bus topic on which suppression rule changes are announced. */
  suppressionTopic?: string;
}

export interface CorrelatorHandle {
  live: LiveCorrelator;
  stop(): Promise<void>;
}

/** How often engine time is let follow the wall clock, and the topology and rule versions checked. */
const TICK_MS = 1_000;
const VERSION_CHECK_MS = 30_000;

export async function startCorrelator(deps: CorrelatorDeps): Promise<CorrelatorHandle> {
  const live = new LiveCorrelator({
    db: deps.database.db,
    engine: {
      maxGapMs: deps.windowSeconds * 1000,
      holdMs: deps.holdSeconds * 1000,
      ...(deps.maxAlerts === undefined ? {} : { maxAlerts: deps.maxAlerts }),
      ...(deps.maxIncidents === undefined ? {} : { maxIncidents: deps.maxIncidents }),
    },
    loadSuppression: deps.loadSuppression,
  });
  const publish = async (outcome: BatchOutcome) => {
    try {
      // A group's messages together: one round trip, and subscribers receive them as one burst.
      await deps.bus.publishMany(STREAM_TOPIC, outcome.messages);
    } catch (err) {
      deps.logger.warn({ err, seqs: outcome.messages.map((m) => m.seq) }, 'could not publish stream messages; consoles will resume them');
    }
  };
  const count = (outcome: BatchOutcome) => {
    for (const [action, n] of Object.entries(outcome.actions)) deps.metrics.correlatedEvents.inc({ outcome: action }, n);
    if (outcome.duplicates > 0) deps.metrics.correlatedEvents.inc({ outcome: 'duplicate' }, outcome.duplicates);
    for (const [source, n] of Object.entries(outcome.duplicatesBySource)) deps.metrics.alertsDeduplicated.inc({ source }, n);
  };

  const leadership = deps.database.kind === 'postgres' ? new AdvisoryLeadership(deps.database.db, 'aiops:correlator', deps.leaderPollMs) : null;
  // A standby's engine is not the one deciding: it shows nothing.
  const capacity = () => (leadership && !leadership.isLeader ? null : live.capacity());
  deps.metrics.engineCapacity.source = capacity;
  let stopped = false;
  let lastVersionCheck = Date.now();
  let suppressionVersion = deps.suppressionVersion ? await deps.suppressionVersion() : 0;
  const reloadSuppression = async () => {
    if (deps.suppressionVersion) suppressionVersion = await deps.suppressionVersion();
    await live.reloadSuppression();
  };
  const timer = setInterval(() => {
    if (stopped || (leadership && !leadership.isLeader)) return;
    void (async () => {
      try {
        if (Date.now() - lastVersionCheck >= VERSION_CHECK_MS) {
          lastVersionCheck = Date.now();
          if (await live.reloadTopologyIfChanged()) deps.logger.info({ version: live.builtTopologyVersion }, 'topology changed; correlation engine rebuilt');
          if (deps.suppressionVersion && (await deps.suppressionVersion()) !== suppressionVersion) await reloadSuppression();
        }
        await publish(await live.tick());
      } catch (err) {
        deps.logger.warn({ err }, 'correlator tick failed; it will be retried');
      }
    })();
  }, TICK_MS);
  timer.unref();

  const unsubscribe: Unsubscribe[] = [];
  unsubscribe.push(
    await deps.bus.subscribe(TOPOLOGY_TOPIC, async () => {
      if (leadership && !leadership.isLeader) return;
      if (await live.reloadTopologyIfChanged()) deps.logger.info({ version: live.builtTopologyVersion }, 'topology changed; correlation engine rebuilt');
    }),
  );
  if (deps.suppressionTopic) {
    unsubscribe.push(
      await deps.bus.subscribe(deps.suppressionTopic, async () => {
        if (leadership && !leadership.isLeader) return;
        await reloadSuppression();
      }),
    );
  }

  let consuming = false;
  const consume = async () => {
    if (consuming) return;
    consuming = true;
    await deps.queue.process(
      'alerts.ingest',
      async (data) => {
        const batches = batchesOf(data);
        if (!batches) throw new UnrecoverableJobError('alerts.ingest payload is not a list of batches of alert events');
        // A process that lost the lock (its connection dropped) waits until it wins it again.
        if (leadership) await leadership.whenLeader();
        // Together they join one group (or consecutive ones): the job resolves when all committed.
        const outcome = mergeOutcomes(await Promise.all(batches.map((b) => live.processBatch(b))));
        count(outcome);
        await publish(outcome);
        return { incidents: [...new Set(outcome.messages.map((m) => m.incident.id))] };
      },
      { concurrency: deps.concurrency },
    );
    await deps.queue.process('incidents.command', async ({ commandId }) => {
      if (leadership) await leadership.whenLeader();
      const commands = new CommandRepository(deps.database.db);
      const cmd = await commands.get(commandId);
      if (!cmd) return { status: 'unknown' as const };
      if (cmd.status !== 'pending') return { status: cmd.status };
      const outcome = await live.command(cmd);
      await publish({ messages: outcome.messages, duplicates: 0, duplicatesBySource: {}, actions: {} });
      return { status: outcome.ok ? ('done' as const) : ('failed' as const) };
    });
  };

  if (leadership) {
    leadership.start({
      onAcquired: async () => {
        await publish(await live.rebuild());
        deps.logger.info({}, 'this process now leads correlation');
        await consume();
      },
      onLost: (err) => deps.logger.error({ err }, 'lost the correlator lock; waiting to win it again'),
    });
  } else {
    await publish(await live.rebuild());
    await consume();
  }

  return {
    live,
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (deps.metrics.engineCapacity.source === capacity) deps.metrics.engineCapacity.source = null;
      for (const u of unsubscribe) await u().catch(() => undefined);
      await leadership?.stop();
    },
  };
}

/** A job's batches: `{ batches }`, or one batch's fields at the top level (queued by an earlier version). */
function batchesOf(d: unknown): IngestBatch[] | null {
  if (isBatch(d)) return [d];
  const batches = typeof d === 'object' && d !== null ? (d as Record<string, unknown>).batches : undefined;
  return Array.isArray(batches) && batches.every(isBatch) ? batches : null;
}

/** The group's outcome goes to its first batch (LiveCorrelator.processBatch): summing loses nothing. */
function mergeOutcomes(outcomes: BatchOutcome[]): BatchOutcome {
  if (outcomes.length === 1) return outcomes[0]!;
  const merged: BatchOutcome = { messages: [], duplicates: 0, duplicatesBySource: {}, actions: {} };
  for (const o of outcomes) {
    merged.messages.push(...o.messages);
    merged.duplicates += o.duplicates;
    for (const [k, n] of Object.entries(o.duplicatesBySource)) merged.duplicatesBySource[k] = (merged.duplicatesBySource[k] ?? 0) + n;
    for (const [k, n] of Object.entries(o.actions)) merged.actions[k] = (merged.actions[k] ?? 0) + n;
  }
  return merged;
}

function isBatch(d: unknown): d is IngestBatch {
  if (typeof d !== 'object' || d === null) return false;
  const b = d as Record<string, unknown>;
  return (
    typeof b.batchId === 'string' &&
    typeof b.receivedAt === 'string' &&
    Array.isArray(b.events) &&
    b.events.every((e: unknown) => {
      const ev = e as Record<string, unknown> | null;
      return !!ev && typeof ev.fingerprint === 'string' && (ev.status === 'firing' || ev.status === 'resolved' || ev.status === 'acknowledged') && typeof ev.eventTime === 'string' && !Number.isNaN(Date.parse(ev.eventTime));
    })
  );
}
