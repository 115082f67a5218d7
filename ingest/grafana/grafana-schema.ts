/**
 * Grafana unified alerting webhook contact point: an Alertmanager-like body plus Grafana's
 * own fields (orgId, state, title, message; per alert values, dashboardURL, panelURL,
 * silenceURL). Unknown fields are tolerated (Grafana adds fields over versions); the
 * fields we read are typed strictly; limits come from config.
 */
import { type Static, Type } from '@sinclair/typebox';
import { stringEnum } from '../../engine/http/string-enum.ts';
import { LABEL_NAME_MAX } from '../shared/check-label-limits.ts';
import type { IngestLimits } from '../shared/ingest-limits.ts';

export function grafanaWebhookSchema(limits: IngestLimits) {
  const labelMap = Type.Record(Type.String({ minLength: 1, maxLength: LABEL_NAME_MAX }), Type.String({ maxLength: limits.labelValueLength }), {
    maxProperties: limits.labelsPerAlert,
  });
  const url = Type.String({ maxLength: 8192 });
  const alert = Type.Object({
    status: stringEnum(['firing', 'resolved']),
    labels: labelMap,
    annotations: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 65_536 }), { maxProperties: 256 })),
    startsAt: Type.String({ format: 'date-time' }),
    endsAt: Type.Optional(Type.String({ format: 'date-time' })),
    generatorURL: Type.Optional(url),
    fingerprint: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    silenceURL: Type.Optional(url),
    dashboardURL: Type.Optional(url),
    panelURL: Type.Optional(url),
    imageURL: Type.Optional(url),
    // Query results by refId; Grafana sends null when a rule has none (NoData, Error).
    values: Type.Optional(Type.Union([Type.Record(Type.String({ maxLength: 256 }), Type.Union([Type.Number(), Type.Null()]), { maxProperties: 256 }), Type.Null()])),
    valueString: Type.Optional(Type.String({ maxLength: 65_536 })),
  });
  return Type.Object({
    receiver: Type.Optional(Type.String({ maxLength: 1024 })),
    status: Type.Optional(Type.String({ maxLength: 32 })),
    orgId: Type.Optional(Type.Integer({ minimum: 0 })),
    state: Type.Optional(Type.String({ maxLength: 32 })),
    title: Type.Optional(Type.String({ maxLength: 65_536 })),
    message: Type.Optional(Type.String({ maxLength: 262_144 })),
    externalURL: Type.Optional(url),
    version: Type.Optional(Type.String({ maxLength: 8 })),
    groupKey: Type.Optional(Type.String()),
    alerts: Type.Array(alert, { minItems: 1, maxItems: limits.alertsPerRequest }),
  });
}

export type GrafanaWebhook = Static<ReturnType<typeof grafanaWebhookSchema>>;
