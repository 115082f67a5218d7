/**
 * The topology in the relational store: configuration items, their relations, and a
 * version that goes up with every accepted write.
 *
 * Contract (test/topology/topology-repository.contract.test.ts):
 * - `get` reads items, relations and version from one snapshot.
 * - `replace` and `merge` either apply the whole write and return the new version, or
 *   write nothing and return the problems that refused it (pointers into the submitted
 *   document). Stored relations always join two stored items.
 * - Writers are serialized on the `topology_meta` row, so the endpoint checks of a merge
 *   see every earlier write, in any process.
 *
 * Each call runs in its own transaction, or in the caller's when given a Transaction.
 */
import { type IsolationLevel, sql } from 'kysely';
import type { Executor } from '../db/executor.ts';
import { type TopologyProblem, checkTopology } from './check-topology.ts';
import type { ConfigItem, Relation, Topology } from './topology.ts';

export type VersionedTopology = Topology & { version: number };

/** PATCH: removals apply first, then items are upserted by id and relations added. */
export interface TopologyPatch {
  items?: ConfigItem[];
  relations?: Relation[];
  /** Removing an item removes every relation from or to it. Unknown ids and relations are ignored. */
  remove?: { items?: string[]; relations?: Relation[] };
}

export type TopologyWriteResult =
  | { ok: true; version: number; items: number; relations: number }
  | { ok: false; problems: TopologyProblem[] };

// Multi-row inserts in chunks: one statement per chunk keeps a 200k-relation replace to
// a few dozen round trips, and each stays well below Postgres' 65,535 bind parameters.
const ITEM_CHUNK = 2_000; // 4 parameters a row
const RELATION_CHUNK = 5_000; // 3 parameters a row
const ID_CHUNK = 10_000;

export class TopologyRepository {
  constructor(private readonly db: Executor) {}

  /** The whole topology, or with `kind` its items of that kind and the relations between them. */
  async get(filter: { kind?: string } = {}): Promise<VersionedTopology> {
    return this.inTransaction('repeatable read', async (trx) => {
      const version = await readVersion(trx);
      let itemQuery = trx.selectFrom('config_items').select(['id', 'kind', 'name', 'labels']).orderBy('id');
      let relationQuery = trx.selectFrom('relations').select(['from_id', 'to_id', 'kind']).orderBy('from_id').orderBy('to_id').orderBy('kind');
      if (filter.kind !== undefined) {
        const kind = filter.kind;
        itemQuery = itemQuery.where('kind', '=', kind);
        const ofKind = trx.selectFrom('config_items').select('id').where('kind', '=', kind);
        relationQuery = relationQuery.where('from_id', 'in', ofKind).where('to_id', 'in', ofKind);
      }
      const items = (await itemQuery.execute()).map((r): ConfigItem => ({ id: r.id, kind: r.kind, name: r.name, labels: r.labels }));
      const relations = (await relationQuery.execute()).map((r): Relation => ({ from: r.from_id, to: r.to_id, kind: r.kind }));
      return { items, relations, version };
    });
  }

  async version(): Promise<number> {
    return readVersion(this.db);
  }

  /** PUT: the topology becomes exactly `topology`. Every relation must join two of its items. */
  async replace(topology: Topology): Promise<TopologyWriteResult> {
    const problems = checkTopology(topology, { endpointsMustBeItems: true });
    if (problems.length > 0) return { ok: false, problems };
    return this.inTransaction(undefined, async (trx) => {
      await lockMeta(trx);
      // DELETE rather than TRUNCATE: readers keep seeing the old topology until commit.
      await trx.deleteFrom('relations').execute();
      await trx.deleteFrom('config_items').execute();
      for (const chunk of chunks(topology.items, ITEM_CHUNK)) {
        await trx.insertInto('config_items').values(chunk.map(itemRow)).execute();
      }
      for (const chunk of chunks(topology.relations, RELATION_CHUNK)) {
        await trx.insertInto('relations').values(chunk.map(relationRow)).execute();
      }
      const version = await bumpVersion(trx);
      return { ok: true, version, items: topology.items.length, relations: topology.relations.length };
    });
  }

