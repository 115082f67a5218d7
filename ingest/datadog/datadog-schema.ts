/**
 * The body of a Datadog webhook whose payload template is the one in
 * docs/senders/datadog.md. Datadog substitutes `$VARIABLES` as text, so ids and dates
 * arrive as strings: those fields accept a numeric string or a number. Unknown fields are
 * tolerated (teams add their own variables); limits come from config.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { IngestLimits } from '../shared/ingest-limits.ts';

/**
 * An id or epoch as Datadog renders it (`"1406662672000"`) or as a number. `optionalEmpty`
 * also lets through "", which Datadog renders for a variable that has no value.
 */
const numeric = (maxDigits: number, optionalEmpty = false) =>
  Type.Unsafe<string | number>({ type: ['string', 'integer'], pattern: `^[0-9]{${optionalEmpty ? 0 : 1},${maxDigits}}$`, minimum: 0 });

export function datadogWebhookSchema(limits: IngestLimits) {
  const value = Type.String({ maxLength: limits.labelValueLength });
  const text = Type.String({ maxLength: 65_536 });
  return Type.Object({
    /** $ID: the id of this event. */
    id: Type.Optional(Type.String({ maxLength: 64 })),
    /** $ALERT_ID: the monitor's id. */
    alert_id: Type.Optional(numeric(20, true)),
    /** $ALERT_CYCLE_KEY: one value from the time a monitor group triggers until it resolves. */
    alert_cycle_key: Type.Optional(Type.String({ maxLength: 256 })),
    /** $ALERT_TRANSITION: Triggered, Re-Triggered, Warn, Re-Warn, No Data, Re-No Data, Recovered, Renotify, … */
    alert_transition: Type.String({ minLength: 1, maxLength: 64 }),
    /** $ALERT_TYPE: error, warning, info, success. */
    alert_type: Type.Optional(Type.String({ maxLength: 32 })),
    /** $ALERT_PRIORITY: P1 … P5. */
    priority: Type.Optional(value),
    /** $EVENT_TITLE, e.g. `[Triggered on {host:web-1}] High latency`. */
    title: Type.String({ minLength: 1, maxLength: 2048 }),
    /** $ALERT_SCOPE: the tags of the group that triggered, comma-separated. */
    scope: Type.Optional(Type.String({ maxLength: 65_536 })),
    /** $ALERT_QUERY. */
    query: Type.Optional(text),
    /** $TAGS: the event's tags, comma-separated (`env:prod,service:checkout`). */
    tags: Type.Optional(Type.String({ maxLength: 65_536 })),
    /** $HOSTNAME. */
    hostname: Type.Optional(value),
    /** $DATE: when the event happened, epoch in ms (seconds accepted too). */
    date: numeric(16),
    /** $LINK: the event in Datadog. */
    link: Type.Optional(Type.String({ maxLength: 8192 })),
    /** $EVENT_MSG. */
    body: Type.Optional(text),
    alert_status: Type.Optional(text),
    alert_metric: Type.Optional(Type.String({ maxLength: 1024 })),
    event_type: Type.Optional(Type.String({ maxLength: 128 })),
    /** $ORG_ID and $ORG_NAME. */
    org: Type.Optional(Type.Object({ id: Type.Optional(numeric(20, true)), name: Type.Optional(Type.String({ maxLength: 1024 })) })),
  });
}

export type DatadogWebhook = Static<ReturnType<typeof datadogWebhookSchema>>;
