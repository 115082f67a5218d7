/**
 * Maps our own alert JSON into domain alert events. Identity is the sender's
 * `fingerprint`, else a hash of the name and all labels (never the name alone). Missing
 * times default to the arrival time, which makes a repeated delivery without times a new
 * event: senders that retry should send `startsAt` (and `endsAt` when resolved).
 */
import type { AlertEvent } from '../../engine/alert/alert.ts';
import type { NormalizeContext } from '../shared/alert-format.ts';
import { checkLabelLimits } from '../shared/check-label-limits.ts';
import { labelFingerprint } from '../shared/fingerprint.ts';
import type { GenericAlert, GenericAlerts } from './generic-schema.ts';

export function normalizeGeneric(body: GenericAlerts, ctx: NormalizeContext): AlertEvent[] {
  const list = Array.isArray(body) ? body : [body];
  return list.map((a, i) => toEvent(a, ctx, Array.isArray(body) ? `body/${i}` : 'body'));
}

function toEvent(a: GenericAlert, ctx: NormalizeContext, at: string): AlertEvent {
  const labels: Record<string, string> = { ...(a.labels ?? {}) };
  if (a.source !== undefined) labels.source = a.source;
  checkLabelLimits(labels, ctx.limits, `${at}/labels`);
  const sourceFingerprint = a.fingerprint ?? labelFingerprint({ ...(a.labels ?? {}), alertname: a.name });
  const status = a.status ?? 'firing';
  const endsAt = status === 'resolved' ? new Date(a.endsAt ?? ctx.receivedAt).toISOString() : null;
  const startsAt = a.startsAt ? new Date(a.startsAt).toISOString() : (endsAt ?? ctx.receivedAt);
  return {
    source: 'generic',
    sourceFingerprint,
    fingerprint: `generic:${sourceFingerprint}`,
    status,
    name: a.name,
    severity: a.severity ?? labels.severity ?? 'unknown',
    labels,
    annotations: a.annotations ?? {},
    startsAt,
    endsAt,
    eventTime: endsAt ?? startsAt,
    generatorUrl: a.generatorUrl ?? null,
  };
}
