/**
 * The first token of a fresh install, so that auth on by default does not lock its owner
 * out. Runs at start in processes with the ingest or web role, when ingest auth is
 * required and no token exists yet:
 *
 * - embedded database (no DATABASE_URL): creates one token with scopes ingest and admin
 *   and writes its secret to `<DATA_DIR>/initial-token` (mode 0600, never overwritten),
 *   then logs where it is, without the secret;
 * - real Postgres: creates nothing (several processes, no shared folder to hand a secret
 *   over in) and logs how to create the first token with the CLI.
 *
 * Processes starting together on one database cannot both create it: the check and the
 * insert run in one transaction under an advisory lock.
 */
import { unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AuthConfig } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { systemActor } from './actor.ts';
import { newTokenSecret } from './api-token.ts';
import { AuditRepository } from './audit-repository.ts';
import { TokenRepository } from './token-repository.ts';

export const INITIAL_TOKEN_FILE = 'initial-token';
const CREATE_HINT = 'npm run cli -- tokens create --name <name> --scope ingest[,admin] [--source <source,...>]';

export interface BootstrapFirstTokenOptions {
  database: Database;
  auth: Pick<AuthConfig, 'ingest'>;
  dataDir: string;
  /** Set: the database is shared Postgres and no token is created here. */
  databaseUrl: string | undefined;
  logger: Pick<Logger, 'info' | 'warn'>;
}

export type BootstrapOutcome = 'auth-disabled' | 'tokens-exist' | 'left-to-cli' | 'file-exists' | 'created';

export async function bootstrapFirstToken(opts: BootstrapFirstTokenOptions): Promise<BootstrapOutcome> {
  const { database, logger } = opts;
  if (opts.auth.ingest === 'disabled') return 'auth-disabled';
  if ((await new TokenRepository(database.db).count()) > 0) return 'tokens-exist';

  if (opts.databaseUrl !== undefined) {
    logger.warn(`no API token exists yet, so ingest answers 401: create the first one with \`${CREATE_HINT}\` (same DATABASE_URL)`);
    return 'left-to-cli';
  }

  const file = path.join(opts.dataDir, INITIAL_TOKEN_FILE);
  if (existsSync(file)) {
    logger.warn(
      { file },
      `no API token exists, but ${file} is left from an earlier install and is not overwritten: delete it and restart for a new first token, or stop the server and run \`${CREATE_HINT}\``,
    );
    return 'file-exists';
  }

  const { secret, hash } = newTokenSecret();
  let wrote = false;
  try {
    const created = await database.db.transaction().execute(async (trx) => {
      const tokens = new TokenRepository(trx);
      await tokens.lockForFirstToken();
      if ((await tokens.count()) > 0) return false;
      const token = await tokens.insert({ name: 'initial', scopes: ['ingest', 'admin'], sources: null, hash });
      await new AuditRepository(trx).record({ actor: systemActor('bootstrap'), action: 'token.created', target: { type: 'token', id: token.id }, detail: { name: token.name, scopes: token.scopes, sources: null } });
      // Inside the transaction: if the file cannot be written, no token nobody knows is left behind.
      await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      wrote = true;
      return true;
    });
    if (!created) return 'tokens-exist';
  } catch (err) {
    if (wrote) await unlink(file).catch(() => undefined);
    throw err;
  }
  logger.info(
    { file },
    `created the first API token (scopes ingest, admin) in ${file}, readable only by this user. Send it as ` +
      `"Authorization: Bearer $(cat ${file})"; create more with POST /api/v1/tokens, or with \`${CREATE_HINT}\` while the server is stopped`,
  );
  return 'created';
}
