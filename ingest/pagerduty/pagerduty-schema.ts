/**
 * PagerDuty Events API v2 alert events (`/v2/enqueue`): one event per request, as
 * PagerDuty takes it. A trigger needs a payload with summary, source and severity; an
 * acknowledge or resolve needs the dedup_key of the alert it acts on. Unknown fields are
 * tolerated (PD-CEF senders add their own); limits come from config.
 */
import { type Static, Type } from '@sinclair/typebox';
import { stringEnum } from '../../engine/http/string-enum.ts';
import type { IngestLimits } from '../shared/ingest-limits.ts';

export const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

/** PagerDuty's `links` items; shared with change events. */
export const pagerdutyLinks = () =>
  Type.Array(Type.Object({ href: Type.String({ minLength: 1, maxLength: 8192 }), text: Type.Optional(Type.String({ maxLength: 1024 })) }), { maxItems: 100 });

export function pagerdutyEventSchema(limits: IngestLimits) {
  const value = Type.String({ minLength: 1, maxLength: limits.labelValueLength });
  const payload = Type.Object({
    summary: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    source: Type.Optional(value),
    severity: Type.Optional(stringEnum(PAGERDUTY_SEVERITIES)),
    timestamp: Type.Optional(Type.String({ format: 'date-time' })),
    component: Type.Optional(value),
    group: Type.Optional(value),
    class: Type.Optional(value),
    // PagerDuty documents an object; its own API also returns details as text, so any JSON is kept.
    custom_details: Type.Optional(Type.Unknown()),
  });
  return Type.Object(
    {
      routing_key: Type.String({ minLength: 1, maxLength: 128 }),
      event_action: stringEnum(['trigger', 'acknowledge', 'resolve']),
      dedup_key: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
      payload: Type.Optional(payload),
      images: Type.Optional(
        Type.Array(Type.Object({ src: Type.String({ minLength: 1, maxLength: 8192 }), href: Type.Optional(Type.String({ maxLength: 8192 })), alt: Type.Optional(Type.String({ maxLength: 1024 })) }), { maxItems: 100 }),
      ),
      links: Type.Optional(pagerdutyLinks()),
      client: Type.Optional(Type.String({ maxLength: 1024 })),
      client_url: Type.Optional(Type.String({ maxLength: 8192 })),
    },
    {
      // What the action requires, said by the schema so a 400 names the missing field.
      allOf: [
        {
          if: { properties: { event_action: { const: 'trigger' } } },
          then: { required: ['payload'], properties: { payload: { required: ['summary', 'source', 'severity'] } } },
          else: { required: ['dedup_key'] },
        },
      ],
    },
  );
}

export type PagerdutyEvent = Static<ReturnType<typeof pagerdutyEventSchema>>;
