import { describe, expect, it } from 'vitest';
import { unstorableTextAt } from '../../engine/http/storable-text.ts';

describe('text the store cannot hold', () => {
  it('finds a NUL character or a lone surrogate in strings and keys, by JSON pointer', () => {
    expect(unstorableTextAt({ a: ['ok', { 'b/c~d': 'x\u0000' }] })).toBe('/a/1/b~1c~0d');
    expect(unstorableTextAt({ items: [{ name: 'half \ud800' }] })).toBe('/items/0/name');
    expect(unstorableTextAt({ ['k\u0000']: 1 })).toBe('/k\\u0000');
    expect(unstorableTextAt('\udc00')).toBe('/');
  });

  it('passes well-formed text, pairs and other values', () => {
    expect(unstorableTextAt({ emoji: '😀 ✓ ünïcödé', n: 1, t: true, z: null, list: [1, 'a'] })).toBeNull();
  });
});
