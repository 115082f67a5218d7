/**
 * Verifies presented token secrets, so ingest does not ask the database on every request.
 *
 * Contract: a verified token is trusted for at most `cacheMs` without asking the store
 * again. A revoke therefore takes effect within `cacheMs` in every process, and at once
 * in the process that revoked it (the revoking route calls `forget`). `cacheMs` 0 asks
 * the store every time. Only successful verifications are cached, keyed by the secret's
 * hash (never the secret), and the cache holds at most `maxEntries` tokens.
 *
 * Use is recorded (`last_used_at`) at most once a minute per token, in the background;
 * `close()` waits for writes still in flight.
 */
import type { Logger } from 'pino';
import { type Principal, hashTokenSecret, looksLikeTokenSecret } from './api-token.ts';
import { LAST_USED_RESOLUTION_MS, type TokenRepository } from './token-repository.ts';

export interface TokenVerifierOptions {
  repository: TokenRepository;
  cacheMs: number;
  /** Default 10 000 tokens. */
  maxEntries?: number;
  logger: Pick<Logger, 'warn'>;
  now?: () => number;
}

interface Entry {
  principal: Principal;
  expiresAt: number;
}

export class TokenVerifier {
  private readonly repository: TokenRepository;
  private readonly cacheMs: number;
  private readonly maxEntries: number;
  private readonly log: Pick<Logger, 'warn'>;
  private readonly now: () => number;
  /** hash → entry; a Map iterates in insertion order, so the first key is the oldest. */
  private readonly cache = new Map<string, Entry>();
  /** token id → when its use was last written. */
  private readonly touched = new Map<string, number>();
  private readonly writes = new Set<Promise<void>>();

  constructor(opts: TokenVerifierOptions) {
    this.repository = opts.repository;
    this.cacheMs = opts.cacheMs;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.log = opts.logger;
    this.now = opts.now ?? Date.now;
  }

  /** The principal of an active token with this secret, or undefined for an unknown or revoked one. */
  async verify(secret: string): Promise<Principal | undefined> {
    if (!looksLikeTokenSecret(secret)) return undefined;
    const hash = hashTokenSecret(secret);
    const now = this.now();
    const cached = this.cache.get(hash);
    if (cached && cached.expiresAt > now) {
      this.recordUse(cached.principal.id, now);
      return cached.principal;
    }
    this.cache.delete(hash);
    const token = await this.repository.findActiveByHash(hash);
    if (!token) return undefined;
    const principal: Principal = Object.freeze({ id: token.id, name: token.name, scopes: token.scopes, sources: token.sources });
    if (this.cacheMs > 0) {
      if (this.cache.size >= this.maxEntries) this.evictOldest();
      this.cache.set(hash, { principal, expiresAt: now + this.cacheMs });
    }
    this.recordUse(principal.id, now);
    return principal;
  }

  /** Drops a token from this process's cache at once (after revoking it). */
  forget(tokenId: string): void {
    for (const [hash, entry] of this.cache) if (entry.principal.id === tokenId) this.cache.delete(hash);
    this.touched.delete(tokenId);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.writes]);
  }

  private evictOldest(): void {
    const now = this.now();
    for (const [hash, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(hash);
    while (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  private recordUse(tokenId: string, now: number): void {
    const last = this.touched.get(tokenId);
    if (last !== undefined && now - last < LAST_USED_RESOLUTION_MS) return;
    if (this.touched.size >= this.maxEntries) this.touched.clear();
    this.touched.set(tokenId, now);
    const write = this.repository.touch(tokenId, new Date(now)).catch((err: unknown) => {
      this.log.warn({ err }, 'could not record when an API token was last used');
    });
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }
}
