/**
 * Who did something: a signed-in user, an API token, an anonymous request (only with
 * WEB_AUTH=disabled), or the system itself (the CLI, start-up configuration). Every
 * permission check and every audit entry is about an Actor.
 */
import type { UserRole } from './roles.ts';

export type ActorKind = 'user' | 'token' | 'anonymous' | 'system';

export interface Actor {
  kind: ActorKind;
  /** The user id or API token id; null for anonymous and system actors. */
  id: string | null;
  /** Username, token name, `anonymous`, or what the system actor is (`cli`, `config`). */
  name: string;
  /** Null for a token that carries no role (an ingest-only token): it may do nothing here. */
  role: UserRole | null;
  /** Set when a user is authenticated by a login session. */
  session?: { id: string; expiresAt: string };
}

export function systemActor(name: string): Actor {
  return { kind: 'system', id: null, name, role: 'admin' };
}
