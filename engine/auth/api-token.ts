/**
 * API tokens: what a token may do, and how its secret is made and stored.
 *
 * A secret is `aiops_` followed by 32 random bytes in base64url (256 bits). Only its
 * SHA-256 hash is stored. A fast, unsalted hash is right here, unlike for passwords:
 * the secret is uniformly random with 256 bits of entropy, so there is nothing to guess
 * from a leaked hash by dictionary or brute force, and a salt would only stop us from
 * finding a token by its hash with one indexed lookup.
 */
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_SCOPES = ['ingest', 'admin', 'viewer', 'operator', 'problem-manager'] as const;
/**
 * `ingest`: send alerts and metrics. The others are roles (engine/auth/roles.ts) for
 * automation using the web API: a token acts with the highest role among its scopes,
 * and `admin` (the admin role) also creates, lists and revokes tokens, as it always
 * has. `ingest` and the roles do not imply one another.
 */
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** The sources an ingest route belongs to are path-like names: `alertmanager`, `generic`, `metrics`. */
export const SOURCE_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';

export interface ApiToken {
  id: string;
  name: string;
  scopes: TokenScope[];
  /** The sources this token may send to; null for every source. */
  sources: string[] | null;
  createdAt: string;
  /** Updated at most once a minute, so it says "in use recently", not "last request". */
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The identity a verified token gives a request. */
export type Principal = Pick<ApiToken, 'id' | 'name' | 'scopes' | 'sources'>;

const TOKEN_PREFIX = 'aiops_';
const SECRET_BYTES = 32;
/** base64url of 32 bytes is 43 characters, without padding. */
const TOKEN_SHAPE = /^aiops_[A-Za-z0-9_-]{43}$/;

/** A new secret and the hash to store. The secret leaves the process once and is never kept. */
export function newTokenSecret(): { secret: string; hash: string } {
  const secret = TOKEN_PREFIX + randomBytes(SECRET_BYTES).toString('base64url');
  return { secret, hash: hashTokenSecret(secret) };
}

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether a presented string could be one of our secrets at all: garbage costs no lookup. */
export function looksLikeTokenSecret(value: string): boolean {
  return TOKEN_SHAPE.test(value);
}

/** Whether `principal` holds `scope` and, for ingest, may send to `source`. */
export function allows(principal: Principal, scope: TokenScope, source?: string): boolean {
  if (!principal.scopes.includes(scope)) return false;
  if (source === undefined || principal.sources === null) return true;
  return principal.sources.includes(source);
}
