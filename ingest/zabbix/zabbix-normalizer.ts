/**
 * Maps one Zabbix notification into one domain alert event.
 *
 * Identity is the problem's event id: a recovery notification carries the problem's
 * {EVENT.ID} (its own id is {EVENT.RECOVERY.ID}), so it resolves the same alert. Several
 * Zabbix servers posting to us can keep their ids apart with `?instance=<name>` on the
 * URL. An update with acknowledge status "Yes" is an `acknowledged` event; any other
 * update (unacknowledge, comment, severity change) is a `firing` event of the open
 * problem, which keeps its start and clears an earlier acknowledgement.
 *
 * Severity: Zabbix 0–5 maps to our words as Zabbix's own PagerDuty media type does —
 * not classified → unknown, information → info, warning → warning, average → warning,
 * high → error, disaster → critical — and the Zabbix word stays in `zabbix_severity`.
 *
 * Labels: the event tags (a repeated tag's values joined with `,`), then `host`,
 * `host_ip`, `trigger_id` and `zabbix_severity`; the host becomes `service` when no
 * service-like tag (service, app, application, job) names one, so a host's problems
 * group together rather than by their (host-specific) event names.
 */
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { badRequest } from '../../engine/errors/app-error.ts';
import type { NormalizeContext } from '../shared/alert-format.ts';
import { LABEL_NAME_MAX, checkLabelLimits } from '../shared/check-label-limits.ts';
import { zabbixClockToIso } from './zabbix-clock.ts';
import type { ZabbixWebhook } from './zabbix-schema.ts';

const SEVERITY = ['unknown', 'info', 'warning', 'warning', 'error', 'critical'] as const;
const ZABBIX_SEVERITY = ['not classified', 'information', 'warning', 'average', 'high', 'disaster'] as const;
const SERVICE_TAGS = ['service', 'app', 'application', 'job'];
const INSTANCE = /^[A-Za-z0-9._-]{1,64}$/;

export function normalizeZabbix(body: ZabbixWebhook, ctx: NormalizeContext): AlertEvent[] {
  const instance = ctx.query.instance;
  if (instance !== undefined && !INSTANCE.test(instance)) {
    throw badRequest('the instance query parameter must be 1 to 64 letters, digits, ".", "_" or "-"', [{ field: 'querystring/instance', message: 'must match [A-Za-z0-9._-]{1,64}' }]);
  }
  const eventId = String(body.event_id);
  const sourceFingerprint = instance ? `${instance}:${eventId}` : eventId;
  const tz = body.event_timezone;
  const startsAt = zabbixClockToIso(body.event_date, body.event_time, tz, 'body/event_date');
  const nseverity = Number(body.event_severity ?? 0);

  const labels: Record<string, string> = {};
  for (const t of parseTags(body.event_tags)) {
    const prev = labels[t.tag];
    labels[t.tag] = prev === undefined ? t.value : `${prev},${t.value}`;
  }
  if (body.host_name) labels.host = body.host_name;
  if (body.host_ip) labels.host_ip = body.host_ip;
  if (body.trigger_id !== undefined) labels.trigger_id = String(body.trigger_id);
  labels.zabbix_severity = ZABBIX_SEVERITY[nseverity] ?? 'not classified';
  if (body.host_name && !SERVICE_TAGS.some((s) => labels[s])) labels.service = body.host_name;
  checkLabelLimits(labels, ctx.limits, 'body/event_tags');

  const annotations: Record<string, string> = { event_id: eventId };
  const copy = ['event_recovery_id', 'event_opdata', 'trigger_description', 'event_update_action', 'event_update_message', 'event_update_user'] as const;
  for (const key of copy) {
    const v = body[key];
    if (v !== undefined && v !== '') annotations[key] = String(v);
  }
  const base = body.zabbix_url?.replace(/\/+$/, '');
  const generatorUrl = base && body.trigger_id !== undefined ? `${base}/tr_events.php?triggerid=${body.trigger_id}&eventid=${eventId}` : (base ?? null);

  const common = {
    source: 'zabbix',
    sourceFingerprint,
    fingerprint: `zabbix:${sourceFingerprint}`,
    name: body.event_name,
    severity: SEVERITY[nseverity] ?? 'unknown',
    labels,
    annotations,
    startsAt,
    generatorUrl,
  };

  if (String(body.event_value) === '0') {
    // Without the recovery's own time we fall back to arrival, never to the problem's start.
    const endsAt = body.event_recovery_date && body.event_recovery_time
      ? zabbixClockToIso(body.event_recovery_date, body.event_recovery_time, tz, 'body/event_recovery_date')
      : ctx.receivedAt;
    return [{ ...common, status: 'resolved', endsAt, eventTime: endsAt }];
  }
  if (String(body.event_update_status ?? '0') === '1') {
    const updatedAt = body.event_update_date && body.event_update_time
      ? zabbixClockToIso(body.event_update_date, body.event_update_time, tz, 'body/event_update_date')
      : ctx.receivedAt;
    const status = body.event_ack_status === 'Yes' ? 'acknowledged' : 'firing';
    return [{ ...common, status, endsAt: null, eventTime: updatedAt }];
  }
  return [{ ...common, status: 'firing', endsAt: null, eventTime: startsAt }];
}

/** {EVENT.TAGSJSON} arrives as a JSON string; its shape is checked here, where the schema cannot see inside the string. */
function parseTags(raw: ZabbixWebhook['event_tags']): Array<{ tag: string; value: string }> {
  if (raw === undefined || raw === '') return [];
  let list: unknown = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch {
      throw badRequest('event_tags is not valid JSON', [{ field: 'body/event_tags', message: 'must be a JSON array of {"tag","value"} objects' }]);
    }
  }
  if (!Array.isArray(list)) {
    throw badRequest('event_tags must be an array', [{ field: 'body/event_tags', message: 'must be a JSON array of {"tag","value"} objects' }]);
  }
  return list.map((t: unknown, i) => {
    const o = t as { tag?: unknown; value?: unknown } | null;
    if (!o || typeof o !== 'object' || typeof o.tag !== 'string' || o.tag.length === 0 || o.tag.length > LABEL_NAME_MAX || (o.value !== undefined && typeof o.value !== 'string')) {
      throw badRequest(`event_tags item ${i} is not a {"tag","value"} object of strings`, [{ field: `body/event_tags/${i}`, message: 'must be {"tag": string, "value": string}' }]);
    }
    return { tag: o.tag, value: (o.value as string | undefined) ?? '' };
  });
}
