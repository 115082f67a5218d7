/**
 * Maintenance windows, silences and inhibition rules in the relational store.
 *
 * Contract (test/suppression/suppression-repository.contract.test.ts):
 * - Every method takes the instant it works at (`nowMs`, default the clock), so states
 *   (active, pending, expired) are computed, not stored: a silence becomes active and
 *   then expired without any write.
 * - `create` stores a rule as given (the HTTP edge validates it) with a fresh id
 *   (`mw_…`, `sil_…`, `inh_…`), unless `maxInForce` rules of that kind are already in
 *   force (active or pending): then it writes nothing and says so.
 * - `expire` ends a rule now and keeps it: its definition then says when it ended (a
 *   silence's endsAt, a window's end or until), `expiredAt` is set, and it is listed as
 *   expired. Expiring an expired rule changes nothing.
 * - `loadRules` returns every rule that can still suppress something (active or pending),
 *   each kind in (created_at, id) order, from one snapshot.
 * - Every accepted write increments `version()`; writers are serialized on the
 *   `suppression_meta` row, so the count limit holds across processes.
 *
 * Each call runs in its own transaction, or in the caller's when given a Transaction.
 */
import { randomBytes } from 'node:crypto';
import { type IsolationLevel, type Kysely, sql } from 'kysely';
import { type Executor, iso, isoOrNull } from '../db/executor.ts';
import type { SuppressionRuleTable } from '../db/tables.ts';
import { endedAt, lifetimeOf, stateAt } from './rule-lifetime.ts';
import type {
  InhibitRule,
  MaintenanceWindow,
  RuleDraftOf,
  RuleState,
  Silence,
  StoredRuleOf,
  SuppressionKind,
  SuppressionRules,
} from './suppression.ts';

/** Rules of one kind in force at once, unless the caller says otherwise. */
export const DEFAULT_MAX_RULES_IN_FORCE = 10_000;

export type CreateRuleResult<K extends SuppressionKind> =
  | { ok: true; rule: StoredRuleOf[K]; version: number }
  | { ok: false; reason: 'too-many-rules'; limit: number };

export type ExpireRuleResult<K extends SuppressionKind> =
  | { outcome: 'expired'; rule: StoredRuleOf[K]; version: number }
  | { outcome: 'already-expired'; rule: StoredRuleOf[K] }
  | { outcome: 'not-found' };

export interface RuleListFilter {
  /** Omitted: every state. */
  state?: RuleState;
  limit?: number;
  offset?: number;
}

const TABLE = { maintenance: 'maintenance_windows', silence: 'silences', 'inhibit-rule': 'inhibit_rules' } as const;
const ID_PREFIX = { maintenance: 'mw', silence: 'sil', 'inhibit-rule': 'inh' } as const;

/**
 * The three tables share their columns, so one code path serves them all: queries are typed
 * against one table named `rule` and run on the kind's real table (`on(kind)`). Columns are
 * never qualified by table name, so the SQL is the same as if written per table.
 */
type RuleTables = { rule: SuppressionRuleTable<any> };

interface RuleRow {
  id: string;
  definition: any;
  comment: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  starts_at: Date | null;
  ends_at: Date | null;
  expired_at: Date | null;
}

const COLUMNS = ['id', 'definition', 'comment', 'created_by', 'created_at', 'updated_at', 'starts_at', 'ends_at', 'expired_at'] as const;

export class SuppressionRepository {
  constructor(private readonly db: Executor) {}

  async create<K extends SuppressionKind>(
    kind: K,
    draft: RuleDraftOf[K],
    opts: { createdBy: string; nowMs?: number; maxInForce?: number },
  ): Promise<CreateRuleResult<K>> {
    const nowMs = opts.nowMs ?? Date.now();
    const limit = opts.maxInForce ?? DEFAULT_MAX_RULES_IN_FORCE;
    const { comment, ...definition } = draft as RuleDraftOf[K] & { comment?: string };
    const lifetime = lifetimeOf(kind, draft);
    return this.inTransaction(undefined, async (trx) => {
      await lockMeta(trx);
      if ((await countInForce(trx, kind, nowMs)) >= limit) return { ok: false, reason: 'too-many-rules', limit };
      const now = new Date(nowMs);
      const row = await rulesOf(trx)
        .insertInto(on(kind))
        .values({
          id: `${ID_PREFIX[kind]}_${randomBytes(15).toString('base64url')}`,
          definition: JSON.stringify(definition),
          comment: comment ?? null,
          created_by: opts.createdBy,
          created_at: now,
          updated_at: now,
          starts_at: dateOrNull(lifetime.startMs),
          ends_at: dateOrNull(lifetime.endMs),
        })
        .returning(COLUMNS)
        .executeTakeFirstOrThrow();
      return { ok: true, rule: toStored(kind, row, nowMs), version: await bumpVersion(trx) };
    });
  }

