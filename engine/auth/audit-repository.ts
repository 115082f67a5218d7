/**
 * The audit log: who did what to which object, when and from where. Rows are only
 * inserted, never updated or deleted by the application.
 *
 * Contract: `record` writes one entry on the executor it is given, so an entry written in
 * the transaction of the change it describes commits or rolls back with it. `list` reads
 * newest first and pages with an opaque cursor (`nextCursor`, null on the last page);
 * entries recorded while paging never shift a page.
 *
 * Actions are dotted names, the object's kind first: `auth.login`, `auth.login.failed`,
 * `auth.logout`, `user.created`, `user.updated`, `user.password.changed`,
 * `token.created`, `token.revoked`, `topology.replaced`, `topology.merged`,
 * `incident.acknowledged`…
 */
import { type Executor, iso } from '../db/executor.ts';
import type { Actor, ActorKind } from './actor.ts';

export interface AuditTarget {
  type: string;
  id: string;
}

export interface AuditEntryInit {
  actor: Actor;
  action: string;
  target?: AuditTarget | null;
  /** Plain JSON; never a secret or a password. */
  detail?: Record<string, unknown>;
  /** The client address the request came from; null for the CLI and start-up. */
  ip?: string | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: { kind: ActorKind; id: string | null; name: string | null };
  action: string;
  target: AuditTarget | null;
  detail: Record<string, unknown>;
  ip: string | null;
}

export interface AuditFilters {
  /** A user or token id, or a username or token name. */
  actor?: string;
  /** An exact action, or a prefix ending in `.*` (`auth.*`). */
  action?: string;
  /** Entries at or after this time. */
  since?: Date;
}

export interface AuditPage {
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** A cursor that does not parse; routes answer it with a 400. */
export class BadCursorError extends Error {}

export class AuditRepository {
  constructor(private readonly db: Executor) {}

  async record(init: AuditEntryInit): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        actor: init.actor.id,
        actor_kind: init.actor.kind,
        actor_name: init.actor.name,
        action: init.action,
        target_type: init.target?.type ?? null,
        target_id: init.target?.id ?? null,
        detail: JSON.stringify(init.detail ?? {}),
        from_ip: init.ip ?? null,
      })
      .execute();
  }

  async list(filters: AuditFilters, page: AuditPage): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    let q = this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
    if (filters.actor !== undefined) {
      const actor = filters.actor;
      q = q.where((eb) => eb.or([eb('actor', '=', actor), eb('actor_name', '=', actor)]));
    }
    if (filters.action !== undefined) {
      const action = filters.action;
      if (action.endsWith('.*')) {
        const prefix = action.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`);
        q = q.where('action', 'like', `${prefix}%`);
      } else {
        q = q.where('action', '=', action);
      }
    }
    if (filters.since !== undefined) q = q.where('at', '>=', filters.since);
    if (page.cursor !== undefined) q = q.where('id', '<', decodeCursor(page.cursor));
    const rows = await q.execute();
    const items = rows.slice(0, page.limit).map(
      (r): AuditEntry => ({
        id: Number(r.id),
        at: iso(r.at),
        actor: { kind: r.actor_kind as ActorKind, id: r.actor, name: r.actor_name },
        action: r.action,
        target: r.target_type === null || r.target_id === null ? null : { type: r.target_type, id: r.target_id },
        detail: r.detail,
        ip: r.from_ip,
      }),
    );
    const nextCursor = rows.length > page.limit && items.length > 0 ? encodeCursor(items[items.length - 1]!.id) : null;
    return { items, nextCursor };
  }
}

function encodeCursor(id: number): string {
  return Buffer.from(`a:${id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  const m = /^a:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new BadCursorError(`cursor ${JSON.stringify(cursor.slice(0, 40))} is not one this API returned`);
  return Number(m[1]);
}
