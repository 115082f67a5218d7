/**
 * textTokens reads ASCII text in one pass instead of through its regular expressions; the
 * tokens must be exactly those of the regular expressions (textTokensByRegex).
 */
import { describe, expect, it } from 'vitest';
import { textTokens, textTokensByRegex } from '../../../correlator/engine/text-tokens.ts';
import { SeededPrng } from '../../../bench/scenarios/seeded-prng.ts';

describe('textTokens', () => {
  it('splits camelCase, acronyms and snake_case, drops numbers and stop words', () => {
    expect(textTokens('HTTPServerErrorRate', 'p99 latency of the checkout_api is above 2s')).toEqual(['api', 'checkout', 'error', 'http', 'latency', 'p99', 'rate', 'server']);
  });

  it('gives the tokens of the regular expressions for any ASCII text', () => {
    const rng = new SeededPrng(11);
    const alphabet = 'aAbBcCzZxXyY0912 _-.:/=%"\t\n';
    const words = ['KubePodCrashLooping', 'HTTPServer', 'DBDown', 'the', 'of', 'ABCdef', 'aBCDe', 'x1Y', '9lives', 'IO', 'ioWait'];
    for (let n = 0; n < 5000; n++) {
      const part = (): string => {
        let s = '';
        const len = rng.int(0, 24);
        for (let i = 0; i < len; i++) s += rng.chance(0.15) ? rng.pick(words) : alphabet[rng.int(0, alphabet.length - 1)];
        return s;
      };
      const name = part();
      const summary = rng.chance(0.1) ? undefined : part();
      expect(textTokens(name, summary), JSON.stringify([name, summary])).toEqual(textTokensByRegex(name, summary));
    }
  });

  it('falls back to the regular expressions for other text', () => {
    // U+212A (Kelvin sign) lower-cases to an ASCII "k".
    expect(textTokens('Temp\u212Aelvin', 'ÜberLast on node')).toEqual(textTokensByRegex('Temp\u212Aelvin', 'ÜberLast on node'));
  });
});
