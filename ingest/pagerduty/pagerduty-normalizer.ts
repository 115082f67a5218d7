/**
 * Maps one PagerDuty Events API v2 event into one domain alert event, with PagerDuty's
 * semantics:
 * - identity is the dedup_key scoped by the routing key, `${sha256(routing_key)[:12]}:${dedup_key}`,
 *   so two integrations' keys never meet and the routing key (a credential) is never stored;
 * - a trigger without dedup_key opens a new alert under a fresh UUID, returned in the reply;
 * - acknowledge and resolve act on an open alert only (the domain ignores an ack of an
 *   alert that is not firing; a resolve of an unknown alert is only recorded);
 * - a trigger after a resolve opens a new episode: every event's time is its
 *   payload.timestamp or, when absent, its arrival, so a later trigger is a new event.
 *   (Without a timestamp a retried delivery is a new event too: send timestamps.)
 *
 * Labels: `service` from payload.component, else payload.source (the correlator groups
 * on it), and `source`, `component`, `group`, `class` as given.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { badRequest } from '../../engine/errors/app-error.ts';
import type { NormalizeContext } from '../shared/alert-format.ts';
import { checkLabelLimits } from '../shared/check-label-limits.ts';
import type { PagerdutyEvent } from './pagerduty-schema.ts';

const MAX_ANNOTATION = 65_536;

/** A short, one-way name for a routing key: enough to scope dedup keys, useless as a credential. */
export function routingKeyHash(routingKey: string): string {
  return createHash('sha256').update(routingKey).digest('hex').slice(0, 12);
}

export function normalizePagerduty(body: PagerdutyEvent, ctx: NormalizeContext): AlertEvent[] {
  const dedupKey = body.dedup_key ?? randomUUID();
  const scope = routingKeyHash(body.routing_key);
  const sourceFingerprint = `${scope}:${dedupKey}`;
  const p = body.payload ?? {};
  const at = p.timestamp ? new Date(p.timestamp).toISOString() : ctx.receivedAt;

  const labels: Record<string, string> = {};
  const service = p.component ?? p.source;
  if (service) labels.service = service;
  if (p.source) labels.source = p.source;
  if (p.component) labels.component = p.component;
  if (p.group) labels.group = p.group;
  if (p.class) labels.class = p.class;
  checkLabelLimits(labels, ctx.limits, 'body/payload');

  const annotations: Record<string, string> = { dedup_key: dedupKey, routing_key_hash: scope };
  if (p.summary) annotations.summary = p.summary;
  if (p.custom_details !== undefined) annotations.custom_details = typeof p.custom_details === 'string' ? p.custom_details : JSON.stringify(p.custom_details);
  if (body.links?.length) annotations.links = JSON.stringify(body.links);
  if (body.images?.length) annotations.images = JSON.stringify(body.images);
  if (body.client) annotations.client = body.client;
  if (body.client_url) annotations.client_url = body.client_url;
  for (const [k, v] of Object.entries(annotations)) {
    if (v.length > MAX_ANNOTATION) {
      const field = k === 'custom_details' ? 'body/payload/custom_details' : `body/${k}`;
      throw badRequest(`${field} is ${v.length} characters as text; at most ${MAX_ANNOTATION} are kept`, [{ field, message: `must be at most ${MAX_ANNOTATION} characters as JSON` }]);
    }
  }

  const status = body.event_action === 'trigger' ? 'firing' : body.event_action === 'acknowledge' ? 'acknowledged' : 'resolved';
  return [
    {
      source: 'pagerduty',
      sourceFingerprint,
      fingerprint: `pagerduty:${sourceFingerprint}`,
      status,
      name: p.summary ?? `PagerDuty alert ${dedupKey}`,
      // An acknowledge or resolve usually carries no payload, hence no severity.
      severity: p.severity ?? 'unknown',
      labels,
      annotations,
      startsAt: at,
      endsAt: status === 'resolved' ? at : null,
      eventTime: at,
      generatorUrl: body.client_url || body.links?.[0]?.href || null,
    },
  ];
}

/** The dedup_key an event was filed under, as PagerDuty returns it. */
export function dedupKeyOf(ev: AlertEvent): string {
  return ev.sourceFingerprint.slice(ev.sourceFingerprint.indexOf(':') + 1);
}
