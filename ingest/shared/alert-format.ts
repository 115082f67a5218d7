/**
 * One alert source format: how its body is validated, how it maps into domain alert
 * events, and what the sender expects back. Each format is a value of this type in its
 * own folder; `alertWebhookRoutes` serves every one of them the same way.
 */
import type { TSchema } from '@sinclair/typebox';
import type { AlertEvent } from '../../engine/alert/alert.ts';
import type { IngestLimits } from './ingest-limits.ts';

export interface NormalizeContext {
  /** When the request arrived, ISO 8601: the event time of sources that send none. */
  receivedAt: string;
  /** Query parameters of the request (some senders can only configure a URL). */
  query: Record<string, string | undefined>;
  /** The configured limits, for what a schema cannot count (labels built from a tag string). */
  limits: IngestLimits;
}

export interface AlertFormat<Body = any> {
  /** Path segment and `source` of the events: POST /api/v1/webhooks/<source>. */
  source: string;
  /** Further full paths served by the same handler, e.g. `/api/v1/alerts` for our own format. */
  aliases?: string[];
  /** The body schema, built from the configured limits. Vendor formats tolerate unknown fields. */
  schema(limits: IngestLimits): TSchema;
  /** Maps a valid body to events. May throw AppError (badRequest) for what a schema cannot say. */
  normalize(body: Body, ctx: NormalizeContext): AlertEvent[];
  /** The body of the 202 reply, where the sender expects a particular one. */
  reply?(events: AlertEvent[], batchId: string): Record<string, unknown>;
}
