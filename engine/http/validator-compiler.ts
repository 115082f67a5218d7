/**
 * Two Ajv instances: bodies are validated strictly (no type coercion: a number where a
 * string belongs is a 400, not silently "5"), while query strings and path parameters,
 * which are always text on the wire, are coerced to their schema types.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes: coerce ? 'array' : false, useDefaults: true, removeAdditional: false, strict: false });
  // ajv-formats ships CommonJS; under NodeNext its function sits on `default`.
  const add = (formatsPlugin as unknown as { default: (a: Ajv) => Ajv }).default;
  // 'full' mode: a date-time must be a real date (no month 19); 'fast' checks the shape only,
  // and an impossible date would then fail later, far from the request.
  add(ajv);
  return ajv;
}

export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  const cache = new WeakMap<object, ValidateFunction>();
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing;
    const key = schema as object;
    const cached = httpPart === 'body' ? cache.get(key) : undefined;
    if (cached) return cached as ReturnType<FastifySchemaCompiler<unknown>>;
    const fn = ajv.compile(schema as object);
    if (httpPart === 'body') cache.set(key, fn);
    return fn as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}
