/**
 * `npm run cli -- users create|list|set-password`: the first admin (and any other user)
 * without the API. Nothing is read from stdin (CI has none): a password comes from
 * `--password-file`, or is generated and printed once, alone on stdout. Changes are in
 * the audit log with the system actor `cli`.
 */
import { readFile } from 'node:fs/promises';
import { systemActor } from '../engine/auth/actor.ts';
import { generatePassword, passwordProblem } from '../engine/auth/password-hash.ts';
import { USER_ROLES, type UserRole, isUserRole } from '../engine/auth/roles.ts';
import { type User, isValidUsername, normalizeUsername } from '../engine/auth/user.ts';
import { UserRepository } from '../engine/auth/user-repository.ts';
import { UserService } from '../engine/auth/user-service.ts';
import type { Database } from '../engine/db/database.ts';
import { notFound } from '../engine/errors/app-error.ts';
import { UsageError } from './cli-usage-error.ts';

export const USERS_USAGE = `  users create --username <name> --role ${USER_ROLES.join('|')} [--display-name <text>] [--password-file <file>] [--json]
      Creates a user. The password is the first line of --password-file, or else a new
      random one printed once, alone on stdout (details go to stderr).
  users list [--json]
      Lists users and their roles. Password hashes are never shown.
  users set-password --username <name> [--password-file <file>]
      Sets a user's password (from the file, or a new random one printed once) and ends
      their sessions: the way back in for a locked-out admin.
`;

export interface UsersArgs {
  username?: string | undefined;
  role?: string | undefined;
  'display-name'?: string | undefined;
  'password-file'?: string | undefined;
  json?: boolean | undefined;
}

const CLI = { actor: systemActor('cli'), ip: null };

/** Checks the arguments (reading the password file) and returns what to run on the opened database. */
export async function usersCommand(command: string | undefined, rest: string[], args: UsersArgs): Promise<(database: Database) => Promise<number>> {
  if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(' ')}`);
  if (command === 'create') {
    const username = requireUsername(args.username);
    if (!isUserRole(args.role)) throw new UsageError(`--role must be one of ${USER_ROLES.join(', ')}${args.role === undefined ? '' : ` (got ${args.role})`}`);
    const role: UserRole = args.role;
    const displayName = args['display-name']?.trim();
    if (displayName !== undefined && (displayName === '' || displayName.length > 100)) throw new UsageError('--display-name takes 1 to 100 characters');
    const given = await passwordFrom(args['password-file']);
    const password = given ?? generatePassword();
    return async (database) => {
      const user = await new UserService(database.db).create({ username, role, password, ...(displayName ? { displayName } : {}) }, CLI);
      if (args.json) {
        process.stdout.write(`${JSON.stringify({ user, ...(given === undefined ? { password } : {}) })}\n`);
      } else {
        process.stderr.write(`created user ${user.username} (${user.role}), id ${user.id}.\n`);
        if (given === undefined) {
          process.stderr.write('Their password follows, shown only this once: store it now, or change it after signing in.\n');
          process.stdout.write(`${password}\n`);
        }
      }
      return 0;
    };
  }
  if (command === 'list') {
    return async (database) => {
      const items = await new UserRepository(database.db).list({ limit: 10_000, offset: 0 });
      process.stdout.write(args.json ? `${JSON.stringify(items)}\n` : formatTable(items));
      return 0;
    };
  }
  if (command === 'set-password') {
    const username = requireUsername(args.username);
    const given = await passwordFrom(args['password-file']);
    const password = given ?? generatePassword();
    return async (database) => {
      const user = await new UserRepository(database.db).findByUsername(username);
      if (!user) throw notFound(`user ${username}`);
      await new UserService(database.db).setPassword(user.id, password, CLI);
      process.stderr.write(`set the password of ${user.username}; their sessions have ended.${user.disabledAt ? ' The user is disabled: an admin enables them with PATCH /api/v1/users/:id.' : ''}\n`);
      if (given === undefined) {
        process.stderr.write('The new password follows, shown only this once.\n');
        process.stdout.write(`${password}\n`);
      }
      return 0;
    };
  }
  throw new UsageError(`unknown users command ${JSON.stringify(command ?? '')}`);
}

function requireUsername(value: string | undefined): string {
  if (value === undefined || !isValidUsername(value.trim())) throw new UsageError('--username is required: letters, digits and ._@-, at most 64');
  return normalizeUsername(value);
}

/** The first line of the file, or undefined without a file; a password that fails the rules is a usage error. */
async function passwordFrom(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--password-file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const password = text.replace(/\r?\n$/, '');
  if (password.includes('\n')) throw new UsageError('--password-file holds one line: the password');
  const problem = passwordProblem(password);
  if (problem) throw new UsageError(`--password-file: ${problem}`);
  return password;
}

function formatTable(items: User[]): string {
  const rows = [['id', 'username', 'display name', 'role', 'created', 'disabled'], ...items.map((u) => [u.id, u.username, u.displayName, u.role, u.createdAt, u.disabledAt ?? '-'])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
