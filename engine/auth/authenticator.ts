/**
 * Turns a presented secret into an Actor: a login session secret (`aiops_s_…`) gives its
 * user with the user's current role; an API token secret (`aiops_…`) gives the token,
 * whose role is the highest role among its scopes (`admin` scope = admin role; an
 * ingest-only token has no role and may do nothing in the web API). Undefined for
 * anything else, expired, revoked or disabled.
 *
 * Tokens go through the TokenVerifier (cached for AUTH_CACHE_SECONDS), sessions through
 * the store every time (see SessionService).
 */
import type { Actor } from './actor.ts';
import { highestRole } from './roles.ts';
import type { SessionService } from './session-service.ts';
import { looksLikeSessionSecret } from './session.ts';
import type { TokenVerifier } from './token-verifier.ts';

export class Authenticator {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly sessions: SessionService,
  ) {}

  async authenticate(secret: string): Promise<Actor | undefined> {
    if (looksLikeSessionSecret(secret)) {
      const found = await this.sessions.authenticate(secret);
      if (!found) return undefined;
      return {
        kind: 'user',
        id: found.user.id,
        name: found.user.username,
        role: found.user.role,
        session: { id: found.session.id, expiresAt: found.session.expiresAt },
      };
    }
    const principal = await this.verifier.verify(secret);
    if (!principal) return undefined;
    return { kind: 'token', id: principal.id, name: principal.name, role: highestRole(principal.scopes) };
  }
}
