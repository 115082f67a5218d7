/**
 * PagerDuty Events API v2 change events (`/v2/change/enqueue`): routing_key, a payload
 * with summary (required), timestamp, source and custom_details, and links. Unknown
 * fields are tolerated, as for every vendor format.
 */
import { type Static, Type } from '@sinclair/typebox';
import { pagerdutyLinks } from './pagerduty-schema.ts';

export const pagerdutyChangeSchema = Type.Object({
  routing_key: Type.String({ minLength: 1, maxLength: 128 }),
  payload: Type.Object({
    summary: Type.String({ minLength: 1, maxLength: 1024 }),
    timestamp: Type.Optional(Type.String({ format: 'date-time' })),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    custom_details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
  links: Type.Optional(pagerdutyLinks()),
});

export type PagerdutyChange = Static<typeof pagerdutyChangeSchema>;
