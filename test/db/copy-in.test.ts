import { describe, expect, it } from 'vitest';
import { copyText, isCopyIn } from '../../engine/db/copy-in.ts';

describe('COPY text', () => {
  it('separates fields by tabs and rows by newlines, with null as \\N', () => {
    expect(copyText([['a', 1, true, null], ['b', 2.5, false, undefined]])).toBe('a\t1\tt\t\\N\nb\t2.5\tf\t\\N\n');
  });

  it('escapes backslash, tab, newline and carriage return, so a literal \\N stays text', () => {
    expect(copyText([['x\\N', 'a\tb', 'c\nd', 'e\rf']])).toBe('x\\\\N\ta\\tb\tc\\nd\te\\rf\n');
  });

  it('writes objects as JSON, its escapes escaped again', () => {
    expect(copyText([[{ note: 'a\tb "q"' }]])).toBe('{"note":"a\\\\tb \\\\"q\\\\""}\n');
  });

  it('refuses a number COPY cannot read back', () => {
    expect(() => copyText([[Number.NaN]])).toThrow(/finite/);
  });

  it('recognises only its own statement shape', () => {
    expect(isCopyIn('copy alerts (fingerprint, name) from stdin', ['x\n'])).toBe(true);
    expect(isCopyIn('copy alerts (fingerprint, name) from stdin', [])).toBe(false);
    expect(isCopyIn('copy alerts (fingerprint, name) from program', ['x\n'])).toBe(false);
    expect(isCopyIn('select 1; copy alerts (a) from stdin', ['x\n'])).toBe(false);
  });
});
