import { describe, expect, it } from 'vitest';
import { headline, slackBody, webhookBody } from '../../engine/notify/notification-bodies.ts';
import { jobIdPart, occurrenceOf, snapshotOf, targetOf } from '../../engine/notify/notification.ts';
import type { NotificationMessage } from '../../engine/notify/notification.ts';

const incident = snapshotOf(
  {
    id: 'inc-1',
    title: 'Errors <5xx> & timeouts',
    status: 'open',
    severity: 'critical',
    groupKey: 'service=orders-api',
    alertCount: 3,
    startedAt: '2026-11-21T09:59:00.000Z',
    createdAt: '2026-11-21T10:00:00.000Z',
    resolvedAt: null,
  },
  'https://aiops.example.com',
);

describe('notification bodies', () => {
  it('sends the message as the generic webhook body, stamped with the send time', () => {
    const message: NotificationMessage = { event: 'opened', at: incident.createdAt, incident };
    expect(webhookBody(message, '2026-11-21T10:00:01.000Z')).toEqual({ ...message, sentAt: '2026-11-21T10:00:01.000Z' });
    expect(incident.url).toBe('https://aiops.example.com/api/v1/incidents/inc-1');
  });

  it('gives Slack a short text and blocks, with its control characters escaped', () => {
    const message: NotificationMessage = {
      event: 'escalated',
      at: '2026-11-21T10:05:00.000Z',
      incident,
      breach: { kind: 'ack', severity: 'critical', targetMinutes: 5, dueAt: '2026-11-21T10:05:00.000Z', breachedAt: '2026-11-21T10:05:00.000Z' },
    };
    expect(headline(message)).toBe('[CRITICAL] Escalation, not acknowledged within 5 minutes: Errors <5xx> & timeouts (service=orders-api)');
    const body = slackBody(message);
    expect(body.text).toBe(':warning: [CRITICAL] Escalation, not acknowledged within 5 minutes: Errors &lt;5xx&gt; &amp; timeouts (service=orders-api)');
    expect(JSON.stringify(body.blocks)).toContain('<https://aiops.example.com/api/v1/incidents/inc-1|Errors &lt;5xx&gt; &amp; timeouts>');
    const resolved = slackBody({ event: 'resolved', at: '2026-11-21T10:41:00.000Z', incident: { ...incident, status: 'resolved', resolvedAt: '2026-11-21T10:41:00.000Z' } });
    expect(resolved.text).toContain('Incident resolved after 42 minutes');
  });

  it('names occurrences and job id parts so BullMQ can store them', () => {
    expect(occurrenceOf({ event: 'opened', at: incident.createdAt, incident })).toBe('first');
    expect(occurrenceOf({ event: 'resolved', at: 'x', incident: { ...incident, resolvedAt: '2026-11-21T10:41:00.000Z' } })).toBe(String(Date.parse('2026-11-21T10:41:00.000Z')));
    expect(jobIdPart('3f1c2a9e-0000-8000-8000-000000000000')).toBe('3f1c2a9e-0000-8000-8000-000000000000');
    expect(jobIdPart('a:b')).toMatch(/^[0-9a-f]{32}$/);
    expect(targetOf('slack', 'https://hooks.slack.com/services/T/B/secret').key).toMatch(/^slack-[0-9a-f]{12}$/);
  });
});
