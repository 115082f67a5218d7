/**
 * The role model of people and automation: four roles in a strict order, each holding
 * every permission of the roles below it plus its own. Routes ask for a permission,
 * never for a role, so a role can gain a permission here without touching any route.
 *
 * | role            | adds                                            |
 * | --------------- | ----------------------------------------------- |
 * | viewer          | incident:read, problem:read, topology:read      |
 * | operator        | incident:write, suppression:write               |
 * | problem-manager | problem:write, change:write                     |
 * | admin           | admin (users, API tokens, topology writes, audit log) |
 */

export const USER_ROLES = ['viewer', 'operator', 'problem-manager', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const PERMISSIONS = [
  /** Read incidents, alerts and the live stream. */
  'incident:read',
  /** Acknowledge, assign, resolve, merge, split and comment on incidents. */
  'incident:write',
  /** Create and end maintenance windows and silences. */
  'suppression:write',
  'problem:read',
  /** Move problems through their workflow, record root causes and workarounds. */
  'problem:write',
  /** File and approve changes. */
  'change:write',
  'topology:read',
  /** Manage users and API tokens, write the topology, read the audit log. */
  'admin',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What each role adds to the one below it. */
const ADDS: Record<UserRole, readonly Permission[]> = {
  viewer: ['incident:read', 'problem:read', 'topology:read'],
  operator: ['incident:write', 'suppression:write'],
  'problem-manager': ['problem:write', 'change:write'],
  admin: ['admin'],
};

const GRANTED = new Map<UserRole, ReadonlySet<Permission>>(
  USER_ROLES.map((role, i) => [role, new Set(USER_ROLES.slice(0, i + 1).flatMap((r) => ADDS[r]))]),
);

export function isUserRole(value: unknown): value is UserRole {
  return typeof value === 'string' && (USER_ROLES as readonly string[]).includes(value);
}

/** Whether `role` holds `permission`; no role (an ingest-only token) holds nothing. */
export function hasPermission(role: UserRole | null, permission: Permission): boolean {
  return role !== null && GRANTED.get(role)!.has(permission);
}

/** Every permission of `role`, in the order of PERMISSIONS. */
export function permissionsOf(role: UserRole | null): Permission[] {
  return role === null ? [] : PERMISSIONS.filter((p) => GRANTED.get(role)!.has(p));
}

/** Whether `role` is `other` or above it. */
export function roleAtLeast(role: UserRole | null, other: UserRole): boolean {
  return role !== null && USER_ROLES.indexOf(role) >= USER_ROLES.indexOf(other);
}

/** The highest role among `candidates` (API token scopes, say), or null when none is a role. */
export function highestRole(candidates: readonly string[]): UserRole | null {
  let best: UserRole | null = null;
  for (const c of candidates) if (isUserRole(c) && !roleAtLeast(best, c)) best = c;
  return best;
}
