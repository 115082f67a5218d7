/**
 * The one base error of the application. Every error that reaches a client is an
 * AppError (or becomes a plain 500 without its message). `code` is stable: clients
 * branch on it; it also forms the problem+json `type`.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  /** Extra members of the problem document (for example `errors` naming fields). */
  readonly extensions: Record<string, unknown>;
  /** Seconds a sender should wait before retrying (429, 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(opts: {
    code: string;
    status: number;
    title: string;
    detail?: string;
    extensions?: Record<string, unknown>;
    retryAfterSeconds?: number;
    cause?: unknown;
  }) {
    super(opts.detail ?? opts.title, { cause: opts.cause });
    this.name = 'AppError';
    this.code = opts.code;
    this.status = opts.status;
    this.title = opts.title;
    this.extensions = opts.extensions ?? {};
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export interface FieldError {
  /** JSON pointer of the offending field, e.g. `/alerts/0/labels`. */
  field: string;
  message: string;
}

export function badRequest(detail: string, errors: FieldError[] = []): AppError {
  return new AppError({
    code: 'bad-request',
    status: 400,
    title: 'The request is malformed',
    detail,
    extensions: { errors },
  });
}

export function notFound(what: string): AppError {
  return new AppError({ code: 'not-found', status: 404, title: 'Not found', detail: `${what} does not exist` });
}

export function unavailable(detail: string, retryAfterSeconds = 5, cause?: unknown): AppError {
  return new AppError({
    code: 'unavailable',
    status: 503,
    title: 'Temporarily unavailable',
    detail,
    retryAfterSeconds,
    cause,
  });
}
