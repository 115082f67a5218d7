/**
 * The first admin of a fresh install. There is no built-in password: at start, in a
 * process with the web role,
 *
 * - with ADMIN_USERNAME and ADMIN_PASSWORD_FILE set and no user yet, the admin is created
 *   with the password read from that file (one line; a trailing newline is dropped). The
 *   file is read only then, so it may be deleted once the admin exists;
 * - with no user and no such configuration, a warning says how to create the first admin
 *   (the CLI, the configuration, or the API with an admin token).
 *
 * Processes starting together cannot both create it: the check and the insert run in one
 * transaction under the users lock (UserService.createFirst).
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { AuthConfig } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';
import { systemActor } from './actor.ts';
import { UserRepository } from './user-repository.ts';
import { UserService } from './user-service.ts';

export type FirstAdminOutcome = 'users-exist' | 'created' | 'none';

export interface BootstrapFirstAdminOptions {
  database: Database;
  auth: Pick<AuthConfig, 'firstAdmin' | 'web'>;
  /** Set: the database is shared Postgres, and the CLI can run beside the server. */
  databaseUrl: string | undefined;
  logger: Pick<Logger, 'info' | 'warn'>;
}

export async function bootstrapFirstAdmin(opts: BootstrapFirstAdminOptions): Promise<FirstAdminOutcome> {
  const { database, logger } = opts;
  if ((await new UserRepository(database.db).count()) > 0) return 'users-exist';

  const first = opts.auth.firstAdmin;
  if (first !== undefined) {
    let password: string;
    try {
      password = (await readFile(first.passwordFile, 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      throw new Error(`ADMIN_PASSWORD_FILE ${first.passwordFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}), so the first admin cannot be created`, { cause: err });
    }
    let user;
    try {
      user = await new UserService(database.db).createFirst({ username: first.username, role: 'admin', password }, { actor: systemActor('config'), ip: null });
    } catch (err) {
      if (err instanceof AppError) throw new Error(`the first admin from ADMIN_USERNAME cannot be created: ${err.message}`, { cause: err });
      throw err;
    }
    if (!user) return 'users-exist';
    logger.info({ username: user.username }, `created the first admin, ${user.username}, with the password in ADMIN_PASSWORD_FILE; that file may now be deleted`);
    return 'created';
  }

  const cli = 'npm run cli -- users create --username <name> --role admin [--password-file <file>]';
  const how =
    opts.databaseUrl !== undefined
      ? `run \`${cli}\` (same DATABASE_URL)`
      : `stop the server and run \`${cli}\``;
  logger.warn(
    `no user exists yet${opts.auth.web === 'required' ? ', so nobody can sign in to the console' : ''}. Create the first admin: ${how}; ` +
      'or set ADMIN_USERNAME and ADMIN_PASSWORD_FILE and restart; or POST /api/v1/users with an admin API token (on embedded defaults, the one in DATA_DIR/initial-token)',
  );
  return 'none';
}
