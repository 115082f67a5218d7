/** Decided writes merged into one transaction (decided-write.ts): what each part keeps. */
import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../engine/alert/alert.ts';
import { type DecidedWrite, endsMerge, mergeDecided } from '../../correlator/live/decided-write.ts';

function write(over: Partial<DecidedWrite> = {}): DecidedWrite {
  return {
    now: '2026-11-22T10:00:00.000Z',
    alerts: { created: [], updated: [], events: [] },
    opened: [],
    changes: [],
    timeline: [],
    reopen: [],
    merged: [],
    resolved: [],
    touched: new Map(),
    rootCauses: new Map(),
    lessons: [],
    pruneLessons: false,
    ...over,
  };
}
const alert = (fingerprint: string, status: AlertRecord['status']) => ({ fingerprint, status }) as AlertRecord;

describe('mergeDecided', () => {
  it('keeps each alert’s latest state, every change in order, and the latest root-cause ranking', () => {
    const a = write({
      alerts: { created: [alert('x', 'firing')], updated: [alert('k', 'firing')], events: [] },
      timeline: [{ incidentId: 'i1', actor: 'correlator', kind: 'opened', detail: {} }],
      touched: new Map([['i1', { created: true, key: 'k1' }]]),
      rootCauses: new Map([['i1', ['first']]]),
    });
    const b = write({
      now: '2026-11-22T10:00:01.000Z',
      alerts: { created: [], updated: [alert('k', 'resolved'), alert('x', 'resolved')], events: [] },
      timeline: [{ incidentId: 'i2', actor: 'correlator', kind: 'opened', detail: {} }],
      touched: new Map([['i1', { created: false, key: 'k1' }], ['i2', { created: true, key: 'k2' }]]),
      rootCauses: new Map([['i1', ['second']]]),
      pruneLessons: true,
    });
    const m = mergeDecided([a, b]);
    expect(m.now).toBe(b.now);
    // Created by the first, updated by the second: inserted, then updated to its latest state.
    expect(m.alerts.created).toEqual([alert('x', 'firing')]);
    expect(m.alerts.updated).toEqual([alert('k', 'resolved'), alert('x', 'resolved')]);
    expect(m.timeline.map((e) => e.incidentId)).toEqual(['i1', 'i2']);
    expect([...m.touched]).toEqual([['i1', { created: true, key: 'k1' }], ['i2', { created: true, key: 'k2' }]]);
    expect(m.rootCauses.get('i1')).toEqual(['second']);
    expect(m.pruneLessons).toBe(true);
  });

  it('lets only the last write carry engine merges, reopens and resolves', () => {
    const resolving = write({ resolved: [{ id: 'i1', key: 'k1', at: '2026-11-22T10:00:00.000Z' }] });
    expect(endsMerge(resolving)).toBe(true);
    expect(endsMerge(write())).toBe(false);
    expect(mergeDecided([write(), resolving]).resolved).toEqual(resolving.resolved);
    expect(() => mergeDecided([resolving, write()])).toThrow(/only the last/);
    expect(() => mergeDecided([write({ reopen: ['i1'] }), write()])).toThrow(/only the last/);
  });
});
