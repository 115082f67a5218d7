/**
 * Our own alert format (POST /api/v1/alerts): one alert or an array of them. Being our
 * API, it is strict: an unknown field is a 400 naming it, so a typo never passes as data.
 * Limits come from config.
 */
import { type Static, Type } from '@sinclair/typebox';
import { stringEnum } from '../../engine/http/string-enum.ts';
import { LABEL_NAME_MAX } from '../shared/check-label-limits.ts';
import type { IngestLimits } from '../shared/ingest-limits.ts';

export function genericAlertSchema(limits: IngestLimits) {
  return Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 1024, description: 'the alert name' }),
      status: Type.Optional(stringEnum(['firing', 'resolved'], 'default firing')),
      severity: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'e.g. critical, error, warning, info' })),
      labels: Type.Optional(
        Type.Record(Type.String({ minLength: 1, maxLength: LABEL_NAME_MAX }), Type.String({ maxLength: limits.labelValueLength }), { maxProperties: limits.labelsPerAlert }),
      ),
      annotations: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: LABEL_NAME_MAX }), Type.String({ maxLength: 65_536 }), { maxProperties: 256 })),
      startsAt: Type.Optional(Type.String({ format: 'date-time', description: 'default: when the request arrives' })),
      endsAt: Type.Optional(Type.String({ format: 'date-time', description: 'for a resolved alert; default: when the request arrives' })),
      fingerprint: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'identity; default: a hash of name and labels' })),
      source: Type.Optional(Type.String({ minLength: 1, maxLength: limits.labelValueLength, description: 'the sending system, kept as label `source`' })),
      generatorUrl: Type.Optional(Type.String({ maxLength: 8192 })),
    },
    { additionalProperties: false },
  );
}

export function genericAlertsSchema(limits: IngestLimits) {
  const alert = genericAlertSchema(limits);
  const list = Type.Array(alert, { minItems: 1, maxItems: limits.alertsPerRequest });
  // if/then/else rather than anyOf: a bad body gets the errors of the one shape it meant,
  // not those of both shapes.
  return Type.Unsafe<Static<typeof alert> | Array<Static<typeof alert>>>({ if: { type: 'array' }, then: list, else: alert });
}

export type GenericAlert = Static<ReturnType<typeof genericAlertSchema>>;
export type GenericAlerts = GenericAlert | GenericAlert[];
