/**
 * Maintenance windows, silences and inhibition rules as stored, API-managed rules:
 *
 *   POST|GET /api/v1/maintenance      GET|DELETE /api/v1/maintenance/:id
 *   POST|GET /api/v1/silences         GET|DELETE /api/v1/silences/:id
 *   POST|GET /api/v1/inhibit-rules    GET|DELETE /api/v1/inhibit-rules/:id
 *
 * Lists take `?state=active|pending|expired` (omitted: all), newest first, paged. DELETE
 * expires a rule (as Alertmanager expires silences): it stays readable and listed as
 * expired, and a second DELETE changes nothing (204 again). Reading is open like the rest
 * of the read API; writing needs a token with scope `admin`, checked by the one hook of
 * the write group (header only). Every accepted write publishes `suppression.updated` on
 * SUPPRESSION_TOPIC, so correlators reload their rules. Limits are explicit: sizes in the
 * schemas (400), rules in force per kind (409).
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { EventBus } from '../engine/bus/event-bus.ts';
import { SUPPRESSION_TOPIC, type SuppressionMessage } from '../engine/bus/events.ts';
import type { Database } from '../engine/db/database.ts';
import { AppError, type FieldError, notFound } from '../engine/errors/app-error.ts';
import type { RuleDraftOf, StoredRuleOf, SuppressionKind } from '../engine/suppression/suppression.ts';
import { SuppressionRepository } from '../engine/suppression/suppression-repository.ts';
import { requirePermission } from './access-plugin.ts';
import { audit } from './audit.ts';
import {
  type Parsed,
  inhibitRuleDraft,
  inhibitRuleView,
  maintenanceDraft,
  maintenanceView,
  silenceDraft,
  silenceView,
} from './suppression-body.ts';
import { InhibitRuleBody, MaintenanceBody, RuleIdParams, RuleListQuery, SUPPRESSION_LIMITS, SilenceBody } from './suppression-schemas.ts';

export { SUPPRESSION_LIMITS } from './suppression-schemas.ts';

/** Field problems past this many are counted, not listed. */
const MAX_REPORTED_PROBLEMS = 100;

interface KindRoutes<K extends SuppressionKind> {
  kind: K;
  path: string;
  /** In messages: "maintenance window", "silence", "inhibition rule". */
  noun: string;
  body: TSchema;
  draft(body: any, nowMs: number): Parsed<RuleDraftOf[K]>;
  view(rule: StoredRuleOf[K]): object;
}

const KINDS = [
  { kind: 'maintenance', path: '/api/v1/maintenance', noun: 'maintenance window', body: MaintenanceBody, draft: (b: Static<typeof MaintenanceBody>, now: number) => maintenanceDraft(b, now), view: maintenanceView },
  { kind: 'silence', path: '/api/v1/silences', noun: 'silence', body: SilenceBody, draft: (b: Static<typeof SilenceBody>, now: number) => silenceDraft(b, now), view: silenceView },
  { kind: 'inhibit-rule', path: '/api/v1/inhibit-rules', noun: 'inhibition rule', body: InhibitRuleBody, draft: (b: Static<typeof InhibitRuleBody>) => inhibitRuleDraft(b), view: inhibitRuleView },
] as [KindRoutes<'maintenance'>, KindRoutes<'silence'>, KindRoutes<'inhibit-rule'>];

export interface SuppressionRoutesOptions {
  database: Database;
  bus: EventBus;
}

