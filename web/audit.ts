/**
 * One call to record what a request changed, for every route group:
 *
 *     await audit(request, 'incident.acknowledged', { type: 'incident', id }, { note });
 *
 * The actor is the request's (set by `requirePermission`, so guard the route first), the
 * address is `request.ip`. Pass `{ db: trx }` to write the entry in the transaction of
 * the change, so both commit or neither does; without it the entry is written on its
 * own, after the change, and a failure to write it fails the request (500) rather than
 * leaving an unrecorded change unnoticed.
 *
 * Action names are dotted, the object's kind first, past tense for what happened
 * (`incident.acknowledged`, `suppression.created`); see engine/auth/audit-repository.ts.
 * `detail` is plain JSON and must never hold a secret or a password.
 */
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../engine/auth/actor.ts';
import { AuditRepository, type AuditTarget } from '../engine/auth/audit-repository.ts';
import type { Executor } from '../engine/db/executor.ts';
import { accessOf } from './access-plugin.ts';

export interface AuditOptions {
  /** The transaction of the change. */
  db?: Executor;
  /** Instead of the request's actor (a login records the user who just signed in). */
  actor?: Actor;
}

const UNIDENTIFIED: Actor = Object.freeze({ kind: 'anonymous', id: null, name: 'anonymous', role: null });

export async function audit(
  request: FastifyRequest,
  action: string,
  target: AuditTarget | null,
  detail: Record<string, unknown> = {},
  options: AuditOptions = {},
): Promise<void> {
  const actor = options.actor ?? request.actor ?? UNIDENTIFIED;
  await new AuditRepository(options.db ?? accessOf(request).database.db).record({ actor, action, target, detail, ip: request.ip });
}

/** What the change context of a service (engine/auth/user-service.ts) needs from a request. */
export function changeContext(request: FastifyRequest): { actor: Actor; ip: string } {
  return { actor: request.actor ?? UNIDENTIFIED, ip: request.ip };
}
