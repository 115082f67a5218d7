/**
 * Sequence order is commit order in the stream log, so a reader resuming "after N" never
 * skips a message: two writers whose transactions overlap on real Postgres (the second
 * tries to commit first), many writers at random on Postgres and PGlite, and the hub
 * filling a hole in what the bus brought from the log.
 */
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedEventBus } from '../../engine/bus/embedded-event-bus.ts';
import { STREAM_TOPIC, type StreamMessage } from '../../engine/bus/events.ts';
import type { Database } from '../../engine/db/database.ts';
import type { IncidentSummary } from '../../engine/incident/incident.ts';
import { StreamRepository } from '../../engine/stream/stream-repository.ts';
import { StreamHub } from '../../web/stream-hub.ts';
import { type DatabaseHarness, relationalAdapters } from '../support/database-harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `write` in a transaction held open until `release()`; `written` resolves once `write` is done. */
function heldOpen(database: Database, write: (stream: StreamRepository) => Promise<unknown>): { written: Promise<void>; release: () => void; done: Promise<void> } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let wrote!: () => void;
  const written = new Promise<void>((r) => (wrote = r));
  const done = database.db.transaction().execute(async (trx) => {
    await write(new StreamRepository(trx));
    wrote();
    await gate;
  });
  return { written, release, done };
}

function summary(id: string): IncidentSummary {
  const at = new Date().toISOString();
  return {
    id,
    title: id,
    status: 'open',
    severity: 'warning',
    groupKey: 'service=s',
    alertCount: 1,
    firingCount: 1,
    startedAt: at,
    lastEventAt: at,
    resolvedAt: null,
    createdAt: at,
    updatedAt: at,
    sourceFingerprints: [],
    sourceFingerprintsTruncated: false,
    component: null,
    assignee: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    mergedInto: null,
  };
}
const updated = (id: string) => ({ type: 'incident.updated' as const, incident: summary(id) });

/** A reader that resumes after the last seq it saw, as a console does. */
function resumingReader(db: Database) {
  const seen: number[] = [];
  return {
    seen,
    async poll() {
      const page = await new StreamRepository(db.db).since(seen.at(-1) ?? 0, 1000);
      seen.push(...page.map((m) => m.seq));
    },
  };
}

