/**
 * The pool of shared short strings (label pairs, text tokens) gives back equal values and stays
 * bounded whatever the stream of distinct values.
 */
import { describe, expect, it } from 'vitest';
import { SHARED_STRINGS_LIMIT, shared, sharedStringCount } from '../../../correlator/engine/shared-strings.ts';
import { labelPairs } from '../../../correlator/engine/label-pairs.ts';
import { textTokens } from '../../../correlator/engine/text-tokens.ts';

describe('shared strings', () => {
  it('returns the value it was given, and holds it once', () => {
    const before = sharedStringCount();
    const a = shared(['pool', 'test', 'value'].join('-'));
    const b = shared(['pool', 'test', 'value'].join('-'));
    expect(a).toBe('pool-test-value');
    expect(b).toBe('pool-test-value');
    expect(sharedStringCount()).toBe(before + 1);
  });

  it('never holds more than its limit', () => {
    for (let i = 0; i <= SHARED_STRINGS_LIMIT + 10; i++) shared(`one-off-${i}`);
    expect(sharedStringCount()).toBeLessThanOrEqual(SHARED_STRINGS_LIMIT);
    expect(sharedStringCount()).toBeGreaterThan(0);
  });

  it('label pairs and tokens read the same through it', () => {
    expect(labelPairs({ alertname: 'X', service: 'orders', severity: 'warning', instance: 'h1' }, new Set(['instance']))).toEqual(['service=orders', 'severity=warning']);
    expect(textTokens('HighLatency', 'latency of orders over 2s')).toEqual(['high', 'latency', 'orders']);
  });
});
