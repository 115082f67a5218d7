/**
 * The paging policy (engine/sla/escalation-policy.ts):
 *
 *   GET /api/v1/escalation-policy   `incident:read`: the policy in force (`source`: stored or
 *                                   default), when and by whom it was set, and the channels
 *                                   a level may name (the configured notification targets)
 *   PUT /api/v1/escalation-policy   `admin`: replaces the whole policy; validated (schema, then
 *                                   level order, known channels, one rule per scope: 400
 *                                   problem+json listing each problem); audited
 *
 * The engine reads the policy when a level is due, so a change applies to the next breach
 * and to later levels of escalations under way.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../engine/db/database.ts';
import { badRequest } from '../engine/errors/app-error.ts';
import { stringEnum } from '../engine/http/string-enum.ts';
import { SEVERITY_LEVELS } from '../engine/incident/severity.ts';
import type { NotifyTarget } from '../engine/notify/notification.ts';
import {
  CHANNEL_KINDS,
  DEFAULT_RULE,
  type EscalationPolicy,
  MAX_AFTER_MINUTES,
  MAX_CHANNELS,
  MAX_LEVELS,
  MAX_RULES,
  policyProblems,
} from '../engine/sla/escalation-policy.ts';
import { EscalationRepository } from '../engine/sla/escalation-repository.ts';
import { requirePermission } from './access-plugin.ts';
import { audit } from './audit.ts';

const Level = Type.Object(
  {
    afterMinutes: Type.Number({ minimum: 0, maximum: MAX_AFTER_MINUTES, description: 'minutes after the previous level; 0 for level 1 (at the breach)' }),
    channels: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: MAX_CHANNELS, description: 'all, webhook, slack or a target key; empty: timeline only' }),
  },
  { additionalProperties: false },
);
const Rule = Type.Object(
  {
    severity: Type.Optional(stringEnum(SEVERITY_LEVELS, 'severity level; absent: any')),
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'service (group key value, or the whole group key); absent: any' })),
    levels: Type.Array(Level, { minItems: 1, maxItems: MAX_LEVELS }),
  },
  { additionalProperties: false },
);
const PolicyBody = Type.Object({ rules: Type.Array(Rule, { maxItems: MAX_RULES }) }, { additionalProperties: false });

export interface EscalationPolicyRoutesOptions {
  database: Database;
  /** The configured notification targets: what a channel may name. */
  targets: readonly NotifyTarget[];
}

export const escalationPolicyRoutes: FastifyPluginAsync<EscalationPolicyRoutesOptions> = async (app, { database, targets }) => {
  const channels = [...CHANNEL_KINDS.map((c) => ({ name: c, kind: c === 'all' ? 'every target' : `every ${c} target` })), ...targets.map((t) => ({ name: t.key, kind: t.kind }))];
  const view = async () => {
    const stored = await new EscalationRepository(database.db).stored();
    return {
      source: stored ? 'stored' : 'default',
      rules: stored?.policy.rules ?? [],
      defaultRule: DEFAULT_RULE,
      updatedAt: stored?.updatedAt ?? null,
      updatedBy: stored?.updatedBy ?? null,
      channels,
    };
  };

  app.get('/api/v1/escalation-policy', { onRequest: requirePermission('incident:read') }, async () => view());

  app.put<{ Body: Static<typeof PolicyBody> }>('/api/v1/escalation-policy', { onRequest: requirePermission('admin'), schema: { body: PolicyBody } }, async (request) => {
    const policy = request.body as EscalationPolicy;
    const problems = policyProblems(policy, targets);
    if (problems.length > 0) throw badRequest(`the escalation policy has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems[0]!.field} ${problems[0]!.message}`, problems);
    const actor = request.actor!;
    await database.db.transaction().execute(async (trx) => {
      await new EscalationRepository(trx).replace(policy, `${actor.kind}:${actor.id ?? actor.name}`, new Date());
      await audit(request, 'escalation-policy.replaced', { type: 'escalation-policy', id: 'default' }, { rules: policy.rules.length, levels: policy.rules.map((r) => r.levels.length) }, { db: trx });
    });
    return view();
  });
};