describe.each(relationalAdapters)('stream sequence order (%s)', (name, makeHarness) => {
  let harness: DatabaseHarness;
  let database: Database;
  beforeAll(async () => {
    harness = await makeHarness();
    database = await harness.open();
  });
  afterAll(async () => {
    await database?.close();
    await harness?.cleanup();
  });
  const all = async () => (await new StreamRepository(database.db).since(0, 100_000)).map((m) => m.seq);

  // PGlite has one connection: a second transaction cannot overlap the first, so this race exists only on Postgres.
  if (name === 'postgres') it('makes a later writer wait for an earlier one, so a reader polling in between skips nothing', async () => {
    const start = (await all()).length;
    const reader = resumingReader(database);
    let bAppendedAt = 0;

    // A draws the first number and keeps its transaction open.
    const a = heldOpen(database, (stream) => stream.append(updated('a')));
    await a.written;
    // B draws the next number and commits as soon as it can: before A, if nothing stops it.
    const b = database.db.transaction().execute(async (trx) => {
      await new StreamRepository(trx).append(updated('b'));
      bAppendedAt = Date.now();
    });
    await sleep(300);
    await reader.poll();
    expect(bAppendedAt, 'B appended while A was still open').toBe(0);
    expect(reader.seen).toEqual((await all()).slice(start));

    const releasedAt = Date.now();
    a.release();
    await Promise.all([a.done, b]);
    expect(bAppendedAt).toBeGreaterThanOrEqual(releasedAt);
    await reader.poll();
    const committed = (await all()).slice(start);
    expect(committed).toHaveLength(2);
    expect(reader.seen).toEqual(committed);
    const messages = await new StreamRepository(database.db).since(committed[0]! - 1, 10);
    expect(messages.map((m) => (m as { incident: IncidentSummary }).incident.id)).toEqual(['a', 'b']);
  });

  if (name === 'postgres') it('makes a later multi-row append wait for an earlier one, numbering each in the given order', async () => {
    const start = (await all()).length;
    let bAppendedAt = 0;
    const a = heldOpen(database, (stream) => stream.appendMany(['a1', 'a2', 'a3'].map(updated)));
    await a.written;
    const b = database.db.transaction().execute(async (trx) => {
      const written = await new StreamRepository(trx).appendMany(['b1', 'b2'].map(updated));
      bAppendedAt = Date.now();
      return written;
    });
    await sleep(300);
    expect(bAppendedAt, 'B appended while A was still open').toBe(0);
    const releasedAt = Date.now();
    a.release();
    const [, bWritten] = await Promise.all([a.done, b]);
    expect(bAppendedAt).toBeGreaterThanOrEqual(releasedAt);
    const committed = (await all()).slice(start);
    expect(committed).toHaveLength(5);
    expect(bWritten.map((m) => m.seq)).toEqual(committed.slice(3));
    const messages = await new StreamRepository(database.db).since(committed[0]! - 1, 10);
    expect(messages.map((m) => (m as { incident: IncidentSummary }).incident.id)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
  });

  it('appends many messages in one statement as appending them one by one would', async () => {
    const stream = new StreamRepository(database.db);
    expect(await stream.appendMany([])).toEqual([]);
    const ids = Array.from({ length: 40 }, (_, i) => `many-${39 - i}`);
    // Outside a transaction it opens one of its own, as `append` does.
    const written = await stream.appendMany(ids.map(updated));
    const seqs = written.map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(40);
    const one = await stream.append(updated('single'));
    expect(one.seq).toBeGreaterThan(seqs.at(-1)!);
    const stored = await stream.since(seqs[0]! - 1, 41);
    expect(stored.map((m) => (m as { incident: IncidentSummary }).incident.id)).toEqual([...ids, 'single']);
    expect(stored.slice(0, 40)).toEqual(written);
    expect(Object.keys(stored[40]!).sort()).toEqual(Object.keys(stored[0]!).sort());
  });

  it('never lets a resuming reader skip a message under many overlapping writers', { timeout: 60_000 }, async () => {
    const before = await new StreamRepository(database.db).lastSeq();
    const reader = resumingReader(database);
    reader.seen.push(before);
    let writing = true;
    const polling = (async () => {
      while (writing) {
        await reader.poll();
        await sleep(1);
      }
    })();
    const writer = async (w: number) => {
      for (let t = 0; t < 15; t++) {
        await database.db
          .transaction()
          .execute(async (trx) => {
            const n = 1 + ((w + t) % 3);
            for (let i = 0; i < n; i++) {
              // Every other round appends several messages at once.
              if (t % 2 === 1) await new StreamRepository(trx).appendMany([0, 1, 2].map((k) => updated(`w${w}-${t}-${i}-${k}`)));
              else await new StreamRepository(trx).append(updated(`w${w}-${t}-${i}`));
              await sleep((w * 7 + t * 3 + i) % 5);
            }
            if ((w + t) % 7 === 0) throw new Error('rolled back on purpose');
          })
          .catch((err: Error) => {
            if (err.message !== 'rolled back on purpose') throw err;
          });
      }
    };
    // Appends outside a transaction take the same lock (in one of their own).
    const loose = async () => {
      for (let i = 0; i < 10; i++) {
        await new StreamRepository(database.db).append(updated(`loose-${i}`));
        await sleep(2);
      }
    };
    await Promise.all([writer(1), writer(2), writer(3), writer(4), loose()]);
    writing = false;
    await polling;
    await reader.poll();
    const committed = (await all()).filter((s) => s > before);
    expect(committed.length).toBeGreaterThan(40);
    expect(reader.seen.slice(1)).toEqual(committed);
  });
});

/** Just what the hub uses of a ws socket. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: Array<{ type: string; seq: number }> = [];
  send(data: string | Buffer): void {
    this.sent.push(JSON.parse(String(data)));
  }
  close(): void {
    this.readyState = 3;
    this.emit('close');
  }
}

describe.each(relationalAdapters)('stream hub ordering (%s)', (_name, makeHarness) => {
  let harness: DatabaseHarness;
  let database: Database;
  beforeAll(async () => {
    harness = await makeHarness();
    database = await harness.open();
  });
  afterAll(async () => {
    await database?.close();
    await harness?.cleanup();
  });

  it('fills a hole in what the bus brought from the log and drops a late duplicate', async () => {
    const logger = pino({ level: 'silent' });
    const bus = new EmbeddedEventBus({ logger });
    const hub = new StreamHub(bus, database, logger);
    await hub.start();
    const socket = new FakeSocket();
    await hub.attach(socket as never, undefined);
    const stream = new StreamRepository(database.db);
    const m1 = await stream.append(updated('h1'));
    const m2 = await stream.append(updated('h2'));
    const m3 = await stream.append(updated('h3'));
    // m2 never comes on the bus; m1 comes after m3.
    await bus.publish(STREAM_TOPIC, m3 as StreamMessage);
    await bus.publish(STREAM_TOPIC, m1 as StreamMessage);
    const m4 = await stream.append(updated('h4'));
    await bus.publish(STREAM_TOPIC, m4 as StreamMessage);
    await expect.poll(() => socket.sent.filter((m) => m.type !== 'hello').map((m) => m.seq)).toEqual([m1.seq, m2.seq, m3.seq, m4.seq]);
    await hub.close();
    await bus.close();
  });
});
