/** GET /api/v1/stream: the live websocket, resumable with `?since=<seq>`. */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
// Brings the `websocket: true` route option into fastify's types.
import type {} from '@fastify/websocket';
import type { StreamHub } from './stream-hub.ts';

const StreamQuery = Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false });

export const streamRoutes: FastifyPluginAsync<{ hub: StreamHub }> = async (app, { hub }) => {
  app.get<{ Querystring: Static<typeof StreamQuery> }>('/api/v1/stream', { websocket: true, schema: { querystring: StreamQuery } }, (socket, request) => {
    void hub.attach(socket, request.query.since);
  });
};
