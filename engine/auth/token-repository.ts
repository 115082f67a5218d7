/**
 * API tokens in the relational store. Stores and finds tokens by the hash of their
 * secret; never sees a secret. Returns domain types; the caller owns the transaction.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { ApiToken, TokenScope } from './api-token.ts';
import { type Executor, iso, isoOrNull } from '../db/executor.ts';

interface TokenRow {
  id: string;
  name: string;
  scopes: string[];
  sources: string[] | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = ['id', 'name', 'scopes', 'sources', 'created_at', 'last_used_at', 'revoked_at'] as const;

/** last_used_at is written at most this often per token, not on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export class TokenRepository {
  constructor(private readonly db: Executor) {}

  async insert(init: { name: string; scopes: TokenScope[]; sources: string[] | null; hash: string }): Promise<ApiToken> {
    const row = await this.db
      .insertInto('api_tokens')
      .values({
        id: randomUUID(),
        name: init.name,
        token_hash: init.hash,
        scopes: JSON.stringify([...new Set(init.scopes)]),
        sources: init.sources === null ? null : JSON.stringify([...new Set(init.sources)]),
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toToken(row);
  }

  /** The token with this secret hash, unless it is revoked. */
  async findActiveByHash(hash: string): Promise<ApiToken | undefined> {
    const row = await this.db.selectFrom('api_tokens').select(COLUMNS).where('token_hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
    return row ? toToken(row) : undefined;
  }

  async get(id: string): Promise<ApiToken | undefined> {
    const row = await this.db.selectFrom('api_tokens').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toToken(row) : undefined;
  }

  /** Newest first, revoked ones included (they say what was revoked and when). */
  async list(page: { limit: number; offset: number }): Promise<ApiToken[]> {
    const rows = await this.db.selectFrom('api_tokens').select(COLUMNS).orderBy('created_at', 'desc').orderBy('id').limit(page.limit).offset(page.offset).execute();
    return rows.map(toToken);
  }

  async count(): Promise<number> {
    const { n } = await this.db.selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(n);
  }

  /** Revokes at once in the store; a process that cached the token trusts it until its cache entry expires. */
  async revoke(id: string, now: Date = new Date()): Promise<'revoked' | 'already-revoked' | 'not-found'> {
    const updated = await this.db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).returning('id').executeTakeFirst();
    if (updated) return 'revoked';
    return (await this.get(id)) ? 'already-revoked' : 'not-found';
  }

  /** Records use, unless it was recorded less than a minute ago (by any process). */
  async touch(id: string, now: Date = new Date()): Promise<void> {
    const before = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    await this.db
      .updateTable('api_tokens')
      .set({ last_used_at: now })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', before)]))
      .execute();
  }

  /**
   * Serializes "create the first token" across processes sharing the database, for the
   * rest of the caller's transaction. The two-key form keeps it apart from the one-key
   * advisory locks the correlator takes.
   */
  async lockForFirstToken(): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext('aiops'), hashtext('api_tokens.first'))`.execute(this.db);
  }
}

function toToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes as TokenScope[],
    sources: row.sources,
    createdAt: iso(row.created_at),
    lastUsedAt: isoOrNull(row.last_used_at),
    revokedAt: isoOrNull(row.revoked_at),
  };
}