  async get<K extends SuppressionKind>(kind: K, id: string, nowMs: number = Date.now()): Promise<StoredRuleOf[K] | undefined> {
    const row = await rulesOf(this.db).selectFrom(on(kind)).select(COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toStored(kind, row, nowMs) : undefined;
  }

  /** Newest first (created_at, then id, descending). */
  async list<K extends SuppressionKind>(kind: K, filter: RuleListFilter = {}, nowMs: number = Date.now()): Promise<StoredRuleOf[K][]> {
    const now = new Date(nowMs);
    let query = rulesOf(this.db).selectFrom(on(kind)).select(COLUMNS);
    if (filter.state === 'expired') query = query.where('ends_at', '<=', now);
    else if (filter.state !== undefined) {
      query = query.where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]));
      query =
        filter.state === 'pending'
          ? query.where('starts_at', '>', now)
          : query.where((eb) => eb.or([eb('starts_at', 'is', null), eb('starts_at', '<=', now)]));
    }
    query = query.orderBy('created_at', 'desc').orderBy('id', 'desc');
    if (filter.limit !== undefined) query = query.limit(filter.limit);
    if (filter.offset !== undefined) query = query.offset(filter.offset);
    const rows = await query.execute();
    return rows.map((row) => toStored(kind, row, nowMs));
  }

  /** Ends the rule now (see the contract above); `not-found` for an unknown id. */
  async expire<K extends SuppressionKind>(kind: K, id: string, nowMs: number = Date.now()): Promise<ExpireRuleResult<K>> {
    return this.inTransaction(undefined, async (trx) => {
      await lockMeta(trx);
      const rules = rulesOf(trx);
      const row = await rules.selectFrom(on(kind)).select(COLUMNS).where('id', '=', id).executeTakeFirst();
      if (!row) return { outcome: 'not-found' };
      if (stateOfRow(row, nowMs) === 'expired') return { outcome: 'already-expired', rule: toStored(kind, row, nowMs) };
      const ended = endedAt(kind, row.definition as RuleDraftOf[K], nowMs);
      const now = new Date(nowMs);
      const updated = await rules
        .updateTable(on(kind))
        .set({ definition: JSON.stringify(ended), starts_at: dateOrNull(lifetimeOf(kind, ended).startMs), ends_at: now, expired_at: now, updated_at: now })
        .where('id', '=', id)
        .returning(COLUMNS)
        .executeTakeFirstOrThrow();
      return { outcome: 'expired', rule: toStored(kind, updated, nowMs), version: await bumpVersion(trx) };
    });
  }

  /** Goes up with every accepted write. Read it before `loadRules`: a reload is then never older than the version held. */
  async version(): Promise<number> {
    const row = await this.db.selectFrom('suppression_meta').select('version').where('id', '=', 1).executeTakeFirstOrThrow();
    return Number(row.version);
  }

  /** Every rule that can still suppress something at or after `nowMs` (active or pending), in (created_at, id) order. */
  async loadRules(nowMs: number): Promise<SuppressionRules> {
    return this.inTransaction('repeatable read', async (trx) => {
      const now = new Date(nowMs);
      const inForce = async <K extends SuppressionKind>(kind: K) => {
        const rows = await rulesOf(trx)
          .selectFrom(on(kind))
          .select(COLUMNS)
          .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]))
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        return rows.map((row) => toDomain(kind, row));
      };
      return {
        maintenance: (await inForce('maintenance')) as MaintenanceWindow[],
        silences: (await inForce('silence')) as Silence[],
        inhibitRules: (await inForce('inhibit-rule')) as InhibitRule[],
      };
    });
  }

  private async inTransaction<T>(isolation: IsolationLevel | undefined, fn: (trx: Executor) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this.db);
    const builder = this.db.transaction();
    return (isolation ? builder.setIsolationLevel(isolation) : builder).execute(fn);
  }
}

function rulesOf(db: Executor): Kysely<RuleTables> {
  return db as unknown as Kysely<RuleTables>;
}

function on(kind: SuppressionKind): 'rule' {
  return TABLE[kind] as unknown as 'rule';
}

function dateOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

function stateOfRow(row: RuleRow, nowMs: number): RuleState {
  return stateAt({ startMs: row.starts_at === null ? null : new Date(row.starts_at).getTime(), endMs: row.ends_at === null ? null : new Date(row.ends_at).getTime() }, nowMs);
}

/** The rule as the correlator applies it: its definition, id, comment and (silences) creator. */
function toDomain(kind: SuppressionKind, row: RuleRow): MaintenanceWindow | Silence | InhibitRule {
  const rule: Record<string, unknown> = { id: row.id, ...row.definition };
  if (kind === 'silence') rule.createdBy = row.created_by;
  if (kind !== 'inhibit-rule' && row.comment !== null) rule.comment = row.comment;
  return rule as unknown as MaintenanceWindow | Silence | InhibitRule;
}

/** `kind` only types the result: every kind is its definition plus the same record. */
function toStored<K extends SuppressionKind>(_kind: K, row: RuleRow, nowMs: number): StoredRuleOf[K] {
  const rule: Record<string, unknown> = { id: row.id, ...row.definition };
  if (row.comment !== null) rule.comment = row.comment;
  Object.assign(rule, {
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    expiredAt: isoOrNull(row.expired_at),
    state: stateOfRow(row, nowMs),
  });
  return rule as unknown as StoredRuleOf[K];
}

/** Serializes suppression writers until the end of the transaction. */
async function lockMeta(trx: Executor): Promise<void> {
  await trx.selectFrom('suppression_meta').select('id').where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
}

async function bumpVersion(trx: Executor): Promise<number> {
  const row = await trx
    .updateTable('suppression_meta')
    .set((eb) => ({ version: eb('version', '+', 1), updated_at: sql`now()` }))
    .where('id', '=', 1)
    .returning('version')
    .executeTakeFirstOrThrow();
  return Number(row.version);
}

async function countInForce(db: Executor, kind: SuppressionKind, nowMs: number): Promise<number> {
  const now = new Date(nowMs);
  const row = await rulesOf(db)
    .selectFrom(on(kind))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
