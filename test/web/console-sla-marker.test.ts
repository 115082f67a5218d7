/**
 * The board's SLA marker worked out against the clock (web/console/sla.js): time left to the
 * nearest target still owed, overdue once it passes even before any message says so, a
 * breach kept on record after acknowledgement, the escalation level; nothing without targets.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain browser module without types
import { duration, slaSummary } from '../../web/console/sla.js';

const T0 = Date.parse('2026-11-21T10:00:00Z');
const timer = (dueMs: number | null, outcome: 'met' | 'breached' | null = null) => ({
  dueAt: dueMs === null ? null : new Date(dueMs).toISOString(),
  targetMinutes: 5,
  outcome,
  settledAt: outcome ? new Date(dueMs ?? T0).toISOString() : null,
  overdue: outcome === 'breached',
});
const incident = (status: string, sla: unknown) => ({ status, sla });

describe('board SLA marker', () => {
  it('counts down to the nearest target still owed', () => {
    const inc = incident('open', { ack: timer(T0 + 5 * 60_000), resolve: timer(T0 + 60 * 60_000), escalationLevel: 0, escalations: [] });
    expect(slaSummary(inc, T0 + 60_000)).toMatchObject({ state: 'pending', text: 'ack in 4m' });
    // Acknowledged: the resolve target is the one left.
    expect(slaSummary({ ...inc, status: 'acknowledged' }, T0 + 60_000)).toMatchObject({ state: 'pending', text: 'resolve in 59m' });
  });

  it('turns overdue when the due time passes, before the breach message comes, and shows the escalation level', () => {
    const inc = incident('open', { ack: timer(T0 + 5 * 60_000), resolve: null, escalationLevel: 0, escalations: [] });
    expect(slaSummary(inc, T0 + 5 * 60_000 + 42_000)).toMatchObject({ state: 'breached', text: 'ack overdue 42s' });
    const escalated = incident('open', { ack: timer(T0 + 5 * 60_000, 'breached'), resolve: null, escalationLevel: 2, escalations: [] });
    expect(slaSummary(escalated, T0 + 17 * 60_000)).toMatchObject({ state: 'breached', text: 'ack overdue 12m · L2' });
  });

  it('keeps a breach on record once the incident is acknowledged, and says met or nothing otherwise', () => {
    const acked = incident('acknowledged', { ack: timer(T0, 'breached'), resolve: null, escalationLevel: 1, escalations: [] });
    expect(slaSummary(acked, T0 + 3_600_000)).toMatchObject({ state: 'breached', text: 'ack breached · L1' });
    expect(slaSummary(incident('resolved', { ack: timer(T0, 'met'), resolve: timer(T0, 'met'), escalationLevel: 0, escalations: [] }), T0)).toMatchObject({ state: 'met' });
    expect(slaSummary(incident('open', { ack: null, resolve: null, escalationLevel: 0, escalations: [] }), T0)).toMatchObject({ state: '' });
    expect(slaSummary({ status: 'open' }, T0)).toMatchObject({ state: '' });
  });

  it('writes durations short', () => {
    expect([duration(45_000), duration(12 * 60_000), duration(185 * 60_000)]).toEqual(['45s', '12m', '3h 05m']);
  });
});