  /**
   * PATCH: removals first, then items upserted by id, then relations added (one already
   * stored is kept as is). Every relation added must end at an item of the patch or a
   * stored item that the patch does not remove. Nothing is written when one does not.
   */
  async merge(patch: TopologyPatch): Promise<TopologyWriteResult> {
    const items = patch.items ?? [];
    const relations = patch.relations ?? [];
    const removedItems = [...new Set(patch.remove?.items ?? [])];
    const removedRelations = patch.remove?.relations ?? [];
    const problems = checkTopology({ items, relations }, { endpointsMustBeItems: false });
    if (problems.length > 0) return { ok: false, problems };

    return this.inTransaction(undefined, async (trx) => {
      // Locked before the endpoint check, so no concurrent write can remove an endpoint in between.
      await lockMeta(trx);
      const dangling = await this.danglingEnds(trx, items, relations, new Set(removedItems));
      if (dangling.length > 0) return { ok: false, problems: dangling };

      for (const chunk of chunks(removedRelations, RELATION_CHUNK)) {
        const rows = chunk.map((r) => sql`(${r.from}, ${r.to}, ${r.kind})`);
        await trx.deleteFrom('relations').where(sql<boolean>`(from_id, to_id, kind) in (${sql.join(rows)})`).execute();
      }
      for (const ids of chunks(removedItems, ID_CHUNK)) {
        await trx
          .deleteFrom('relations')
          .where((eb) => eb.or([eb('from_id', 'in', ids), eb('to_id', 'in', ids)]))
          .execute();
        await trx.deleteFrom('config_items').where('id', 'in', ids).execute();
      }
      for (const chunk of chunks(items, ITEM_CHUNK)) {
        await trx
          .insertInto('config_items')
          .values(chunk.map(itemRow))
          .onConflict((oc) =>
            oc
              .column('id')
              .doUpdateSet({
                kind: sql`excluded.kind`,
                name: sql`excluded.name`,
                labels: sql`excluded.labels`,
                updated_at: sql`now()`,
              })
              // An item sent again unchanged keeps its updated_at.
              .where(sql<boolean>`(config_items.kind, config_items.name, config_items.labels) is distinct from (excluded.kind, excluded.name, excluded.labels)`),
          )
          .execute();
      }
      for (const chunk of chunks(relations, RELATION_CHUNK)) {
        await trx
          .insertInto('relations')
          .values(chunk.map(relationRow))
          .onConflict((oc) => oc.columns(['from_id', 'to_id', 'kind']).doNothing())
          .execute();
      }
      const version = await bumpVersion(trx);
      const counts = await countAll(trx);
      return { ok: true, version, ...counts };
    });
  }

  /** Relation ends that are neither items of the patch nor stored items it keeps. */
  private async danglingEnds(trx: Executor, items: ConfigItem[], relations: Relation[], removed: Set<string>): Promise<TopologyProblem[]> {
    const inPatch = new Set(items.map((i) => i.id));
    const lookup = new Set<string>();
    for (const r of relations) {
      for (const id of [r.from, r.to]) if (!inPatch.has(id) && !removed.has(id)) lookup.add(id);
    }
    const stored = new Set<string>();
    for (const ids of chunks([...lookup], ID_CHUNK)) {
      const rows = await trx.selectFrom('config_items').select('id').where('id', 'in', ids).execute();
      for (const row of rows) stored.add(row.id);
    }
    const problems: TopologyProblem[] = [];
    relations.forEach((r, i) => {
      for (const end of ['from', 'to'] as const) {
        const id = r[end];
        if (inPatch.has(id) || stored.has(id)) continue;
        const message = removed.has(id) ? `${JSON.stringify(id)} is removed by this request` : `${JSON.stringify(id)} is neither an item of this request nor a stored item`;
        problems.push({ pointer: `/relations/${i}/${end}`, message });
      }
    });
    return problems;
  }

  private async inTransaction<T>(isolation: IsolationLevel | undefined, fn: (trx: Executor) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this.db);
    const builder = this.db.transaction();
    return (isolation ? builder.setIsolationLevel(isolation) : builder).execute(fn);
  }
}

function itemRow(item: ConfigItem) {
  return { id: item.id, kind: item.kind, name: item.name, labels: JSON.stringify(item.labels) };
}

function relationRow(r: Relation) {
  return { from_id: r.from, to_id: r.to, kind: r.kind };
}

async function readVersion(db: Executor): Promise<number> {
  const row = await db.selectFrom('topology_meta').select('version').where('id', '=', 1).executeTakeFirstOrThrow();
  return Number(row.version);
}

/** Serializes topology writers until the end of the transaction. */
async function lockMeta(trx: Executor): Promise<void> {
  await trx.selectFrom('topology_meta').select('id').where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
}

async function bumpVersion(trx: Executor): Promise<number> {
  const row = await trx
    .updateTable('topology_meta')
    .set((eb) => ({ version: eb('version', '+', 1), updated_at: sql`now()` }))
    .where('id', '=', 1)
    .returning('version')
    .executeTakeFirstOrThrow();
  return Number(row.version);
}

async function countAll(db: Executor): Promise<{ items: number; relations: number }> {
  const items = await db.selectFrom('config_items').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const relations = await db.selectFrom('relations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { items: Number(items.n), relations: Number(relations.n) };
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
