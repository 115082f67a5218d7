/**
 * Suppression predicates (label matchers, silences, maintenance windows, inhibition) and how
 * the engine uses them: a suppressed alert opens no incident and says which rule muted it.
 */
import { describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../../../correlator/engine/correlation-engine.ts';
import { findSuppression, type SuppressionRules } from '../../../correlator/engine/find-suppression.ts';
import { inhibitingRule, type InhibitRule } from '../../../correlator/engine/inhibit-rule.ts';
import { InhibitionIndex } from '../../../correlator/engine/inhibition-index.ts';
import { matchesLabels } from '../../../correlator/engine/label-matcher.ts';
import { activeMaintenance, isScheduledAt } from '../../../correlator/engine/maintenance-window.ts';
import { matchingSilence } from '../../../correlator/engine/silence.ts';
import { ItemMatcher } from '../../../engine/topology/item-matcher.ts';
import { TopologyGraph } from '../../../engine/topology/topology-graph.ts';
import { alert, SHOP, T0 } from './fixtures.ts';

describe('label matchers', () => {
  const labels = { alertname: 'HostDown', host: 'node-12', env: 'prod' };
  it('supports =, !=, =~ and !~ with anchored regexes and missing labels as empty', () => {
    expect(matchesLabels([{ name: 'host', op: '=', value: 'node-12' }], labels)).toBe(true);
    expect(matchesLabels([{ name: 'host', op: '!=', value: 'node-12' }], labels)).toBe(false);
    expect(matchesLabels([{ name: 'host', op: '=~', value: 'node-1\\d' }], labels)).toBe(true);
    expect(matchesLabels([{ name: 'host', op: '=~', value: 'node-1' }], labels)).toBe(false);
    expect(matchesLabels([{ name: 'host', op: '!~', value: 'db-.*' }], labels)).toBe(true);
    expect(matchesLabels([{ name: 'team', op: '=', value: '' }], labels)).toBe(true);
    expect(matchesLabels([{ name: 'team', op: '!=', value: '' }], labels)).toBe(false);
    expect(matchesLabels([], labels)).toBe(true);
  });
});

describe('silences', () => {
  const silence = { id: 's1', matchers: [{ name: 'env', op: '=' as const, value: 'staging' }], startsAtMs: 1000, endsAtMs: 2000 };
  it('match while active, by every matcher, and expire', () => {
    expect(matchingSilence([silence], { env: 'staging' }, 1500)?.id).toBe('s1');
    expect(matchingSilence([silence], { env: 'staging' }, 2000)).toBeNull();
    expect(matchingSilence([silence], { env: 'staging' }, 999)).toBeNull();
    expect(matchingSilence([silence], { env: 'prod' }, 1500)).toBeNull();
    expect(matchingSilence([{ ...silence, matchers: [] }], { env: 'staging' }, 1500)).toBeNull();
  });
});

describe('maintenance windows', () => {
  // 2024-05-04 is a Saturday.
  const sat = (h: number, m = 0) => Date.UTC(2024, 4, 4, h, m);
  it('cover one-off spells', () => {
    expect(isScheduledAt({ kind: 'once', startMs: 10, endMs: 20 }, 10)).toBe(true);
    expect(isScheduledAt({ kind: 'once', startMs: 10, endMs: 20 }, 20)).toBe(false);
  });
  it('recur weekly, across midnight and in a UTC offset', () => {
    const weekly = { kind: 'weekly' as const, days: [6], start: '23:00', durationMinutes: 120 };
    expect(isScheduledAt(weekly, sat(23, 30))).toBe(true);
    expect(isScheduledAt(weekly, sat(23, 30) + 3600_000)).toBe(true); // Sunday 00:30
    expect(isScheduledAt(weekly, sat(23, 30) + 2 * 3600_000)).toBe(false);
    expect(isScheduledAt(weekly, sat(23, 30) + 7 * 86400_000)).toBe(true);
    expect(isScheduledAt(weekly, sat(22, 59))).toBe(false);
    expect(isScheduledAt({ ...weekly, start: '02:00', durationMinutes: 60, utcOffsetMinutes: 120 }, sat(0, 30))).toBe(true);
    expect(isScheduledAt({ ...weekly, untilMs: sat(0) }, sat(23, 30))).toBe(false);
  });
  it('apply by item id or by label matchers, and to nothing when they name neither', () => {
    const schedule = { kind: 'once' as const, startMs: 0, endMs: 100 };
    const windows = [
      { id: 'empty', schedule },
      { id: 'by-item', itemIds: ['host:host-1'], schedule },
      { id: 'by-label', matchers: [{ name: 'service', op: '=' as const, value: 'search' }], schedule },
    ];
    expect(activeMaintenance(windows, { labels: {}, itemIds: ['host:host-1'] }, 50)?.id).toBe('by-item');
    expect(activeMaintenance(windows, { labels: { service: 'search' }, itemIds: [] }, 50)?.id).toBe('by-label');
    expect(activeMaintenance(windows, { labels: { service: 'web' }, itemIds: ['svc:web'] }, 50)).toBeNull();
    expect(activeMaintenance(windows, { labels: {}, itemIds: ['host:host-1'] }, 100)).toBeNull();
  });
});

describe('inhibition', () => {
  const rule: InhibitRule = {
    id: 'dc-down',
    sourceMatchers: [{ name: 'alertname', op: '=', value: 'DatacenterDown' }],
    targetMatchers: [{ name: 'severity', op: '=~', value: 'warning|critical' }],
    equal: ['dc'],
  };
  it('mutes targets with equal labels while a source fires', () => {
    const index = new InhibitionIndex([rule]);
    const target = { alertname: 'HostDown', severity: 'critical', dc: 'fra' };
    expect(inhibitingRule([rule], target, index)).toBeNull();
    index.add('src', { alertname: 'DatacenterDown', dc: 'fra' });
    expect(inhibitingRule([rule], target, index)?.id).toBe('dc-down');
    expect(inhibitingRule([rule], { ...target, dc: 'ams' }, index)).toBeNull();
    expect(inhibitingRule([rule], { ...target, severity: 'info' }, index)).toBeNull();
    index.remove('src');
    expect(inhibitingRule([rule], target, index)).toBeNull();
  });
  it('never lets an alert that matches both sides mute itself', () => {
    const both = { alertname: 'DatacenterDown', severity: 'critical', dc: 'fra' };
    const index = new InhibitionIndex([rule]);
    index.add('self', both);
    expect(inhibitingRule([rule], both, index)).toBeNull();
    index.add('other', { alertname: 'DatacenterDown', dc: 'fra' });
    expect(inhibitingRule([rule], both, index)?.id).toBe('dc-down');
  });
  it('reports the first matching rule in a fixed order: maintenance, silence, inhibition', () => {
    const rules: SuppressionRules = {
      maintenance: [{ id: 'mw', itemIds: ['svc:web'], schedule: { kind: 'once', startMs: 0, endMs: 10 } }],
      silences: [{ id: 'sil', matchers: [{ name: 'service', op: '=', value: 'web' }], startsAtMs: 0, endsAtMs: 10 }],
      inhibitRules: [],
    };
    const none = new InhibitionIndex([]);
    expect(findSuppression(rules, { labels: { service: 'web' }, itemIds: ['svc:web'] }, 5, none)?.kind).toBe('maintenance');
    expect(findSuppression(rules, { labels: { service: 'web' }, itemIds: [] }, 5, none)).toMatchObject({ kind: 'silence', ruleId: 'sil' });
    expect(findSuppression(rules, { labels: { service: 'web' }, itemIds: [] }, 10, none)).toBeNull();
  });
});

describe('suppression in the engine', () => {
  it('gives suppressed alerts no incident, names the rule, and keeps their later events out too', () => {
    const rules: SuppressionRules = {
      maintenance: [{ id: 'mw-1', itemIds: ['host:host-1'], comment: 'kernel patch', schedule: { kind: 'once', startMs: T0, endMs: T0 + 600_000 } }],
      silences: [],
      inhibitRules: [
        { id: 'db-down', sourceMatchers: [{ name: 'alertname', op: '=', value: 'DBDown' }], targetMatchers: [{ name: 'alertname', op: '=', value: 'SlowQueries' }], equal: ['db'] },
      ],
    };
    const e = new CorrelationEngine({ graph: new TopologyGraph(SHOP), matcher: new ItemMatcher(SHOP.items), suppression: rules });
    const host = e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 10 }));
    expect(host).toMatchObject({ action: 'suppressed', incidentKey: null, suppressedBy: { kind: 'maintenance', ruleId: 'mw-1' } });
    expect(host.reason).toBe('in maintenance window mw-1 (kernel patch)');
    expect(e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 20, status: 'resolved', startedAt: 10 }))).toMatchObject({ action: 'suppressed', incidentKey: null });
    const db = e.decide(alert({ name: 'DBDown', labels: { db: 'billing-db' }, at: 30 }));
    expect(db.action).toBe('opened');
    const slow = e.decide(alert({ name: 'SlowQueries', labels: { db: 'billing-db' }, at: 40 }));
    expect(slow).toMatchObject({ action: 'suppressed', suppressedBy: { kind: 'inhibition', ruleId: 'db-down' } });
    e.decide(alert({ name: 'DBDown', labels: { db: 'billing-db' }, at: 50, status: 'resolved', startedAt: 30 }));
    // The source resolved: a new SlowQueries episode is no longer muted.
    e.decide(alert({ name: 'SlowQueries', labels: { db: 'billing-db' }, at: 55, status: 'resolved', startedAt: 40 }));
    expect(e.decide(alert({ name: 'SlowQueries', labels: { db: 'billing-db' }, at: 60 })).action).not.toBe('suppressed');
    // After the window, host-1 alerts correlate again.
    expect(e.decide(alert({ name: 'HostDown', labels: { host: 'host-1' }, at: 700 })).action).toBe('opened');
  });
});
