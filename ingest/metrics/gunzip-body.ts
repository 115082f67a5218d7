/**
 * A preParsing hook for `Content-Encoding: gzip` request bodies (Telegraf and InfluxDB
 * clients send them). The body is decompressed as it streams in, and the decompressed
 * size is bounded: past `maxBytes` the request fails with 413 and the decompressor is torn
 * down at once, so a gzip bomb costs at most `maxBytes` of memory and never more CPU than
 * it takes to produce them. The compressed bytes are counted for fastify as
 * `receivedEncodedLength`, so its own body limit and Content-Length check apply to them.
 *
 * `identity` (or no header) passes the body through; any other coding is a 415.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyRequest, preParsingAsyncHookHandler } from 'fastify';
import { AppError, badRequest } from '../../engine/errors/app-error.ts';

type RequestPayload = Parameters<preParsingAsyncHookHandler>[2];

export function gunzipBody(maxBytes: number): preParsingAsyncHookHandler {
  return async (request: FastifyRequest, _reply, payload) => {
    const coding = contentCoding(request);
    if (coding === 'identity') return payload;
    if (coding !== 'gzip') {
      throw new AppError({
        code: 'unsupported-media-type',
        status: 415,
        title: 'The request was rejected',
        detail: `Content-Encoding ${JSON.stringify(coding)} is not supported; send gzip or no encoding`,
      });
    }
    return gunzipStream(payload, maxBytes);
  };
}

function contentCoding(request: FastifyRequest): string {
  const header = request.headers['content-encoding'];
  const value = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim().toLowerCase();
  if (value === '' || value === 'identity') return 'identity';
  // `x-gzip` is the historical alias (RFC 9110, 8.4.1.3).
  return value === 'x-gzip' ? 'gzip' : value;
}

function gunzipStream(payload: RequestPayload, maxBytes: number): RequestPayload {
  let encoded = 0;
  let decoded = 0;
  const gunzip = createGunzip();
  const out = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      decoded += chunk.length;
      if (decoded > maxBytes) {
        callback(
          new AppError({
            code: 'payload-too-large',
            status: 413,
            title: 'The request body is too large',
            detail: `the body is larger than ${maxBytes} bytes once decompressed`,
          }),
        );
        return;
      }
      callback(null, chunk);
    },
  }) as Transform & { receivedEncodedLength: number };
  out.receivedEncodedLength = 0;

  const onData = (chunk: Buffer | string): void => {
    encoded += chunk.length;
    out.receivedEncodedLength = encoded;
  };
  const teardown = (): void => {
    payload.removeListener('data', onData);
    payload.unpipe(gunzip);
    gunzip.destroy();
  };
  payload.on('data', onData);
  payload.on('error', (err) => out.destroy(err));
  gunzip.on('error', (err) => out.destroy(badRequest(`the gzip body cannot be decompressed: ${err.message}`)));
  out.on('error', teardown);
  out.on('close', teardown);
  payload.pipe(gunzip).pipe(out);
  return out as unknown as RequestPayload;
}
