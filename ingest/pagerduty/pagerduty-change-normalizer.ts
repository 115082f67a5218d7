/**
 * Maps a PagerDuty change event into the domain change. PagerDuty's payload.source, "the
 * unique name of the location where the change occurred", is the closest thing to the
 * service or CI that changed. The id hashes the content within the routing key's scope
 * (its hash; the key itself, a credential, is never stored); a change sent without a
 * timestamp takes its arrival time, so only changes with timestamps are deduplicated
 * across retries.
 */
import type { Change } from '../../engine/change/change.ts';
import { changeId } from '../../engine/change/change-id.ts';
import type { PagerdutyChange } from './pagerduty-change-schema.ts';
import { routingKeyHash } from './pagerduty-normalizer.ts';

export function normalizePagerdutyChange(body: PagerdutyChange, receivedAt: string): Change {
  const content: Omit<Change, 'id' | 'receivedAt'> = {
    source: 'pagerduty',
    summary: body.payload.summary,
    service: body.payload.source ?? null,
    timestamp: new Date(body.payload.timestamp ?? receivedAt).toISOString(),
    links: (body.links ?? []).map((l) => (l.text === undefined ? { href: l.href } : { href: l.href, text: l.text })),
    details: body.payload.custom_details ?? {},
  };
  return { id: changeId(content, routingKeyHash(body.routing_key)), ...content, receivedAt };
}
