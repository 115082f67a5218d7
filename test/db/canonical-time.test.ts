/** Times as the store and the API write them: one canonical ISO form. */
import { describe, expect, it } from 'vitest';
import { iso, isoOrNull } from '../../engine/db/executor.ts';

describe('iso', () => {
  it('returns a canonical string as it is and normalizes any other RFC 3339 form', () => {
    expect(iso('2026-11-21T13:58:29.465Z')).toBe('2026-11-21T13:58:29.465Z');
    expect(iso('2026-11-21T13:58:29Z')).toBe('2026-11-21T13:58:29.000Z');
    expect(iso('2026-11-21T14:58:29.465+01:00')).toBe('2026-11-21T13:58:29.465Z');
    expect(iso('2026-11-21T13:58:29.465123Z')).toBe('2026-11-21T13:58:29.465Z');
    expect(iso(new Date(Date.UTC(2026, 10, 21, 13, 58, 29, 465)))).toBe('2026-11-21T13:58:29.465Z');
    expect(isoOrNull(null)).toBeNull();
  });

  it('throws on a string that is no time', () => {
    expect(() => iso('yesterday-ish')).toThrow(RangeError);
  });
});
