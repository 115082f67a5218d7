/**
 * The label limits for labels a normalizer builds itself (from a tag string, tags that
 * merge, fields added beside the sender's labels), where the schema cannot count them.
 * Over-limit input is refused with a 400 naming the field it came from: a label is never
 * dropped or truncated silently.
 */
import { badRequest } from '../../engine/errors/app-error.ts';
import type { IngestLimits } from './ingest-limits.ts';

/** Longest label name, as in the schemas' label maps. */
export const LABEL_NAME_MAX = 256;

export function checkLabelLimits(labels: Record<string, string>, limits: IngestLimits, field: string): Record<string, string> {
  const names = Object.keys(labels);
  if (names.length > limits.labelsPerAlert) {
    throw badRequest(`${field} yields ${names.length} labels; at most ${limits.labelsPerAlert} are allowed`, [
      { field, message: `must yield at most ${limits.labelsPerAlert} labels (got ${names.length})` },
    ]);
  }
  for (const name of names) {
    if (name.length === 0 || name.length > LABEL_NAME_MAX) {
      throw badRequest(`${field} yields a label name of ${name.length} characters`, [{ field, message: `label names must have 1 to ${LABEL_NAME_MAX} characters` }]);
    }
    const value = labels[name] ?? '';
    if (value.length > limits.labelValueLength) {
      throw badRequest(`${field} yields label "${name.slice(0, 64)}" of ${value.length} characters; at most ${limits.labelValueLength} are allowed`, [
        { field, message: `label "${name.slice(0, 64)}" must have at most ${limits.labelValueLength} characters` },
      ]);
    }
  }
  return labels;
}
