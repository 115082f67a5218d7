/**
 * Stored lessons of the correlator's learned models (migration 0017): written with the group
 * that resolved their incidents, read back when an engine is rebuilt.
 */
import type { Kysely } from 'kysely';
import type { Lesson } from '../engine/correlation-engine.ts';
import type { DB } from '../../engine/db/tables.ts';

/** Lessons read back on a rebuild, and kept in the table: the latest this many. */
export const LESSONS_KEPT = 50_000;

export class LessonRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** The latest `limit` lessons, oldest first (the order they were learned). */
  async latest(limit = LESSONS_KEPT): Promise<Lesson[]> {
    const rows = await this.db
      .selectFrom('correlation_lessons')
      .select(['incident_key', 'learned_at', 'types', 'on_root', 'elsewhere'])
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse().map((r) => ({ key: r.incident_key, atMs: new Date(r.learned_at).getTime(), types: r.types, onRoot: r.on_root, elsewhere: r.elsewhere }));
  }

  /** Adds lessons in the given order; one already stored for the same incident is kept. */
  async addMany(lessons: readonly Lesson[]): Promise<void> {
    if (lessons.length === 0) return;
    await this.db
      .insertInto('correlation_lessons')
      .values(
        lessons.map((l) => ({
          incident_key: l.key,
          learned_at: new Date(l.atMs).toISOString(),
          types: JSON.stringify(l.types),
          on_root: JSON.stringify(l.onRoot),
          elsewhere: JSON.stringify(l.elsewhere),
        })),
      )
      .onConflict((oc) => oc.column('incident_key').doNothing())
      .execute();
  }

  /** Deletes all but the latest `keep` lessons; returns how many went. */
  async prune(keep = LESSONS_KEPT): Promise<number> {
    const newest = await this.db.selectFrom('correlation_lessons').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    if (newest?.id == null) return 0;
    const res = await this.db.deleteFrom('correlation_lessons').where('id', '<=', Number(newest.id) - keep).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
