/**
 * The parameters of our Zabbix webhook media type (docs/senders/zabbix.md), posted as one
 * JSON object per notification. Zabbix resolves every macro to text, so numbers arrive
 * as numeric strings: those fields accept a numeric string or an integer. Unknown
 * parameters are tolerated (operators add their own); limits come from config.
 */
import { type Static, Type } from '@sinclair/typebox';
import { stringEnum } from '../../engine/http/string-enum.ts';
import { LABEL_NAME_MAX } from '../shared/check-label-limits.ts';
import type { IngestLimits } from '../shared/ingest-limits.ts';

/** A non-negative id: `"12345"` as Zabbix sends it, or 12345. One schema, one clear error. */
const numericId = () => Type.Unsafe<string | number>({ type: ['string', 'integer'], pattern: '^[0-9]{1,20}$', minimum: 0 });
/** A digit from 0 to max, as a string or an integer (a pattern, not an enum, so the error lists no value twice). */
const digit = (max: number) => Type.Unsafe<string | number>({ type: ['string', 'integer'], pattern: `^[0-${max}]$`, minimum: 0, maximum: max });

export function zabbixWebhookSchema(limits: IngestLimits) {
  const value = Type.String({ maxLength: limits.labelValueLength });
  const tag = Type.Object({ tag: Type.String({ minLength: 1, maxLength: LABEL_NAME_MAX }), value: Type.Optional(value) });
  const text = Type.String({ maxLength: 65_536 });
  return Type.Object({
    event_id: numericId(),
    /** {EVENT.VALUE}: 1 problem, 0 recovery. */
    event_value: digit(1),
    /** {EVENT.UPDATE.STATUS}: 1 when the notification is for a problem update (ack, comment, …). */
    event_update_status: Type.Optional(digit(1)),
    /** {EVENT.ACK.STATUS}. */
    event_ack_status: Type.Optional(stringEnum(['Yes', 'No'])),
    /** {EVENT.NSEVERITY}: 0 not classified … 5 disaster. */
    event_severity: Type.Optional(digit(5)),
    event_name: Type.String({ minLength: 1, maxLength: 2048 }),
    /** {EVENT.TAGSJSON}: a JSON array of {tag, value}, as a string (what Zabbix sends) or an array. */
    // One schema for both forms (maxLength applies to the string, items to the array): one clear error.
    event_tags: Type.Optional(
      Type.Unsafe<string | Array<Static<typeof tag>>>({ type: ['string', 'array'], maxLength: 1_048_576, items: tag, maxItems: limits.labelsPerAlert }),
    ),
    /** {EVENT.DATE} `YYYY.MM.DD` and {EVENT.TIME} `HH:MM:SS`: the problem's start, in the Zabbix server's time zone. */
    event_date: Type.String({ pattern: '^[0-9]{4}\\.[0-9]{2}\\.[0-9]{2}$' }),
    event_time: Type.String({ pattern: '^[0-9]{2}:[0-9]{2}:[0-9]{2}$' }),
    event_recovery_id: Type.Optional(numericId()),
    event_recovery_date: Type.Optional(Type.String({ pattern: '^[0-9]{4}\\.[0-9]{2}\\.[0-9]{2}$' })),
    event_recovery_time: Type.Optional(Type.String({ pattern: '^[0-9]{2}:[0-9]{2}:[0-9]{2}$' })),
    event_update_date: Type.Optional(Type.String({ pattern: '^[0-9]{4}\\.[0-9]{2}\\.[0-9]{2}$' })),
    event_update_time: Type.Optional(Type.String({ pattern: '^[0-9]{2}:[0-9]{2}:[0-9]{2}$' })),
    /** The time zone of the dates above: `Z`, `+02:00` or an IANA name; UTC when absent. */
    event_timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    event_update_action: Type.Optional(text),
    event_update_message: Type.Optional(text),
    event_update_user: Type.Optional(Type.String({ maxLength: 1024 })),
    event_opdata: Type.Optional(text),
    host_name: Type.Optional(value),
    host_ip: Type.Optional(value),
    trigger_id: Type.Optional(numericId()),
    trigger_description: Type.Optional(text),
    /** The frontend's base URL, for a link back to the event. */
    zabbix_url: Type.Optional(Type.String({ maxLength: 2048 })),
  });
}

export type ZabbixWebhook = Static<ReturnType<typeof zabbixWebhookSchema>>;
