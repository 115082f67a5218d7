/**
 * Entry point: `npm start [-- --role ingest,correlator,engine,web]` (`node --max-semi-space-size=128 --import tsx bin/main.ts`; the README says why the flag, under "Running on real services").
 * Parses the configuration (every error listed), starts the roles, listens, and drains
 * in order on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError, loadConfig } from '../engine/config/config.ts';
import { startRuntime } from './runtime.ts';

async function main(): Promise<void> {
  let roleArg: string | undefined;
  try {
    const { values } = parseArgs({ options: { role: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help) {
      process.stdout.write('usage: npm start -- [--role all|ingest,correlator,engine,web]\nConfiguration comes from the environment; see README.md.\n');
      return;
    }
    roleArg = values.role;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }

  let config;
  try {
    config = loadConfig(process.env, roleArg);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  const logger = pino({
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'],
  });
  const runtime = await startRuntime(config, logger);
  const address = await runtime.app.listen({ port: config.http.port, host: config.http.host });
  logger.info({ roles: config.roles, adapters: runtime.adapters.describe }, `listening on ${address}`);
  if (config.roles.includes('web')) logger.info(`console: http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${config.http.port}/`);

  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) {
      logger.warn('second signal: exiting without draining');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'draining: stop accepting, finish jobs, flush metrics, close stores');
    runtime.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
