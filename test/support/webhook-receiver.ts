/**
 * A local HTTP server standing in for notification receivers (a generic webhook, a Slack
 * incoming webhook): it records every request and answers each path as told, e.g. 503 to
 * the first N calls, to prove retries.
 */
import { type Server, createServer } from 'node:http';

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: any;
  at: number;
  /** The answer given. */
  status: number;
}

export interface WebhookReceiver {
  url(path: string): string;
  requests: ReceivedRequest[];
  /** Answers the next `n` calls to `path` with `status` (then 200 again). */
  failNext(path: string, n: number, status?: number): void;
  /** Answers every call to `path` with `status`. */
  always(path: string, status: number): void;
  /** Never answers calls to `path` (a receiver that hangs). */
  hang(path: string): void;
  /** Requests to `path` that were answered with a 2xx. */
  delivered(path: string): ReceivedRequest[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const failures = new Map<string, { left: number; status: number }>();
  const fixed = new Map<string, number>();
  const hanging = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      let status = fixed.get(path) ?? 200;
      const failing = failures.get(path);
      if (failing && failing.left > 0) {
        failing.left--;
        status = failing.status;
      }
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
      if (hanging.has(path)) {
        requests.push({ path, headers: req.headers, raw, body, at: Date.now(), status: 0 });
        return;
      }
      requests.push({ path, headers: req.headers, raw, body, at: Date.now(), status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    failNext(path, n, status = 503) {
      failures.set(path, { left: n, status });
    },
    always(path, status) {
      fixed.set(path, status);
    },
    hang(path) {
      hanging.add(path);
    },
    delivered: (path) => requests.filter((r) => r.path === path && r.status < 300),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
