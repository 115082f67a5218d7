/**
 * One outbound HTTP call for one notification and target, bounded by a timeout. The
 * outcome is classified for the queue: a 2xx is delivered; a timeout, a network error, a
 * 5xx, 408, 425 or 429 is worth another try; any other answer (400, 403, 404, 410 from a
 * removed Slack channel, a redirect) will not get better by retrying.
 *
 * Generic webhooks get `X-Aiops-Signature-256: sha256=<hex HMAC-SHA256 of the body>` when a
 * secret is configured. Every request carries `X-Aiops-Delivery` (stable across retries), so a
 * receiver can drop the duplicate of a delivery whose answer we never saw.
 */
import { createHmac } from 'node:crypto';
import { UnrecoverableJobError } from '../queue/job-queue.ts';
import { slackBody, webhookBody } from './notification-bodies.ts';
import type { NotificationMessage, NotifyTarget } from './notification.ts';

export interface DeliveryOptions {
  deliveryId: string;
  /** Signs generic webhook bodies when set. */
  secret: string | undefined;
  timeoutMs: number;
  now?: () => Date;
}

const RETRYABLE_STATUS = new Set([408, 425, 429]);

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export function signatureOf(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Resolves with the HTTP status on a 2xx. Throws UnrecoverableJobError when retrying is
 * pointless, DeliveryError otherwise. Neither message carries the URL: webhook URLs
 * often hold a secret token.
 */
export async function deliverNotification(target: NotifyTarget, message: NotificationMessage, opts: DeliveryOptions): Promise<number> {
  const now = opts.now ?? (() => new Date());
  const body = JSON.stringify(target.kind === 'slack' ? slackBody(message) : webhookBody(message, now().toISOString()));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'aiops-incident-engine',
    'x-aiops-event': message.event,
    'x-aiops-delivery': opts.deliveryId,
  };
  if (target.kind === 'webhook' && opts.secret !== undefined) headers['x-aiops-signature-256'] = signatureOf(body, opts.secret);

  let res: Response;
  try {
    res = await fetch(target.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(opts.timeoutMs) });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    throw new DeliveryError(timedOut ? `${target.key}: no answer within ${opts.timeoutMs} ms` : `${target.key}: request failed (${causeOf(err)})`, undefined);
  }
  // The body is not needed, but must be consumed or cancelled to free the connection.
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return res.status;
  if (res.status >= 500 || RETRYABLE_STATUS.has(res.status)) throw new DeliveryError(`${target.key}: answered ${res.status}`, res.status);
  if (res.status >= 300 && res.status < 400) throw new UnrecoverableJobError(`${target.key}: answered with a redirect (${res.status}); configure the final URL`);
  throw new UnrecoverableJobError(`${target.key}: refused with ${res.status}`);
}

function causeOf(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
  return cause?.code ?? (err instanceof Error ? err.name : 'unknown error');
}
