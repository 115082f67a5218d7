/**
 * Grouping metrics on examples small enough to check by hand.
 */
import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, compression, pairwiseScores, scoreGrouping } from '../../../bench/scenarios/metrics.ts';
import { alert } from './fixtures.ts';

describe('pairwise precision, recall, F1', () => {
  it('counts pairs of alerts', () => {
    // truth {1,2,3} {4,5}; predicted {1,2} {3,4,5}: true pairs 3+1=4, predicted 1+3=4, common (1,2),(4,5) = 2.
    const s = pairwiseScores(['a', 'a', 'a', 'b', 'b'], ['x', 'x', 'y', 'y', 'y']);
    expect(s).toMatchObject({ truePairs: 4, predictedPairs: 4, commonPairs: 2, precision: 0.5, recall: 0.5, f1: 0.5 });
  });
  it('treats no predicted pairs as vacuous precision and no true pairs as full recall', () => {
    expect(pairwiseScores(['a', 'a'], ['x', 'y'])).toMatchObject({ precision: 1, recall: 0, f1: 0 });
    expect(pairwiseScores(['a', 'b'], ['x', 'x'])).toMatchObject({ precision: 0, recall: 1 });
    expect(pairwiseScores(['a', 'a', 'b'], ['y', 'y', 'z']).f1).toBe(1);
  });
});

describe('adjusted Rand index', () => {
  it('is 1 for identical partitions, whatever the labels', () => {
    expect(adjustedRandIndex(['a', 'a', 'b', 'b'], ['q', 'q', 'r', 'r'])).toBe(1);
  });
  it('matches a hand computation', () => {
    // n=6; truth {3,3}; pred {2,2,2}: contingency [[2,1,0],[0,1,2]] → Σ C(nij,2) = 1+1 = 2;
    // Σ C(ai,2) = 6, Σ C(bj,2) = 3, C(6,2) = 15; expected = 18/15 = 1.2; max = 4.5.
    // ARI = (2 − 1.2) / (4.5 − 1.2) = 0.2424…
    expect(adjustedRandIndex(['a', 'a', 'a', 'b', 'b', 'b'], ['x', 'x', 'y', 'y', 'z', 'z'])).toBeCloseTo(0.8 / 3.3, 10);
  });
  it('is below zero for anti-correlated groupings', () => {
    expect(adjustedRandIndex(['a', 'a', 'b', 'b'], ['x', 'y', 'x', 'y'])).toBeLessThan(0);
  });
});

describe('compression', () => {
  it('is 1 − incidents / alerts', () => {
    expect(compression(['x', 'x', 'x', 'y'])).toBe(0.5);
    expect(compression([])).toBe(0);
  });
});

describe('scoreGrouping', () => {
  it('scores alert episodes, takes the first firing delivery of each, and scores suppression apart', () => {
    const a = alert({ name: 'A', labels: { service: 'web' }, at: 0 });
    const aResolved = alert({ name: 'A', labels: { service: 'web' }, at: 60, status: 'resolved', startedAt: 0 });
    const aAgain = alert({ name: 'A', labels: { service: 'web' }, at: 120 });
    const b = alert({ name: 'B', labels: { service: 'web' }, at: 10 });
    const m = alert({ name: 'M', labels: { host: 'h' }, at: 10 });
    const n = alert({ name: 'N', labels: { host: 'h' }, at: 10 });
    const events = [a, { ...a }, b, aResolved, aAgain, m, n];
    const truth = ['f1', 'f1', 'f1', 'f1', 'f1', null, null];
    // The duplicate of a got another key (ignored: first delivery counts); the second episode of A
    // is a unit of its own; m is suppressed as expected, n is not.
    const keys = ['i1', 'i9', 'i1', 'i1', 'i2', null, 'i3'];
    const s = scoreGrouping(events, truth, keys);
    expect(s).toMatchObject({ alerts: 3, trueIncidents: 1, incidents: 2, expectedSuppressed: 2, suppressed: 1, suppressionPrecision: 1, suppressionRecall: 0.5 });
    // pairs: true 3 (a,b,a2), predicted 1 (a,b) → P 1, R 1/3.
    expect(s.precision).toBe(1);
    expect(s.recall).toBeCloseTo(1 / 3);
    expect(s.compression).toBeCloseTo(1 / 3);
    expect(s.trueCompression).toBeCloseTo(2 / 3);
  });
  it('counts a wrongly suppressed alert as an incident of its own', () => {
    const events = [alert({ name: 'A', labels: {}, at: 0 }), alert({ name: 'B', labels: {}, at: 0 })];
    const s = scoreGrouping(events, ['f', 'f'], [null, null]);
    expect(s).toMatchObject({ incidents: 2, recall: 0, suppressionPrecision: 0, suppressionRecall: null });
  });
});
