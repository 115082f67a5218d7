/**
 * A stable identity for an alert whose source gives none: a hash of all its identifying
 * labels, sorted, never of the alert name alone (that would merge unrelated alerts).
 */
import { createHash } from 'node:crypto';

export function labelFingerprint(labels: Record<string, string>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) {
    h.update(k);
    h.update('\u0000');
    h.update(labels[k] ?? '');
    h.update('\u0001');
  }
  return h.digest('hex').slice(0, 16);
}
