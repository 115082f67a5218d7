/**
 * Reading a token from an HTTP request, and the 401/403 errors of every authenticated
 * route group. The groups check their scope in one hook each (ingest, token admin).
 */
import type { FastifyReply } from 'fastify';
import { AppError } from '../errors/app-error.ts';

/**
 * The token in an Authorization header: `Bearer <t>`, `Token <t>` (InfluxDB clients and
 * Telegraf) or `Basic` with the token as password (InfluxDB 1.x clients, senders that
 * only offer basic auth); the user name is ignored.
 */
export function tokenFromAuthorization(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(\w+)\s+(\S+)\s*$/.exec(header);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const value = match[2]!;
  if (scheme === 'bearer' || scheme === 'token') return value;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';
    return password === '' ? undefined : password;
  }
  return undefined;
}

/** 401 with the challenge RFC 6750 asks for; `invalid` says a token was sent but is not valid. */
export function unauthenticated(reply: FastifyReply, detail: string, invalid = false): AppError {
  reply.header('www-authenticate', invalid ? 'Bearer realm="aiops", error="invalid_token"' : 'Bearer realm="aiops"');
  return new AppError({ code: invalid ? 'invalid-token' : 'unauthenticated', status: 401, title: 'Authentication required', detail });
}

export function forbidden(detail: string): AppError {
  return new AppError({ code: 'forbidden', status: 403, title: 'Forbidden', detail });
}
