/**
 * Keeps credentials sent in a URL out of the logs. Some senders can only put their
 * token in the query string (`?token=`, InfluxDB 1.x `?u=&p=`), and fastify logs every
 * request's URL; the request log serializer passes it through `redactUrl` first.
 */

/** Query parameters that carry a credential. */
const SECRET_PARAMS = new Set(['token', 'p', 'password', 'access_token', 'api_key']);

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name: string;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        name = rawName;
      }
      return SECRET_PARAMS.has(name.toLowerCase()) ? `${rawName}=[REDACTED]` : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** fastify's own request serializer, with the URL redacted. */
export function requestLogSerializer(req: LoggedRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
