/** A person who signs in, as the rest of the application sees one (never with a password hash). */
import type { UserRole } from './roles.ts';

export interface User {
  id: string;
  /** Lowercase: usernames are unique without regard to case. */
  username: string;
  displayName: string;
  role: UserRole;
  createdAt: string;
  /** Set: the user cannot sign in, and their sessions were ended. */
  disabledAt: string | null;
}

/** What a username may look like, before lowercasing: letters, digits and `._@-`, up to 64. */
export const USERNAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$';
const USERNAME = new RegExp(USERNAME_PATTERN);

export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

export function isValidUsername(username: string): boolean {
  return USERNAME.test(username);
}
