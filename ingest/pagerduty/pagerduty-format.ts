/**
 * PagerDuty Events API v2 alert events as an alert format. The 202 body is PagerDuty's,
 * so a sender that reads the generated dedup_key (to acknowledge or resolve later) works
 * unchanged against us.
 */
import type { AlertFormat } from '../shared/alert-format.ts';
import { dedupKeyOf, normalizePagerduty } from './pagerduty-normalizer.ts';
import { type PagerdutyEvent, pagerdutyEventSchema } from './pagerduty-schema.ts';

export const pagerdutyFormat: AlertFormat<PagerdutyEvent> = {
  source: 'pagerduty',
  schema: pagerdutyEventSchema,
  normalize: normalizePagerduty,
  reply: (events) => ({ status: 'success', message: 'Event processed', dedup_key: events[0] ? dedupKeyOf(events[0]) : null }),
};