export const suppressionRoutes: FastifyPluginAsync<SuppressionRoutesOptions> = async (app, { database, bus }) => {
  for (const k of KINDS) registerReads(app, database, k as KindRoutes<SuppressionKind>);

  // The write group: its own encapsulated context, so the admin hook guards these routes only.
  await app.register(async (writes) => {
    // Operators and up change suppression rules (a NOC silences a noisy alert on the spot).
    writes.addHook('onRequest', requirePermission('suppression:write'));

    const publish = async (request: FastifyRequest, message: SuppressionMessage) => {
      try {
        await bus.publish(SUPPRESSION_TOPIC, message);
      } catch (err) {
        // The write stands; a correlator that missed this reloads when it next compares versions.
        request.log.warn({ err, version: message.version }, 'suppression.updated was not published');
      }
    };

    for (const k of KINDS as KindRoutes<SuppressionKind>[]) {
      writes.post<{ Body: { createdBy?: string } }>(k.path, { schema: { body: k.body } }, async (request, reply) => {
        const nowMs = Date.now();
        const parsed = k.draft(request.body, nowMs);
        if (!parsed.ok) throw invalidRule(k.noun, parsed.problems);
        const createdBy = request.body.createdBy ?? request.actor?.name ?? 'anonymous';
        const result = await new SuppressionRepository(database.db).create(k.kind, parsed.draft, { createdBy, nowMs, maxInForce: SUPPRESSION_LIMITS.rulesInForcePerKind });
        if (!result.ok) {
          throw new AppError({
            code: 'too-many-rules',
            status: 409,
            title: 'Too many rules',
            detail: `${result.limit} ${k.noun}s are already in force (active or pending), the most allowed; expire some before adding more`,
            extensions: { limit: result.limit },
          });
        }
        await audit(request, 'suppression.created', { type: k.kind, id: result.rule.id }, { comment: request.body && (request.body as { comment?: string }).comment });
        await publish(request, { type: 'suppression.updated', version: result.version, kind: k.kind, id: result.rule.id, action: 'created' });
        return reply.code(201).header('location', `${k.path}/${encodeURIComponent(result.rule.id)}`).send(k.view(result.rule));
      });

      writes.delete<{ Params: Static<typeof RuleIdParams> }>(`${k.path}/:id`, { schema: { params: RuleIdParams } }, async (request, reply) => {
        const out = await new SuppressionRepository(database.db).expire(k.kind, request.params.id);
        if (out.outcome === 'not-found') throw notFound(`${k.noun} ${request.params.id}`);
        if (out.outcome === 'expired') {
          await audit(request, 'suppression.expired', { type: k.kind, id: out.rule.id });
          await publish(request, { type: 'suppression.updated', version: out.version, kind: k.kind, id: out.rule.id, action: 'expired' });
        }
        return reply.code(204).send();
      });
    }
  });
};

function registerReads<K extends SuppressionKind>(app: FastifyInstance, database: Database, k: KindRoutes<K>): void {
  app.get<{ Querystring: Static<typeof RuleListQuery> }>(k.path, { schema: { querystring: RuleListQuery }, onRequest: requirePermission('incident:read') }, async (request) => {
    const { state, limit, offset } = request.query;
    const rules = await new SuppressionRepository(database.db).list(k.kind, { ...(state === undefined ? {} : { state }), limit, offset });
    return { items: rules.map((r) => k.view(r)), limit, offset };
  });

  app.get<{ Params: Static<typeof RuleIdParams> }>(`${k.path}/:id`, { schema: { params: RuleIdParams }, onRequest: requirePermission('incident:read') }, async (request) => {
    const rule = await new SuppressionRepository(database.db).get(k.kind, request.params.id);
    if (!rule) throw notFound(`${k.noun} ${request.params.id}`);
    return k.view(rule);
  });
}

/** 400 naming each offending field by pointer under `body`, as schema errors are named. */
function invalidRule(noun: string, problems: FieldError[]): AppError {
  const listed = problems.slice(0, MAX_REPORTED_PROBLEMS);
  const more = problems.length - listed.length;
  const detail = listed.map((e) => `${e.field} ${e.message}`).join('; ') + (more > 0 ? `; and ${more} more` : '');
  return new AppError({
    code: 'invalid-rule',
    status: 400,
    title: `The ${noun} is invalid`,
    detail,
    extensions: { errors: listed, errorCount: problems.length },
  });
}
