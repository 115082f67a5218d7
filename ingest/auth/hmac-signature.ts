/**
 * HMAC-SHA256 body signatures, for sources configured with INGEST_HMAC_SECRET_<SOURCE>:
 * `X-Signature-256: sha256=<hex>` (or GitHub's `X-Hub-Signature-256`) over the raw body
 * as sent, before any decoding.
 *
 * The body is hashed as it streams past the parser (`tee`), so it is read once and
 * never buffered twice; fastify's body limit bounds it as for any request. The digest
 * is complete once the body is parsed, and `matches` compares in constant time.
 */
import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';

export const SIGNATURE_HEADERS = ['x-signature-256', 'x-hub-signature-256'] as const;

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/** The signature a request carries: the 32 bytes, `missing`, or `malformed`. */
export function presentedSignature(headers: IncomingHttpHeaders): Buffer | 'missing' | 'malformed' {
  for (const name of SIGNATURE_HEADERS) {
    const value = headers[name];
    if (value === undefined) continue;
    const match = typeof value === 'string' ? SIGNATURE.exec(value.trim()) : null;
    return match ? Buffer.from(match[1]!, 'hex') : 'malformed';
  }
  return 'missing';
}

export class BodySignature {
  private readonly hmac: Hmac;

  constructor(
    secret: string,
    private readonly presented: Buffer,
  ) {
    this.hmac = createHmac('sha256', secret);
  }

  /** A pass-through stream that hashes every chunk of `payload` on its way to the parser. */
  tee<S extends NodeJS.ReadableStream & { receivedEncodedLength?: number }>(payload: S): S {
    const hmac = this.hmac;
    const out = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
        hmac.update(chunk);
        callback(null, chunk);
      },
    });
    // An upstream decoder's count of bytes received stays visible to fastify's body limit.
    Object.defineProperty(out, 'receivedEncodedLength', { get: () => payload.receivedEncodedLength });
    payload.on('error', (err) => out.destroy(err));
    payload.pipe(out);
    return out as unknown as S;
  }

  /** Whether the body seen so far (the whole body, once parsed) has the presented signature. */
  matches(): boolean {
    const digest = this.hmac.digest();
    return digest.length === this.presented.length && timingSafeEqual(digest, this.presented);
  }
}
