/**
 * The content id of a change: a hash of everything the sender said about it except its
 * arrival, within a scope (the sender's integration), so a redelivery is the same change.
 * Keys are sorted, so the same content serialized in another order has the same id.
 */
import { createHash } from 'node:crypto';
import type { Change } from './change.ts';

export function changeId(c: Omit<Change, 'id' | 'receivedAt'>, scope: string): string {
  return createHash('sha256').update(scope).update('\u0000').update(stableJson({ ...c, timestamp: new Date(c.timestamp).toISOString() })).digest('hex').slice(0, 32);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
