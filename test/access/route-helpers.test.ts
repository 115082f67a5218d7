/**
 * `requirePermission` and `audit` as another route group uses them (incident actions,
 * suppression rules): a group of its own in a bare fastify app with only the access
 * plugin, on the embedded database. Guards per group and per route, the actor and
 * address in the entry, and an entry written in the transaction of its change.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTokenSecret } from '../../engine/auth/api-token.ts';
import { AuditRepository } from '../../engine/auth/audit-repository.ts';
import { Authenticator } from '../../engine/auth/authenticator.ts';
import { SessionService } from '../../engine/auth/session-service.ts';
import { TokenRepository } from '../../engine/auth/token-repository.ts';
import { TokenVerifier } from '../../engine/auth/token-verifier.ts';
import { type Database, openDatabase } from '../../engine/db/database.ts';
import { problemHandler } from '../../engine/http/problem-handler.ts';
import { requirePermission, webAccess } from '../../web/access-plugin.ts';
import { audit } from '../../web/audit.ts';

describe('requirePermission and audit in a route group of its own', () => {
  let database: Database;
  let app: FastifyInstance;
  const tokens: Record<'viewer' | 'operator', string> = { viewer: '', operator: '' };

  beforeAll(async () => {
    database = await openDatabase({ inMemory: true });
    const logger = pino({ level: 'silent' });
    const verifier = new TokenVerifier({ repository: new TokenRepository(database.db), cacheMs: 0, logger });
    const sessions = new SessionService({ db: database.db, sessionHours: 1, logger });
    app = Fastify();
    await app.register(problemHandler);
    await app.register(webAccess, { mode: 'required', authenticator: new Authenticator(verifier, sessions), sessions, database, cookieSecure: false });

    // What an incident-actions plugin looks like.
    await app.register(async (group) => {
      group.addHook('onRequest', requirePermission('incident:read'));
      group.get('/things', async () => ({ items: [] }));
      group.post<{ Params: { id: string } }>('/things/:id/ack', { onRequest: requirePermission('incident:write') }, async (request) => {
        await audit(request, 'thing.acknowledged', { type: 'thing', id: request.params.id }, { note: 'looking' });
        return { ok: true };
      });
      group.post<{ Params: { id: string } }>('/things/:id/fail', { onRequest: requirePermission('incident:write') }, async (request) => {
        await database.db.transaction().execute(async (trx) => {
          await audit(request, 'thing.failed', { type: 'thing', id: request.params.id }, {}, { db: trx });
          throw new Error('the change failed, so its entry goes too');
        });
      });
    });
    await app.ready();

    for (const role of ['viewer', 'operator'] as const) {
      const { secret, hash } = newTokenSecret();
      await new TokenRepository(database.db).insert({ name: `${role}-bot`, scopes: [role], sources: null, hash });
      tokens[role] = secret;
    }
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const call = (method: 'GET' | 'POST', url: string, token?: string) =>
    app.inject({ method, url, remoteAddress: '203.0.113.9', headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('guards the group and each route by permission', async () => {
    expect((await call('GET', '/things')).statusCode).toBe(401);
    expect((await call('GET', '/things', tokens.viewer)).statusCode).toBe(200);
    const refused = await call('POST', '/things/t1/ack', tokens.viewer);
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json().detail).toBe('token viewer-bot (role viewer) lacks the incident:write permission');
    expect((await call('POST', '/things/t1/ack', tokens.operator)).statusCode).toBe(200);
  });

  it('records the request\'s actor and address with one call, and nothing when the change rolls back', async () => {
    expect((await call('POST', '/things/t2/ack', tokens.operator)).statusCode).toBe(200);
    expect((await call('POST', '/things/t2/fail', tokens.operator)).statusCode).toBe(500);
    const { items } = await new AuditRepository(database.db).list({ action: 'thing.*' }, { limit: 10 });
    expect(items.map((e) => [e.action, e.target?.id])).toEqual([
      ['thing.acknowledged', 't2'],
      ['thing.acknowledged', 't1'],
    ]);
    expect(items[0]).toMatchObject({ actor: { kind: 'token', name: 'operator-bot' }, detail: { note: 'looking' }, ip: '203.0.113.9' });
  });
});
