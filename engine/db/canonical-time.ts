/**
 * An RFC 3339 time as the canonical ISO form (`2026-11-21T13:58:29.465Z`). Most senders
 * already send exactly that; those strings are returned as they are, skipping a Date
 * round trip on the ingest hot path.
 */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function canonicalTime(value: string): string {
  return CANONICAL.test(value) ? value : new Date(value).toISOString();
}
