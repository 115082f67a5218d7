/** Our own alert JSON, at /api/v1/webhooks/generic and at /api/v1/alerts. */
import type { AlertFormat } from '../shared/alert-format.ts';
import { normalizeGeneric } from './generic-normalizer.ts';
import { type GenericAlerts, genericAlertsSchema } from './generic-schema.ts';

export const genericFormat: AlertFormat<GenericAlerts> = {
  source: 'generic',
  aliases: ['/api/v1/alerts'],
  schema: genericAlertsSchema,
  normalize: normalizeGeneric,
};
