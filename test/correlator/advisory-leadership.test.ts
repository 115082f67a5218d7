/**
 * One correlator leads at a time on Postgres: a second waits while the first holds the lock,
 * and takes over when the first lets go (a dead process's connection lets go the same way).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryLeadership } from '../../correlator/live/advisory-leadership.ts';
import { type Database, openDatabase } from '../../engine/db/database.ts';
import { createTestDatabase, type TestDatabase } from '../support/isolation.ts';
import { eventually } from '../support/test-runtime.ts';

describe('advisory leadership', () => {
  let tdb: TestDatabase;
  const dbs: Database[] = [];
  beforeAll(async () => {
    tdb = await createTestDatabase();
    for (let i = 0; i < 2; i++) dbs.push(await openDatabase({ url: tdb.url, poolSize: 2 }));
  });
  afterAll(async () => {
    for (const d of dbs) await d.close();
    await tdb?.drop();
  });

  it('lets one lead, keeps the other waiting, and hands over when the leader stops', async () => {
    const acquired: string[] = [];
    const a = new AdvisoryLeadership(dbs[0]!.db, 'test:leader', 50);
    const b = new AdvisoryLeadership(dbs[1]!.db, 'test:leader', 50);
    a.start({ onAcquired: async () => void acquired.push('a'), onLost: () => undefined });
    await a.whenLeader();
    b.start({ onAcquired: async () => void acquired.push('b'), onLost: () => undefined });
    await new Promise((r) => setTimeout(r, 300));
    expect(acquired).toEqual(['a']);
    expect(b.isLeader).toBe(false);
    await a.stop();
    expect(a.isLeader).toBe(false);
    await eventually(async () => (b.isLeader ? true : undefined), 5_000, 'b to lead');
    expect(acquired).toEqual(['a', 'b']);
    await b.stop();
  });
});
