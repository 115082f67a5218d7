/**
 * Administration from the command line: `npm run cli -- tokens create|list|revoke` and
 * `users create|list|set-password` (bin/cli-users.ts).
 * Opens the configured database with the server's own config loader (DATABASE_URL, or
 * the embedded one under DATA_DIR). Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { systemActor } from '../engine/auth/actor.ts';
import { SOURCE_PATTERN, TOKEN_SCOPES, type ApiToken, type TokenScope, newTokenSecret } from '../engine/auth/api-token.ts';
import { AuditRepository } from '../engine/auth/audit-repository.ts';
import { TokenRepository } from '../engine/auth/token-repository.ts';
import { ConfigError, loadConfig } from '../engine/config/config.ts';
import { DataDirLockedError, lockDataDir } from '../engine/db/data-dir-lock.ts';
import { type Database, openDatabase } from '../engine/db/database.ts';
import { AppError } from '../engine/errors/app-error.ts';
import { USERS_USAGE, usersCommand } from './cli-users.ts';
import { UsageError } from './cli-usage-error.ts';

const USAGE = `usage: npm run cli -- <command>

  tokens create --name <name> --scope <scope>[,<scope>...] [--source <source>[,<source>...]] [--json]
      Creates a token and prints its secret once, alone on stdout (details go to stderr).
      Scopes: ingest (send alerts and metrics; without --source to every source), and
      the roles viewer, operator, problem-manager, admin for the web API (admin also
      manages tokens).
  tokens list [--json]
      Lists tokens, revoked ones included. Secrets and their hashes are never shown.
  tokens revoke <id>
      Revokes a token. A running server stops accepting it within AUTH_CACHE_SECONDS.
${USERS_USAGE}
The database is the server's: DATABASE_URL, or the embedded one under DATA_DIR (./data).
The embedded database (PGlite) serves one process at a time: stop the server first, or
use the API (/api/v1/tokens, /api/v1/users with an admin token) while it runs.
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      scope: { type: 'string' },
      source: { type: 'string' },
      username: { type: 'string' },
      role: { type: 'string' },
      'display-name': { type: 'string' },
      'password-file': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const [group, command, ...rest] = positionals;
  // Check the arguments before opening anything.
  let run: (database: Database) => Promise<number>;
  if (group === 'users') run = await usersCommand(command, rest, values);
  else if (group === 'tokens' && command !== undefined) run = tokensCommand(command, rest, values);
  else throw new UsageError(`unknown command ${JSON.stringify(positionals.join(' '))}`);

  const config = loadConfig(process.env);
  const lock = config.databaseUrl ? undefined : await lockDataDir(config.dataDir, 'cli');
  let database: Database | undefined;
  try {
    database = await openDatabase(config.databaseUrl ? { url: config.databaseUrl, poolSize: 1 } : { dataDir: config.dataDir });
    return await run(database);
  } finally {
    await database?.close();
    await lock?.release();
  }
}

const CLI = { actor: systemActor('cli'), ip: null };

function tokensCommand(command: string, rest: string[], values: { name?: string | undefined; scope?: string | undefined; source?: string | undefined; json?: boolean | undefined }): (database: Database) => Promise<number> {
  let run: (tokens: TokenRepository, audit: AuditRepository) => Promise<number>;
  if (command === 'create') {
    if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(' ')}`);
    const name = values.name?.trim();
    if (!name || name.length > 100) throw new UsageError('--name is required (1 to 100 characters)');
    const scopes = parseScopes(values.scope);
    const sources = parseSources(values.source);
    run = async (tokens, audit) => {
      const { secret, hash } = newTokenSecret();
      const token = await tokens.insert({ name, scopes, sources, hash });
      await audit.record({ ...CLI, action: 'token.created', target: { type: 'token', id: token.id }, detail: { name, scopes: token.scopes, sources } });
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ ...token, token: secret })}\n`);
      } else {
        process.stderr.write(`created token ${token.id} "${token.name}" (scopes ${token.scopes.join(',')}; sources ${token.sources?.join(',') ?? 'all'}).\n`);
        process.stderr.write('Its secret follows, shown only this once: store it now. Send it as "Authorization: Bearer <token>".\n');
        process.stdout.write(`${secret}\n`);
      }
      return 0;
    };
  } else if (command === 'list') {
    if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(' ')}`);
    run = async (tokens) => {
      const items = await tokens.list({ limit: 10_000, offset: 0 });
      process.stdout.write(values.json ? `${JSON.stringify(items)}\n` : formatTable(items));
      return 0;
    };
  } else if (command === 'revoke') {
    const id = rest[0];
    if (id === undefined || rest.length > 1) throw new UsageError('tokens revoke takes one token id');
    run = async (tokens, audit) => {
      const outcome = await tokens.revoke(id);
      if (outcome === 'revoked') await audit.record({ ...CLI, action: 'token.revoked', target: { type: 'token', id } });
      if (outcome === 'not-found') {
        process.stderr.write(`no token ${id}\n`);
        return 1;
      }
      process.stdout.write(outcome === 'revoked' ? `revoked ${id}\n` : `${id} was already revoked\n`);
      return 0;
    };
  } else {
    throw new UsageError(`unknown tokens command ${JSON.stringify(command)}`);
  }
  // One transaction: a token and its audit entry are written together.
  return (database) => database.db.transaction().execute((trx) => run(new TokenRepository(trx), new AuditRepository(trx)));
}

function parseScopes(value: string | undefined): TokenScope[] {
  if (value === undefined) throw new UsageError(`--scope is required: ${TOKEN_SCOPES.join(', ')} or both, comma-separated`);
  const scopes = splitList(value);
  const bad = scopes.filter((s) => !(TOKEN_SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || bad.length > 0) throw new UsageError(`--scope must be among ${TOKEN_SCOPES.join(', ')}${bad.length ? ` (got ${bad.join(', ')})` : ''}`);
  return [...new Set(scopes)] as TokenScope[];
}

function parseSources(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  const sources = [...new Set(splitList(value))];
  const pattern = new RegExp(SOURCE_PATTERN);
  const bad = sources.filter((s) => !pattern.test(s));
  if (sources.length === 0 || bad.length > 0) throw new UsageError(`--source takes source names such as alertmanager,generic,metrics${bad.length ? ` (got ${bad.join(', ')})` : ''}`);
  return sources;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function formatTable(items: ApiToken[]): string {
  const rows = [
    ['id', 'name', 'scopes', 'sources', 'created', 'last used', 'revoked'],
    ...items.map((t) => [t.id, t.name, t.scopes.join(','), t.sources?.join(',') ?? 'all', t.createdAt, t.lastUsedAt ?? '-', t.revokedAt ?? '-']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (err instanceof AppError) {
      // A refused change (a taken username, an unknown user): its message is for the operator.
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof DataDirLockedError) {
      process.stderr.write(
        `${err.message}.\nThe embedded database (PGlite) serves one process at a time: stop the server first, ` +
          'or manage tokens and users through its API (/api/v1/tokens, /api/v1/users with an admin token).\n',
      );
      process.exit(1);
    }
    process.stderr.write(`failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
