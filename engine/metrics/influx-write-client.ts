/**
 * POSTs line protocol, as bytes, to InfluxDB's write endpoint. The client library's
 * transport takes a string body and encodes it again; the Influx adapter holds the bytes
 * the sender sent, so it posts them as they are (keep-alive, a timeout, gzip if asked).
 *
 * Failures carry the client library's error types (HttpError with the response's status,
 * body and headers; RequestTimedOutError), so the retry rules read them as the client's own.
 */
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { HttpError, RequestTimedOutError } from '@influxdata/influxdb-client';

const gzipAsync = promisify(gzip);
/** What an error keeps of a response body, as the client library does. */
const MAX_ERROR_BODY_CHARS = 1_000;

export interface InfluxWriteClientOptions {
  /** The server's URL; a path in it prefixes every request's. */
  url: string;
  /** Sent with every request (authorization). */
  headers: Record<string, string>;
  timeoutMs: number;
  /** Compress bodies of more than this many bytes; undefined: never. */
  gzipThreshold: number | undefined;
}

export class InfluxWriteClient {
  readonly #url: URL;
  readonly #request: typeof http.request;
  readonly #agent: http.Agent;
  readonly #opts: InfluxWriteClientOptions;

  constructor(opts: InfluxWriteClientOptions) {
    this.#opts = opts;
    this.#url = new URL(opts.url);
    const secure = this.#url.protocol === 'https:';
    this.#request = secure ? https.request : http.request;
    this.#agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  /**
   * POSTs the concatenation of `parts` (written one after the other, not joined first).
   * Resolves when InfluxDB answered 2xx; rejects with HttpError, RequestTimedOutError or a
   * network error.
   */
  async write(pathAndQuery: string, parts: readonly Uint8Array[]): Promise<void> {
    const headers: Record<string, string | number> = { ...this.#opts.headers, 'content-type': 'text/plain; charset=utf-8' };
    let payload = parts;
    let length = 0;
    for (const part of parts) length += part.length;
    if (this.#opts.gzipThreshold !== undefined && length > this.#opts.gzipThreshold) {
      payload = [await gzipAsync(Buffer.concat(parts, length))];
      length = (payload[0] as Uint8Array).length;
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = length;
    const base = this.#url.pathname.replace(/\/$/, '');
    await new Promise<void>((resolve, reject) => {
      const req = this.#request(
        {
          protocol: this.#url.protocol,
          hostname: this.#url.hostname,
          port: this.#url.port,
          path: `${base}${pathAndQuery}`,
          method: 'POST',
          headers,
          agent: this.#agent,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            res.resume();
            res.on('end', resolve);
            res.on('error', reject);
            return;
          }
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length < MAX_ERROR_BODY_CHARS) text += chunk;
          });
          res.on('error', reject);
          res.on('end', () => {
            const retryAfter = res.headers['retry-after'];
            reject(
              new HttpError(
                status,
                res.statusMessage,
                text.slice(0, MAX_ERROR_BODY_CHARS),
                Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
                res.headers['content-type'],
                undefined,
                res.headers,
              ),
            );
          });
        },
      );
      req.setTimeout(this.#opts.timeoutMs, () => req.destroy(new RequestTimedOutError()));
      req.on('error', reject);
      // Corked: the parts leave in one write to the socket.
      req.cork();
      for (const part of payload) req.write(part);
      req.uncork();
      req.end();
    });
  }

  /** Closes the kept-alive connections (and any request still on one: flush first). */
  close(): void {
    this.#agent.destroy();
  }
}
