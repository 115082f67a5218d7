/**
 * Who may change problems, decided in this one place: the `problem:write` permission
 * (problem-managers and admins; see engine/auth/roles.ts). The routes ask `writerOf(request)`
 * who acted, for the problem's timeline.
 */
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { requirePermission } from './access-plugin.ts';

export interface ProblemWriteAccess {
  /** The onRequest hook of the write group. */
  hook: onRequestAsyncHookHandler;
  /** The name recorded in the timeline for a request the hook let through. */
  writerOf(request: FastifyRequest): string;
}

export function problemWriteAccess(): ProblemWriteAccess {
  return {
    hook: requirePermission('problem:write') as onRequestAsyncHookHandler,
    writerOf(request: FastifyRequest): string {
      const actor = request.actor;
      if (actor === null) throw new Error('problem write route reached without the write-access hook');
      return actor.name;
    },
  };
}
