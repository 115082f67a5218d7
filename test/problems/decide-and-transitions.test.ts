/**
 * The pure rules: what the miner does with a recurring signature, and the workflow's
 * transition table.
 */
import { describe, expect, it } from 'vitest';
import { decideProblem } from '../../correlator/problems/decide-problem.ts';
import { allowedActions, checkTransition } from '../../engine/problem/problem-workflow.ts';

const DAY = 86_400_000;
const inc = (id: string, day: number) => ({ id, startedAtMs: day * DAY });
const opts = { minOccurrences: 3, resuggestAfter: 6 };

describe('decideProblem', () => {
  it('suggests a problem at the threshold, not below', () => {
    expect(decideProblem([inc('a', 1), inc('b', 2)], null, null, opts)).toMatchObject({ action: 'none' });
    expect(decideProblem([inc('c', 3), inc('a', 1), inc('b', 2)], null, null, opts)).toEqual({ action: 'create', incidentIds: ['a', 'b', 'c'] });
  });

  it('does not count again the incidents of a problem resolved since', () => {
    const four = [inc('a', 1), inc('b', 2), inc('c', 3), inc('d', 5)];
    expect(decideProblem(four, null, 4 * DAY, opts)).toMatchObject({ action: 'none' });
    expect(decideProblem([...four, inc('e', 6), inc('f', 7)], null, 4 * DAY, opts)).toEqual({ action: 'create', incidentIds: ['d', 'e', 'f'] });
  });

  it('links only incidents not yet linked to the problem that holds the signature', () => {
    const current = { id: 'p', status: 'investigating' as const, rejectedAtMs: null, linked: new Set(['a', 'b']) };
    expect(decideProblem([inc('a', 1), inc('b', 2)], current, null, opts)).toMatchObject({ action: 'none' });
    expect(decideProblem([inc('a', 1), inc('b', 2), inc('c', 3)], current, null, opts)).toEqual({ action: 'link', problemId: 'p', incidentIds: ['c'] });
  });

  it('keeps a rejected suggestion down until it recurred resuggestAfter times after the rejection', () => {
    const rejected = { id: 'p', status: 'rejected' as const, rejectedAtMs: 3.5 * DAY, linked: new Set(['a', 'b', 'c']) };
    const before = [inc('a', 1), inc('b', 2), inc('c', 3)];
    const after = (n: number) => Array.from({ length: n }, (_, i) => inc(`n${i}`, 4 + i));
    expect(decideProblem([...before, ...after(5)], rejected, null, opts)).toMatchObject({ action: 'none', reason: expect.stringMatching(/5 of 6/) });
    const back = decideProblem([...before, ...after(6)], rejected, null, opts);
    expect(back).toMatchObject({ action: 'resuggest', problemId: 'p', sinceRejection: 6 });
    expect(back.action === 'resuggest' && back.incidentIds).toHaveLength(6);
  });
});

describe('the transition table', () => {
  it('lets a suggestion only be accepted or rejected (and annotated, linked)', () => {
    expect(allowedActions('new', true)).toEqual(['accept', 'reject', 'notes', 'link', 'unlink']);
    expect(checkTransition('accept', 'new', true)).toEqual({ ok: true, to: 'investigating' });
    const early = checkTransition('known-error', 'new', true);
    expect(early.ok).toBe(false);
    expect(!early.ok && early.reason).toMatch(/accept or reject it/);
  });

  it('walks new → investigating → known error → resolved, and reopens', () => {
    expect(allowedActions('new', false)).toEqual(['reject', 'investigate', 'known-error', 'resolve', 'notes', 'link', 'unlink']);
    expect(checkTransition('investigate', 'new', false)).toEqual({ ok: true, to: 'investigating' });
    expect(checkTransition('known-error', 'investigating', false)).toEqual({ ok: true, to: 'known_error' });
    expect(checkTransition('known-error', 'known_error', false)).toEqual({ ok: true, to: 'known_error' });
    expect(checkTransition('resolve', 'known_error', false)).toEqual({ ok: true, to: 'resolved' });
    expect(checkTransition('investigate', 'resolved', false)).toEqual({ ok: true, to: 'investigating' });
    expect(allowedActions('rejected', false)).toEqual(['notes']);
    expect(allowedActions('resolved', false)).toEqual(['investigate', 'notes']);
    const bad = checkTransition('resolve', 'rejected', false);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.allowedFrom).toEqual(['new (not a pending suggestion)', 'investigating', 'known_error']);
  });
});
