/** The small pure parts behind the console's endpoints: the shared short cache, chart buckets, series picking, storm minutes. */
import { describe, expect, it } from 'vitest';
import { bucket, seriesQueriesOf } from '../../web/metric-routes.ts';
import { shortCache } from '../../web/short-cache.ts';
import { StormFigures, type StormRepository } from '../../engine/incident/storm-repository.ts';

describe('shortCache', () => {
  it('reads once per window however many ask, shares a read under way, and forgets a failure', async () => {
    let now = 0;
    let reads = 0;
    let fail = false;
    const get = shortCache(
      1000,
      async () => {
        reads++;
        if (fail) throw new Error('down');
        return reads;
      },
      () => now,
    );
    expect(await Promise.all([get(), get(), get()])).toEqual([1, 1, 1]);
    now = 999;
    expect(await get()).toBe(1);
    now = 1000;
    expect(await get()).toBe(2);
    fail = true;
    now = 2000;
    await expect(get()).rejects.toThrow('down');
    fail = false;
    expect(await get()).toBe(4);
  });
});

describe('bucket', () => {
  it('keeps few points as they are and averages many into equal time buckets, dropping non-numbers', () => {
    expect(bucket([[0, 1], [10, 'x'], [20, 3]], 0, 100, 10)).toEqual([[0, 1], [20, 3]]);
    const many = Array.from({ length: 100 }, (_, i) => [i, i] as [number, number]);
    const out = bucket(many, 0, 100, 10);
    expect(out).toHaveLength(10);
    expect(out[0]).toEqual([5, 4.5]);
    expect(out[9]).toEqual([95, 94.5]);
  });
});

describe('seriesQueriesOf', () => {
  it('takes the metric a member names, tagged like its topology item, else like its host; once per series', () => {
    const item = (labels: Record<string, string>) => (labels.service === 'pg' ? { service: 'pg' } : undefined);
    const q = seriesQueriesOf(
      [
        { name: 'A', labels: { service: 'pg', host: 'db-1', metric: 'pg_connections' } },
        { name: 'B', labels: { service: 'pg', host: 'db-2', metric: 'pg_connections' } },
        { name: 'C', labels: { host: 'web-1' }, annotations: { metric: 'cpu', metric_field: 'usage_user' } },
        { name: 'D', labels: { host: 'web-1' } },
      ],
      item,
    );
    expect(q).toEqual([
      { query: { measurement: 'pg_connections', field: 'value', tags: { service: 'pg' } }, alert: 'A' },
      { query: { measurement: 'cpu', field: 'usage_user', tags: { host: 'web-1' } }, alert: 'C' },
    ]);
  });
});

describe('StormFigures', () => {
  it('reads a whole window once, then only the minutes that can still change', async () => {
    const asked: Array<[string, number]> = [];
    const repository = {
      async minutesFrom(first: number, count: number) {
        asked.push([new Date(first).toISOString().slice(11, 16), count]);
        return Array.from({ length: count }, (_, i) => ({ at: new Date(first + i * 60_000).toISOString(), alertsIn: 1, firingIn: 1, incidentsOut: 0 }));
      },
    } as unknown as StormRepository;
    const figures = new StormFigures(repository, 15, 30_000);
    const t = Date.parse('2026-11-21T10:00:10Z');
    expect(await figures.read(new Date(t))).toHaveLength(15);
    // 10:00:10: 09:46–09:59 have ended, but 09:59 only 10 s ago: not final yet.
    expect(asked).toEqual([['09:46', 15]]);
    await figures.read(new Date(t + 20_000));
    expect(asked[1]).toEqual(['09:59', 2]);
    await figures.read(new Date(t + 30_000));
    expect(asked[2]).toEqual(['10:00', 1]);
    const later = await figures.read(new Date(t + 5 * 60_000));
    expect(asked[3]).toEqual(['10:00', 6]);
    expect(later.map((m) => m.at.slice(11, 16))).toEqual(['09:51', '09:52', '09:53', '09:54', '09:55', '09:56', '09:57', '09:58', '09:59', '10:00', '10:01', '10:02', '10:03', '10:04', '10:05']);
  });
});
