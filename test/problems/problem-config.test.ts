/** The problem mining settings: defaults, the re-suggestion default following the threshold, bad values listed. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../engine/config/config.ts';

describe('problem config', () => {
  it('defaults to 3 occurrences in 30 days, re-suggestion after twice that, mining every 15 minutes', () => {
    expect(loadConfig({}).problems).toEqual({ minOccurrences: 3, windowDays: 30, resuggestAfter: 6, mineIntervalMinutes: 15 });
    expect(loadConfig({ PROBLEM_MIN_OCCURRENCES: '5' }).problems.resuggestAfter).toBe(10);
    expect(loadConfig({ PROBLEM_MIN_OCCURRENCES: '5', PROBLEM_RESUGGEST_OCCURRENCES: '2', PROBLEM_WINDOW_DAYS: '7', PROBLEM_MINE_INTERVAL_MINUTES: '60' }).problems).toEqual({
      minOccurrences: 5,
      windowDays: 7,
      resuggestAfter: 2,
      mineIntervalMinutes: 60,
    });
  });

  it('refuses bad values, every one listed', () => {
    try {
      loadConfig({ PROBLEM_MIN_OCCURRENCES: '1', PROBLEM_WINDOW_DAYS: 'month', PROBLEM_MINE_INTERVAL_MINUTES: '0' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PROBLEM_MIN_OCCURRENCES=1 is outside 2\.\.10000/);
      expect(problems).toMatch(/PROBLEM_WINDOW_DAYS="month" is not a whole number/);
      expect(problems).toMatch(/PROBLEM_MINE_INTERVAL_MINUTES=0 is outside 1\.\.1440/);
    }
  });
});
