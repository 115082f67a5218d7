/**
 * Operators' actions on incidents: POST /api/v1/incidents/:id/{ack,assign,resolve,close,
 * comment,severity,merge,split}. Each becomes a command row run by the leading correlator
 * (so it serializes with correlation and reaches the engine's memory); the request waits for
 * the outcome up to `?wait=` seconds (default 10): 200 with the incident, the refusal as
 * problem+json (404, 400, 409 for an illegal transition), or 202 with the command to poll at
 * GET /api/v1/incident-commands/:id when the correlator is busy or not running.
 * Needs the incident:write permission (operator and up); every accepted action is audited.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../engine/db/database.ts';
import { AppError, notFound } from '../engine/errors/app-error.ts';
import { stringEnum } from '../engine/http/string-enum.ts';
import { CommandRepository } from '../engine/incident/command-repository.ts';
import { incidentDetail } from '../engine/incident/incident-detail.ts';
import { NO_SLA, slaStates } from '../engine/sla/sla-state.ts';
import { IncidentRepository } from '../engine/incident/incident-repository.ts';
import type { JobQueue } from '../engine/queue/job-queue.ts';
import { requirePermission } from './access-plugin.ts';
import { audit } from './audit.ts';

export const INCIDENT_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
const MAX_WAIT_SECONDS = 30;
const POLL_MS = 25;

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const WaitQuery = Type.Object({ wait: Type.Number({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: 10 }) }, { additionalProperties: false });
const Note = Type.Optional(Type.String({ maxLength: 10_000 }));

/** The body each action takes; unknown fields are refused so a typo is not silently ignored. */
const BODIES = {
  ack: Type.Object({ note: Note }, { additionalProperties: false }),
  assign: Type.Object({ assignee: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()]) }, { additionalProperties: false }),
  resolve: Type.Object({ note: Note }, { additionalProperties: false }),
  close: Type.Object({ note: Note }, { additionalProperties: false }),
  comment: Type.Object({ text: Type.String({ minLength: 1, maxLength: 10_000 }) }, { additionalProperties: false }),
  severity: Type.Object({ severity: stringEnum([...INCIDENT_SEVERITIES]) }, { additionalProperties: false }),
  merge: Type.Object({ from: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 100, uniqueItems: true }) }, { additionalProperties: false }),
  split: Type.Object({ fingerprints: Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false }),
} as const;

export type IncidentAction = keyof typeof BODIES;

export const incidentActionRoutes: FastifyPluginAsync<{ database: Database; queue: JobQueue }> = async (app, { database, queue }) => {
  const commands = new CommandRepository(database.db);

  for (const [action, body] of Object.entries(BODIES) as Array<[IncidentAction, (typeof BODIES)[IncidentAction]]>) {
    app.post<{ Params: Static<typeof Params>; Querystring: Static<typeof WaitQuery>; Body: Record<string, unknown> }>(
      `/api/v1/incidents/:id/${action}`,
      { onRequest: requirePermission('incident:write'), schema: { params: Params, querystring: WaitQuery, body } },
      async (request, reply) => {
        const { id } = request.params;
        if (!(await new IncidentRepository(database.db).getSummary(id))) throw notFound(`incident ${id}`);
        const actor = request.actor!;
        const commandId = await commands.create({ incidentId: id, kind: action, payload: request.body ?? {}, actor: `${actor.kind}:${actor.id ?? actor.name}` });
        await queue.add('incidents.command', { commandId }, { jobId: commandId, attempts: 5, backoffMs: 500 });
        await audit(request, `incident.${action === 'ack' ? 'acknowledge' : action}.requested`, { type: 'incident', id }, { commandId, ...summarize(request.body ?? {}) });
        const done = await waitFor(commands, commandId, request.query.wait * 1000);
        if (done?.status === 'done') {
          const incidentId = typeof done.result?.incidentId === 'string' ? done.result.incidentId : id;
          // The first page of members only: the answer of an action on a huge incident stays small.
          const detail = await incidentDetail(database.db, incidentId);
          return detail && { ...detail, sla: (await slaStates(database.db, [incidentId])).get(incidentId) ?? NO_SLA };
        }
        if (done?.status === 'failed') {
          const r = done.result ?? {};
          throw new AppError({ code: String(r.code ?? 'refused'), status: Number(r.status ?? 409), title: String(r.title ?? 'Refused'), detail: String(r.detail ?? '') });
        }
        reply.code(202).header('location', `/api/v1/incident-commands/${commandId}`);
        return { commandId, status: 'pending' };
      },
    );
  }

  app.get<{ Params: Static<typeof Params> }>(
    '/api/v1/incident-commands/:id',
    { onRequest: requirePermission('incident:read'), schema: { params: Params } },
    async (request) => {
      const cmd = await commands.get(request.params.id);
      if (!cmd) throw notFound(`command ${request.params.id}`);
      return { id: cmd.id, incidentId: cmd.incidentId, action: cmd.kind, status: cmd.status, result: cmd.result };
    },
  );
};

async function waitFor(commands: CommandRepository, id: string, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const cmd = await commands.get(id);
    if (cmd && cmd.status !== 'pending') return cmd;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** What the audit log keeps of a body: small fields whole, long lists by their size. */
function summarize(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) out[k] = Array.isArray(v) && v.length > 20 ? `${v.length} items` : v;
  return out;
}
