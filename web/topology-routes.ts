/**
 * GET, PUT and PATCH /api/v1/topology: the configuration items and their relations.
 * PUT replaces the whole topology, PATCH merges into it (and removes with `remove`).
 * Reading needs `topology:read`; writing needs `admin` (an admin user, or a token with
 * the `admin` scope as before), checked by the one hook of the write group. Every
 * accepted write is in the audit log (same transaction) and publishes `topology.updated`
 * with the new version on TOPOLOGY_TOPIC, so correlators reload. Limits are explicit:
 * the body (413), and counts and lengths (400).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { EventBus } from '../engine/bus/event-bus.ts';
import { TOPOLOGY_TOPIC, type TopologyMessage } from '../engine/bus/events.ts';
import type { Database } from '../engine/db/database.ts';
import { AppError } from '../engine/errors/app-error.ts';
import type { TopologyProblem } from '../engine/topology/check-topology.ts';
import { TopologyRepository, type TopologyWriteResult } from '../engine/topology/topology-repository.ts';
import { requirePermission } from './access-plugin.ts';
import { audit } from './audit.ts';

export const TOPOLOGY_LIMITS = {
  /** A topology of 50k items and 200k relations is about 30 MB of JSON. */
  bodyBytes: 64 * 1024 * 1024,
  items: 50_000,
  relations: 200_000,
  idLength: 256,
  kindLength: 64,
  nameLength: 256,
  labelsPerItem: 32,
  labelNameLength: 256,
  labelValueLength: 1024,
} as const;

/** Problems past this many are counted, not listed. */
const MAX_REPORTED_PROBLEMS = 100;

// No control characters; ids, kinds and label names are compared byte for byte.
const PRINTABLE = '^[^\\u0000-\\u001F\\u007F]+$';
const L = TOPOLOGY_LIMITS;

const Id = Type.String({ minLength: 1, maxLength: L.idLength, pattern: PRINTABLE });
const Kind = Type.String({ minLength: 1, maxLength: L.kindLength, pattern: '^[^\\u0000-\\u001F\\u007F]*\\S[^\\u0000-\\u001F\\u007F]*$', description: 'free text, not blank' });
const Labels = Type.Record(Type.String(), Type.String({ maxLength: L.labelValueLength }), {
  maxProperties: L.labelsPerItem,
  propertyNames: { type: 'string', minLength: 1, maxLength: L.labelNameLength },
  description: 'an alert maps to this item when it carries all of these labels',
});
const Item = Type.Object(
  { id: Id, kind: Kind, name: Type.String({ minLength: 1, maxLength: L.nameLength }), labels: Labels },
  { additionalProperties: false },
);
const Relation = Type.Object({ from: Id, to: Id, kind: Kind }, { additionalProperties: false, description: 'e.g. depends_on (from needs to), runs_on, connects_to' });
const Items = Type.Array(Item, { maxItems: L.items });
const Relations = Type.Array(Relation, { maxItems: L.relations });

const PutBody = Type.Object({ items: Items, relations: Relations }, { additionalProperties: false });
const PatchBody = Type.Object(
  {
    items: Type.Optional(Items),
    relations: Type.Optional(Relations),
    remove: Type.Optional(
      Type.Object(
        { items: Type.Optional(Type.Array(Id, { maxItems: L.items })), relations: Type.Optional(Relations) },
        { additionalProperties: false, minProperties: 1, description: 'applied first; removing an item removes its relations' },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
const GetQuery = Type.Object({ kind: Type.Optional(Kind) }, { additionalProperties: false });

export interface TopologyRoutesOptions {
  database: Database;
  bus: EventBus;
}

export const topologyRoutes: FastifyPluginAsync<TopologyRoutesOptions> = async (app, { database, bus }) => {
  app.get<{ Querystring: Static<typeof GetQuery> }>('/api/v1/topology', { schema: { querystring: GetQuery }, onRequest: requirePermission('topology:read') }, async (request) => {
    return new TopologyRepository(database.db).get(request.query.kind === undefined ? {} : { kind: request.query.kind });
  });

  // The write group: its own encapsulated context, so the admin hook guards these routes only.
  await app.register(async (writes) => {
    writes.addHook('onRequest', requirePermission('admin'));

    /** The write and its audit entry commit together; then the bus hears of it. */
    const write = async (request: FastifyRequest, reply: FastifyReply, action: 'topology.replaced' | 'topology.merged', apply: (topology: TopologyRepository) => Promise<TopologyWriteResult>) => {
      const result = await database.db.transaction().execute(async (trx) => {
        const written = await apply(new TopologyRepository(trx));
        if (written.ok) {
          await audit(request, action, { type: 'topology', id: String(written.version) }, { version: written.version, items: written.items, relations: written.relations }, { db: trx });
        }
        return written;
      });
      if (!result.ok) throw invalidTopology(result.problems);
      const message: TopologyMessage = { type: 'topology.updated', version: result.version };
      try {
        await bus.publish(TOPOLOGY_TOPIC, message);
      } catch (err) {
        // The write stands; a correlator that missed this reloads when it next compares versions.
        request.log.warn({ err, version: result.version }, 'topology.updated was not published');
      }
      return reply.send({ version: result.version, items: result.items, relations: result.relations });
    };

    writes.put<{ Body: Static<typeof PutBody> }>('/api/v1/topology', { schema: { body: PutBody }, bodyLimit: L.bodyBytes }, async (request, reply) => {
      return write(request, reply, 'topology.replaced', (topology) => topology.replace(request.body));
    });

    writes.patch<{ Body: Static<typeof PatchBody> }>('/api/v1/topology', { schema: { body: PatchBody }, bodyLimit: L.bodyBytes }, async (request, reply) => {
      return write(request, reply, 'topology.merged', (topology) => topology.merge(request.body));
    });
  });
};

/** 400 naming each offending entry by JSON pointer under `body`, as schema errors are named. */
function invalidTopology(problems: TopologyProblem[]): AppError {
  const listed = problems.slice(0, MAX_REPORTED_PROBLEMS).map((p) => ({ field: `body${p.pointer}`, message: p.message }));
  const more = problems.length - listed.length;
  const detail = listed.map((e) => `${e.field} ${e.message}`).join('; ') + (more > 0 ? `; and ${more} more` : '');
  return new AppError({
    code: 'invalid-topology',
    status: 400,
    title: 'The topology is inconsistent',
    detail,
    extensions: { errors: listed, errorCount: problems.length },
  });
}
