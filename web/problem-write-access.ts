/**
 * Who may change problems, decided in this one place. For now: a token with the `admin` scope
 * (header only). When user roles land, this hook checks a `problem:write` permission instead
 * and nothing else changes: the routes only ask `writerOf(request)` who acted.
 */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { allows } from '../engine/auth/api-token.ts';
import { forbidden, tokenFromAuthorization, unauthenticated } from '../engine/auth/http-auth.ts';
import type { TokenVerifier } from '../engine/auth/token-verifier.ts';

export interface ProblemWriteAccess {
  /** The onRequest hook of the write group. */
  hook: onRequestAsyncHookHandler;
  /** The name recorded in the timeline for a request the hook let through. */
  writerOf(request: FastifyRequest): string;
}

export function problemWriteAccess(verifier: TokenVerifier): ProblemWriteAccess {
  const writers = new WeakMap<FastifyRequest, string>();
  return {
    async hook(request: FastifyRequest, reply: FastifyReply) {
      const header = request.headers.authorization;
      const secret = tokenFromAuthorization(typeof header === 'string' ? header : undefined);
      if (secret === undefined) throw unauthenticated(reply, 'send an admin token as Authorization: Bearer <token>');
      const principal = await verifier.verify(secret);
      if (!principal) throw unauthenticated(reply, 'the token is unknown or revoked', true);
      if (!allows(principal, 'admin')) throw forbidden('changing problems needs a token with the admin scope');
      writers.set(request, principal.name);
    },
    writerOf(request: FastifyRequest): string {
      const who = writers.get(request);
      if (who === undefined) throw new Error('problem write route reached without the write-access hook');
      return who;
    },
  };
}
