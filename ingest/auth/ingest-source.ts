/**
 * Which source an ingest route belongs to, for token restrictions, HMAC secrets and rate
 * limits: the path segment after /webhooks/, `generic` for our own alert format at
 * /api/v1/alerts, `metrics` for every metric write path. A route this cannot name is a
 * startup error (see ingest-auth), so no ingest route is ever served without a source.
 */
/** The source is the first segment after /webhooks/, also for sub-paths (`/webhooks/pagerduty/change`). */
const WEBHOOK = /^\/api\/v1\/webhooks\/([a-z0-9][a-z0-9_-]{0,63})(?:\/[A-Za-z0-9_-]+)*$/;
const GENERIC_PATHS = new Set(['/api/v1/alerts']);
const METRIC_PATHS = new Set(['/api/v1/write', '/write', '/api/v2/write', '/api/v1/prom/write', '/api/v1/metrics']);

/** `routeUrl` is the route's declared path, not the request's URL. */
export function ingestSourceOf(routeUrl: string): string | undefined {
  const webhook = WEBHOOK.exec(routeUrl);
  if (webhook) return webhook[1];
  if (GENERIC_PATHS.has(routeUrl)) return 'generic';
  if (METRIC_PATHS.has(routeUrl)) return 'metrics';
  return undefined;
}
