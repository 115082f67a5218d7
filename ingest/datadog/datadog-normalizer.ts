/**
 * Maps one Datadog webhook notification into one domain alert event.
 *
 * Identity: $ALERT_CYCLE_KEY, which links every notification from a monitor group's
 * trigger to its recovery, so a Recovered resolves the alert its Triggered opened (and
 * the next cycle is a new alert). When the template leaves it out or Datadog renders it
 * empty, the identity is a hash of the monitor id and the scope (`m:<hash>`): the same
 * monitor group then is one alert across cycles, each cycle a new episode.
 *
 * Status and severity from $ALERT_TRANSITION: Recovered → resolved (severity unknown:
 * the recovery does not say); Triggered and
 * Re-Triggered → critical (the monitor's alert threshold); Warn and Re-Warn → warning;
 * No Data and Re-No Data → warning (we cannot tell whether the condition holds). Any
 * other transition (Renotify, Null, a future one) fires with a severity from
 * $ALERT_TYPE (error, warning, info), or resolves when that type is `success`.
 *
 * Labels: the event tags, then the scope's tags (`key:value` → label; a bare tag → label
 * with value "true"; a repeated key's values joined with `,`), then `host`, `monitor_id`
 * and `priority`. A `service:x` tag gives the correlator its `service`.
 */
import { createHash } from 'node:crypto';
import type { AlertEvent, AlertEventStatus } from '../../engine/alert/alert.ts';
import { badRequest } from '../../engine/errors/app-error.ts';
import type { NormalizeContext } from '../shared/alert-format.ts';
import { checkLabelLimits } from '../shared/check-label-limits.ts';
import type { DatadogWebhook } from './datadog-schema.ts';

/** Epochs below this are seconds: 1e11 s is the year 5138, 1e11 ms is 1973. */
const SECONDS_BELOW = 1e11;

const BY_TRANSITION: Record<string, { status: AlertEventStatus; severity: string }> = {
  // A recovery says nothing about how bad the condition was.
  recovered: { status: 'resolved', severity: 'unknown' },
  triggered: { status: 'firing', severity: 'critical' },
  're-triggered': { status: 'firing', severity: 'critical' },
  warn: { status: 'firing', severity: 'warning' },
  're-warn': { status: 'firing', severity: 'warning' },
  'no data': { status: 'firing', severity: 'warning' },
  're-no data': { status: 'firing', severity: 'warning' },
};

const BY_ALERT_TYPE: Record<string, string> = { error: 'error', warning: 'warning', info: 'info' };

export function normalizeDatadog(body: DatadogWebhook, ctx: NormalizeContext): AlertEvent[] {
  const cycleKey = body.alert_cycle_key?.trim();
  let sourceFingerprint: string;
  if (cycleKey) {
    sourceFingerprint = cycleKey;
  } else if (body.alert_id !== undefined && body.alert_id !== '') {
    const scope = splitTags(body.scope).sort().join(',');
    sourceFingerprint = `m:${createHash('sha256').update(String(body.alert_id)).update('\u0000').update(scope).digest('hex').slice(0, 16)}`;
  } else {
    throw badRequest('a Datadog notification needs alert_cycle_key ($ALERT_CYCLE_KEY) or alert_id ($ALERT_ID) to be identified', [
      { field: 'body/alert_cycle_key', message: 'is required when alert_id is absent' },
    ]);
  }

  const eventTime = epochToIso(body.date);
  const mapped = BY_TRANSITION[body.alert_transition.trim().toLowerCase()];
  const type = body.alert_type?.trim().toLowerCase() ?? '';
  const status: AlertEventStatus = mapped?.status ?? (type === 'success' ? 'resolved' : 'firing');
  const severity = mapped?.severity ?? BY_ALERT_TYPE[type] ?? 'unknown';

  const labels: Record<string, string> = {};
  addTags(labels, body.tags);
  // The scope names the group that triggered: it wins over a general event tag.
  const scoped: Record<string, string> = {};
  addTags(scoped, body.scope);
  Object.assign(labels, scoped);
  if (body.hostname) labels.host = body.hostname;
  if (body.alert_id !== undefined && body.alert_id !== '') labels.monitor_id = String(body.alert_id);
  if (body.priority) labels.priority = body.priority;
  checkLabelLimits(labels, ctx.limits, 'body/tags');

  const annotations: Record<string, string> = { title: body.title, transition: body.alert_transition };
  const copy = ['id', 'scope', 'query', 'body', 'alert_status', 'alert_metric', 'alert_type', 'event_type', 'link'] as const;
  for (const key of copy) {
    const v = body[key];
    if (v !== undefined && v !== '') annotations[key] = String(v);
  }
  if (body.org?.id !== undefined && body.org.id !== '') annotations.org_id = String(body.org.id);
  if (body.org?.name) annotations.org_name = body.org.name;

  return [
    {
      source: 'datadog',
      sourceFingerprint,
      fingerprint: `datadog:${sourceFingerprint}`,
      status,
      name: alertName(body.title),
      severity,
      labels,
      annotations,
      // Datadog does not say when a cycle began: each notification carries its own time.
      startsAt: eventTime,
      endsAt: status === 'resolved' ? eventTime : null,
      eventTime,
      generatorUrl: body.link || null,
    },
  ];
}

/** `[P1] [Triggered on {host:web-1}] High latency` → `High latency`: the name must not change with the transition. */
function alertName(title: string): string {
  const name = title.replace(/^(\s*\[[^\]]*\])+\s*/, '').trim();
  return name || title;
}

function epochToIso(raw: string | number): string {
  const n = Number(raw);
  const ms = n < SECONDS_BELOW ? n * 1000 : n;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw badRequest(`date ${String(raw)} is not an epoch`, [{ field: 'body/date', message: 'must be an epoch in ms or s' }]);
  return d.toISOString();
}

function splitTags(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0);
}

function addTags(into: Record<string, string>, raw: string | undefined): void {
  for (const tag of splitTags(raw)) {
    const i = tag.indexOf(':');
    const key = i > 0 ? tag.slice(0, i) : tag;
    const value = i > 0 ? tag.slice(i + 1) : 'true';
    const prev = into[key];
    into[key] = prev === undefined || prev === value ? value : `${prev},${value}`;
  }
}
