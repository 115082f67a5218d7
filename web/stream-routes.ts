/**
 * GET /api/v1/stream: the live websocket, resumable with `?since=<seq>`. Needs
 * `incident:read`, checked before the upgrade (an unauthenticated upgrade is answered
 * with a plain 401); the credential may also come as `?access_token=`, since a browser's
 * WebSocket cannot set headers (the session cookie is sent by itself). A socket opened
 * with a login session is closed with 4401 when the session ends: `session expired` at its
 * expiry, `signed out` at logout, `user disabled`, `password changed`, or `session ended`
 * when the hub's periodic check finds it gone (see web/stream-hub.ts).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
// Brings the `websocket: true` route option into fastify's types.
import type {} from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { requirePermission } from './access-plugin.ts';
import { SESSION_ENDED_CLOSE, type StreamHub } from './stream-hub.ts';

const StreamQuery = Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false });

export const streamRoutes: FastifyPluginAsync<{ hub: StreamHub }> = async (app, { hub }) => {
  app.get<{ Querystring: Static<typeof StreamQuery> }>(
    '/api/v1/stream',
    { websocket: true, schema: { querystring: StreamQuery }, onRequest: requirePermission('incident:read', { queryToken: true }) },
    (socket, request) => {
      const actor = request.actor;
      const expiresAt = actor?.session?.expiresAt;
      if (expiresAt !== undefined) closeAtExpiry(socket, Date.parse(expiresAt));
      void hub.attach(socket, request.query.since, actor?.session ? { id: actor.session.id, userId: actor.id } : undefined);
    },
  );
};

/** Closes the socket with 4401 once `expiresAt` (ms) has passed; setTimeout waits at most 2^31-1 ms, so long waits go in steps. */
function closeAtExpiry(socket: WebSocket, expiresAt: number): void {
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const left = expiresAt - Date.now();
    if (left <= 0) socket.close(SESSION_ENDED_CLOSE, 'session expired');
    else timer = setTimeout(check, Math.min(left, 2 ** 31 - 1));
  };
  check();
  socket.on('close', () => clearTimeout(timer));
}
