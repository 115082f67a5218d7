/**
 * GET /api/v1/stream: the live websocket, resumable with `?since=<seq>`. Needs
 * `incident:read`, checked before the upgrade (an unauthenticated upgrade is answered
 * with a plain 401); the credential may also come as `?access_token=`, since a browser's
 * WebSocket cannot set headers (the session cookie is sent by itself). A socket opened
 * with a login session is closed (4401) when the session expires; one whose session is
 * ended earlier (logout, user disabled) stays open until then or until it reconnects.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
// Brings the `websocket: true` route option into fastify's types.
import type {} from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { requirePermission } from './access-plugin.ts';
import type { StreamHub } from './stream-hub.ts';

const StreamQuery = Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false });

export const streamRoutes: FastifyPluginAsync<{ hub: StreamHub }> = async (app, { hub }) => {
  app.get<{ Querystring: Static<typeof StreamQuery> }>(
    '/api/v1/stream',
    { websocket: true, schema: { querystring: StreamQuery }, onRequest: requirePermission('incident:read', { queryToken: true }) },
    (socket, request) => {
      const expiresAt = request.actor?.session?.expiresAt;
      if (expiresAt !== undefined) closeAtExpiry(socket, Date.parse(expiresAt));
      void hub.attach(socket, request.query.since);
    },
  );
};

/** Closes the socket with 4401 once `expiresAt` (ms) has passed; setTimeout waits at most 2^31-1 ms, so long waits go in steps. */
function closeAtExpiry(socket: WebSocket, expiresAt: number): void {
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const left = expiresAt - Date.now();
    if (left <= 0) socket.close(4401, 'session expired');
    else timer = setTimeout(check, Math.min(left, 2 ** 31 - 1));
  };
  check();
  socket.on('close', () => clearTimeout(timer));
}
