/**
 * Prometheus Alertmanager webhook, version 4. Unknown fields are tolerated (senders add
 * fields over time); the fields we read are typed strictly; limits come from config.
 */
import { type Static, Type } from '@sinclair/typebox';
import { stringEnum } from '../../engine/http/string-enum.ts';
import type { IngestLimits } from '../shared/ingest-limits.ts';

export function alertmanagerWebhookSchema(limits: IngestLimits) {
  const labelMap = Type.Record(Type.String({ minLength: 1, maxLength: 256 }), Type.String({ maxLength: limits.labelValueLength }), {
    maxProperties: limits.labelsPerAlert,
  });
  const alert = Type.Object({
    status: stringEnum(['firing', 'resolved']),
    labels: labelMap,
    annotations: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 65_536 }), { maxProperties: 256 })),
    startsAt: Type.String({ format: 'date-time' }),
    endsAt: Type.Optional(Type.String({ format: 'date-time' })),
    generatorURL: Type.Optional(Type.String({ maxLength: 8192 })),
    fingerprint: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  });
  return Type.Object({
    version: Type.Optional(Type.String({ maxLength: 8 })),
    status: Type.Optional(Type.String({ maxLength: 32 })),
    receiver: Type.Optional(Type.String({ maxLength: 1024 })),
    groupKey: Type.Optional(Type.String()),
    alerts: Type.Array(alert, { minItems: 1, maxItems: limits.alertsPerRequest }),
  });
}

export type AlertmanagerWebhook = Static<ReturnType<typeof alertmanagerWebhookSchema>>;
