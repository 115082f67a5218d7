/**
 * Text Postgres cannot store, refused at the door: U+0000 (text and jsonb refuse it) and a
 * lone UTF-16 surrogate (JSON carries it as `\ud800`; json and jsonb refuse it). Left to the
 * store, such a body fails its statement and the caller sees a 500; here it is a 400 naming
 * the field by JSON pointer. Alert webhooks check their normalized alerts instead
 * (ingest/shared/refuse-unstorable-text.ts), so their bodies are not walked twice.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors/app-error.ts';

const NUL = '\u0000';

export const storableText = (s: string): boolean => !s.includes(NUL) && s.isWellFormed();

/** A key as an error message may show it: NUL written out, a lone surrogate replaced, at most 64 characters. */
export const shownKey = (k: string): string => k.replaceAll(NUL, '\\u0000').toWellFormed().slice(0, 64);

const pointerPart = (k: string): string => shownKey(k.replaceAll('~', '~0').replaceAll('/', '~1'));

/** The JSON pointer of the first key or string the store cannot hold, or null. */
export function unstorableTextAt(value: unknown, at = ''): string | null {
  if (typeof value === 'string') return storableText(value) ? null : at || '/';
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableTextAt(value[i], `${at}/${i}`);
      if (found !== null) return found;
    }
    return null;
  }
  for (const k in value) {
    if (!storableText(k)) return `${at}/${pointerPart(k)}`;
    const found = unstorableTextAt((value as Record<string, unknown>)[k], `${at}/${pointerPart(k)}`);
    if (found !== null) return found;
  }
  return null;
}

export const storableTextGuard = fp(
  async function storableTextGuard(app: FastifyInstance) {
    app.addHook('preValidation', async (request) => {
      if (request.routeOptions.config?.source !== undefined) return;
      const body = request.body;
      // Only parsed JSON: raw bodies (line protocol, remote_write) are bytes for other stores.
      if (body === null || typeof body !== 'object' || ArrayBuffer.isView(body)) return;
      const at = unstorableTextAt(body);
      if (at === null) return;
      throw new AppError({
        code: 'unstorable-text',
        status: 400,
        title: 'The request holds text that cannot be stored',
        detail: `body${at} holds a NUL character (U+0000) or a lone UTF-16 surrogate`,
        extensions: { errors: [{ field: `body${at}`, message: 'must be well-formed Unicode without U+0000' }] },
      });
    });
  },
  { name: 'storable-text-guard' },
);
