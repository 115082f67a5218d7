/**
 * Problems (docs/problems.md):
 *
 *   GET  /api/v1/problems?status=&limit=&offset=&frequencyDays=
 *                                                    list, most recently seen first; with
 *                                                    frequencyDays each has its incidents per day
 *   GET  /api/v1/problems/:id                        linked incidents, evidence, timeline, frequency
 *   POST /api/v1/problems                            file a problem from incident ids
 *   POST /api/v1/problems/:id/{accept,reject,investigate,known-error,resolve,notes,link,unlink}
 *
 * Reading is open like the rest of the read API; writing goes through the one access hook of
 * the write group (problem-write-access.ts). The workflow's transition table decides what each
 * action may do: an action the problem's state does not allow is a 409 naming the states it is
 * allowed from; known-error without a workaround is a 400. A known error attached right away to
 * incidents under way is announced on the bus (`problem.attached`).
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { EventBus } from '../engine/bus/event-bus.ts';
import { STREAM_TOPIC } from '../engine/bus/events.ts';
import type { Database } from '../engine/db/database.ts';
import { badRequest, notFound } from '../engine/errors/app-error.ts';
import { PROBLEM_STATUSES, type ProblemStatus } from '../engine/problem/problem.ts';
import { ProblemRepository } from '../engine/problem/problem-repository.ts';
import { ProblemService } from '../engine/problem/problem-service.ts';
import { type ProblemAction, allowedActions } from '../engine/problem/problem-workflow.ts';
import { TopologySnapshots } from '../engine/problem/topology-snapshot.ts';
import { requirePermission } from './access-plugin.ts';
import { problemWriteAccess } from './problem-write-access.ts';

export const PROBLEM_LIMITS = { incidentsPerRequest: 100, titleLength: 200, textLength: 20_000 } as const;

const IncidentId = Type.String({ minLength: 1, maxLength: 64 });
const IncidentIds = Type.Array(IncidentId, { minItems: 1, maxItems: PROBLEM_LIMITS.incidentsPerRequest, uniqueItems: true });
const Text = Type.String({ maxLength: PROBLEM_LIMITS.textLength });
const Note = Type.Optional(Type.String({ maxLength: PROBLEM_LIMITS.textLength, description: 'recorded in the timeline' }));

const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ description: `comma-separated: ${PROBLEM_STATUSES.join(',')}` })),
    frequencyDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, description: 'add `frequency`: linked incidents per UTC day of the last this many days' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const CreateBody = Type.Object(
  {
    incidentIds: IncidentIds,
    title: Type.Optional(Type.String({ minLength: 1, maxLength: PROBLEM_LIMITS.titleLength })),
    rootCauseNotes: Type.Optional(Text),
  },
  { additionalProperties: false },
);

const ACTION_BODIES: Record<ProblemAction, TSchema> = {
  accept: Type.Object({ note: Note }, { additionalProperties: false }),
  reject: Type.Object({ reason: Note }, { additionalProperties: false }),
  investigate: Type.Object({ note: Note }, { additionalProperties: false }),
  // Optional here so that a missing workaround is the workflow's clear 400, not a schema error.
  'known-error': Type.Object({ workaround: Type.Optional(Text), rootCauseNotes: Type.Optional(Text) }, { additionalProperties: false }),
  resolve: Type.Object({ note: Note }, { additionalProperties: false }),
  notes: Type.Object({ rootCauseNotes: Text }, { additionalProperties: false }),
  link: Type.Object({ incidentIds: IncidentIds }, { additionalProperties: false }),
  unlink: Type.Object({ incidentIds: IncidentIds }, { additionalProperties: false }),
};

type ActionBody = { note?: string; reason?: string; workaround?: string; rootCauseNotes?: string; incidentIds?: string[] };

export interface ProblemRoutesOptions {
  database: Database;
  bus: EventBus;
}

export const problemRoutes: FastifyPluginAsync<ProblemRoutesOptions> = async (app, { database, bus }) => {
  const service = new ProblemService(database.db, new TopologySnapshots());

  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/v1/problems', { schema: { querystring: ListQuery }, onRequest: requirePermission('problem:read') }, async (request) => {
    const { limit, offset } = request.query;
    const problems = new ProblemRepository(database.db);
    const items = await problems.list({ statuses: parseStatuses(request.query.status), limit, offset });
    const days = request.query.frequencyDays;
    if (days === undefined) return { items, limit, offset };
    const since = new Date(Date.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    const frequency = await problems.frequencies(
      items.map((p) => p.id),
      since,
    );
    return { items: items.map((p) => ({ ...p, frequency: frequency.get(p.id) ?? [] })), limit, offset, frequencySince: since };
  });

  app.get<{ Params: Static<typeof IdParams> }>('/api/v1/problems/:id', { schema: { params: IdParams }, onRequest: requirePermission('problem:read') }, async (request) => {
    const problem = await new ProblemRepository(database.db).get(request.params.id);
    if (!problem) throw notFound(`problem ${request.params.id}`);
    return { ...problem, allowedActions: allowedActions(problem.status, problem.suggested) };
  });

  // The write group: its own encapsulated context, so the access hook guards these routes only.
  await app.register(async (writes) => {
    const access = problemWriteAccess();
    writes.addHook('onRequest', access.hook);
    // Actions without required fields may be sent with no body at all.
    writes.addHook('preValidation', async (request) => {
      if (request.body === undefined || request.body === null) request.body = {};
    });

    writes.post<{ Body: Static<typeof CreateBody> }>('/api/v1/problems', { schema: { body: CreateBody } }, async (request, reply) => {
      const problem = await service.createManual({ who: access.writerOf(request), ...request.body });
      return reply
        .code(201)
        .header('location', `/api/v1/problems/${encodeURIComponent(problem.id)}`)
        .send({ ...problem, allowedActions: allowedActions(problem.status, problem.suggested) });
    });

    for (const action of Object.keys(ACTION_BODIES) as ProblemAction[]) {
      writes.post<{ Params: Static<typeof IdParams>; Body: ActionBody }>(
        `/api/v1/problems/:id/${action}`,
        { schema: { params: IdParams, body: ACTION_BODIES[action] } },
        async (request) => {
          const b = request.body;
          const note = b.reason ?? b.note;
          const outcome = await service.act(request.params.id, action, {
            who: access.writerOf(request),
            ...(note !== undefined ? { note } : {}),
            ...(b.workaround !== undefined ? { workaround: b.workaround } : {}),
            ...(b.rootCauseNotes !== undefined ? { rootCauseNotes: b.rootCauseNotes } : {}),
            ...(b.incidentIds !== undefined ? { incidentIds: b.incidentIds } : {}),
          });
          for (const m of outcome.attached) {
            try {
              await bus.publish(STREAM_TOPIC, m);
            } catch (err) {
              // The attachment stands and is in the stream log, where consoles resume it.
              request.log.warn({ err, seq: m.seq }, 'problem.attached was not published');
            }
          }
          const p = outcome.problem;
          return { ...p, allowedActions: allowedActions(p.status, p.suggested), ...(action === 'link' || action === 'unlink' ? { changed: outcome.changed } : {}) };
        },
      );
    }
  });
};

function parseStatuses(value: string | undefined): ProblemStatus[] | undefined {
  if (value === undefined || value === '') return undefined;
  const list = value.split(',').map((s) => s.trim());
  const bad = list.filter((s) => !(PROBLEM_STATUSES as readonly string[]).includes(s));
  if (bad.length > 0) {
    throw badRequest(`unknown status ${bad.join(', ')}; use ${PROBLEM_STATUSES.join(', ')}`, [{ field: 'querystring/status', message: `must be among ${PROBLEM_STATUSES.join(', ')}` }]);
  }
  return list as ProblemStatus[];
}
