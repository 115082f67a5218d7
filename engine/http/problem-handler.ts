/**
 * Renders every error as `application/problem+json` (RFC 9457) with a stable `type`.
 * Validation errors name the offending fields; errors fastify raises for a bad request
 * keep their status; anything unexpected becomes a plain 500 without its message.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, type FieldError } from '../errors/app-error.ts';

export const PROBLEM_TYPE_BASE = 'https://aiops-incident-engine.dev/problems/';

/** Field errors listed in one validation problem at most; `errorCount` gives the total. */
export const MAX_LISTED_ERRORS = 100;

interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [key: string]: unknown;
}

export function sendProblem(reply: FastifyReply, problem: Problem, retryAfterSeconds?: number): FastifyReply {
  if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

/** Fastify's own codes for a client's mistake, mapped to a stable type of ours. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad-request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-json',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported-media-type',
};

function fieldErrors(err: FastifyError): FieldError[] {
  return (err.validation ?? []).map((v) => {
    const base = `${err.validationContext ?? 'body'}${v.instancePath || ''}`;
    const missing = (v.params as { missingProperty?: string }).missingProperty;
    const extra = (v.params as { additionalProperty?: string }).additionalProperty;
    const field = missing ? `${base}/${missing}` : extra ? `${base}/${extra}` : base;
    const allowed = (v.params as { allowedValues?: unknown[] }).allowedValues;
    const message = extra ? `unknown field "${extra}"` : allowed ? `must be one of ${allowed.join(', ')}` : (v.message ?? 'is invalid');
    return { field, message };
  });
}

function handle(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const instance = request.url.split('?')[0];
  if (err instanceof AppError) {
    if (err.status >= 500) request.log.warn({ err }, 'request failed: %s', err.code);
    return sendProblem(
      reply,
      { type: PROBLEM_TYPE_BASE + err.code, title: err.title, status: err.status, detail: err.message, instance, ...err.extensions },
      err.retryAfterSeconds,
    );
  }
  if (err.validation) {
    const all = fieldErrors(err);
    // A large bad body can break every item of a long list: name the first few, count all.
    const errors = all.slice(0, MAX_LISTED_ERRORS);
    const detail = errors.slice(0, 10).map((e) => `${e.field} ${e.message}`).join('; ') + (all.length > 10 ? `; … ${all.length} errors in all` : '');
    return sendProblem(reply, {
      type: PROBLEM_TYPE_BASE + 'validation',
      title: 'The request does not match the schema',
      status: 400,
      detail,
      instance,
      errors,
      errorCount: all.length,
    });
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = (err.code && FASTIFY_CODES[err.code]) ?? 'bad-request';
    // Fastify's own client-error messages describe the request, not our internals.
    return sendProblem(reply, { type: PROBLEM_TYPE_BASE + code, title: 'The request was rejected', status, detail: err.message, instance });
  }
  request.log.error({ err }, 'unhandled error');
  return sendProblem(reply, { type: PROBLEM_TYPE_BASE + 'internal', title: 'Internal error', status: 500, instance });
}

export const problemHandler = fp(
  async function problemHandler(app: FastifyInstance) {
    app.setErrorHandler(handle);
    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, {
        type: PROBLEM_TYPE_BASE + 'not-found',
        title: 'Not found',
        status: 404,
        detail: `no route ${request.method} ${request.url.split('?')[0]}`,
        instance: request.url.split('?')[0],
      }),
    );
  },
  { name: 'problem-handler' },
);
