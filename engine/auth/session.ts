/**
 * Login sessions: an opaque random secret handed to the browser (cookie) or API client
 * (Bearer), of which only the SHA-256 hash is stored, as for API tokens and for the same
 * reason (256 random bits leave nothing to guess from a leaked hash). The prefix tells
 * a session secret from an API token secret without a lookup.
 */
import { randomBytes } from 'node:crypto';
import { hashTokenSecret } from './api-token.ts';

export interface Session {
  id: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string;
}

const SESSION_PREFIX = 'aiops_s_';
const SESSION_SHAPE = /^aiops_s_[A-Za-z0-9_-]{43}$/;

export function newSessionSecret(): { secret: string; hash: string } {
  const secret = SESSION_PREFIX + randomBytes(32).toString('base64url');
  return { secret, hash: hashSessionSecret(secret) };
}

export function hashSessionSecret(secret: string): string {
  return hashTokenSecret(secret);
}

export function looksLikeSessionSecret(value: string): boolean {
  return SESSION_SHAPE.test(value);
}
