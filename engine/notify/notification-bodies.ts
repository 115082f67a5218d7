/**
 * Request bodies per target kind: our generic JSON for webhooks, and Slack's incoming
 * webhook shape (`text` for notifications and clients without blocks, `blocks` for the
 * message), which Mattermost and Rocket.Chat accept too.
 */
import type { NotificationMessage } from './notification.ts';

/** The generic webhook body: the message as it is, plus the time it was sent. */
export function webhookBody(message: NotificationMessage, sentAt: string): Record<string, unknown> {
  return { ...message, sentAt };
}

const KIND_WORDS = { ack: 'acknowledged', resolve: 'resolved' } as const;

/** One short line a person can act on. */
export function headline(message: NotificationMessage): string {
  const { incident } = message;
  const sev = incident.severity.toUpperCase();
  switch (message.event) {
    case 'opened':
      return `[${sev}] Incident opened: ${incident.title} (${incident.service}, ${plural(incident.alertCount, 'alert')})`;
    case 'escalated': {
      const b = message.breach;
      const what = b ? `not ${KIND_WORDS[b.kind]} within ${formatMinutes(b.targetMinutes)}` : 'SLA breached';
      const level = message.escalation && message.escalation.level > 1 ? ` level ${message.escalation.level}` : '';
      return `[${sev}] Escalation${level}, ${what}: ${incident.title} (${incident.service})`;
    }
    case 'resolved': {
      const took = incident.resolvedAt ? ` after ${formatMinutes((Date.parse(incident.resolvedAt) - Date.parse(incident.startedAt)) / 60_000)}` : '';
      return `[${sev}] Incident resolved${took}: ${incident.title} (${incident.service})`;
    }
  }
}

const EMOJI = { opened: ':rotating_light:', escalated: ':warning:', resolved: ':white_check_mark:' } as const;

export function slackBody(message: NotificationMessage): { text: string; blocks: unknown[] } {
  const { incident } = message;
  const text = `${EMOJI[message.event]} ${headline(message)}`;
  const title = incident.url ? `<${incident.url}|${escapeMrkdwn(incident.title)}>` : `*${escapeMrkdwn(incident.title)}*`;
  const fields = [
    `*Status:* ${incident.status}`,
    `*Severity:* ${escapeMrkdwn(incident.severity)}`,
    `*Service:* ${escapeMrkdwn(incident.service)}`,
    `*Alerts:* ${incident.alertCount}`,
  ];
  if (message.breach) fields.push(`*SLA:* ${KIND_WORDS[message.breach.kind]} within ${formatMinutes(message.breach.targetMinutes)}, due ${message.breach.dueAt}`);
  return {
    text: escapeMrkdwn(text),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${EMOJI[message.event]} *${eventWord(message)}*: ${title}` } },
      { type: 'section', fields: fields.map((f) => ({ type: 'mrkdwn', text: f })) },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `incident ${incident.id} · started ${incident.startedAt}` }] },
    ],
  };
}

function eventWord(message: NotificationMessage): string {
  if (message.event === 'escalated') return message.breach ? `SLA breached (not ${KIND_WORDS[message.breach.kind]} in time)` : 'Escalated';
  return message.event === 'opened' ? 'Incident opened' : 'Incident resolved';
}

/** Slack treats &, < and > as control characters in text. */
function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function formatMinutes(minutes: number): string {
  if (!Number.isFinite(minutes) || minutes < 0) return 'an unknown time';
  if (minutes < 1) return plural(Math.round(minutes * 60), 'second');
  if (minutes < 120) return plural(Math.round(minutes), 'minute');
  return plural(Math.round(minutes / 60), 'hour');
}
