/**
 * Incident signatures: the same recurring fault gets the same signature whatever the member
 * order, the replicas involved or how many of them fired; unrelated faults get different ones.
 */
import { describe, expect, it } from 'vitest';
import {
  type SignatureMember,
  commonParts,
  containsParts,
  incidentSignature,
  normalizeAlertName,
  signatureKey,
} from '../../engine/problem/signature.ts';

const DB_ITEM = { id: 'db:orders-db', kind: 'database', name: 'orders-db' };
const API_ITEM = { id: 'svc:orders-api', kind: 'service', name: 'orders-api' };

const m = (name: string, labels: Record<string, string>, items: SignatureMember['items'] = []): SignatureMember => ({ name, labels: { alertname: name, ...labels }, items });

describe('incidentSignature', () => {
  it('is the same for the same fault whatever the member order, replicas and repeats', () => {
    const monday = incidentSignature([
      m('ConnectionsExhausted', { service: 'orders-db', instance: '10.0.0.1:9187' }, [DB_ITEM]),
      m('HighErrorRate', { service: 'orders-api', pod: 'orders-api-7d9f-abcde' }, [API_ITEM]),
    ]);
    const friday = incidentSignature([
      m('HighErrorRate', { service: 'orders-api', pod: 'orders-api-7d9f-xyz12' }, [API_ITEM]),
      m('HighErrorRate', { service: 'orders-api', pod: 'orders-api-7d9f-qqqqq' }, [API_ITEM]),
      m('ConnectionsExhausted', { service: 'orders-db', instance: '10.0.0.2:9187' }, [DB_ITEM]),
    ]);
    expect(friday.key).toBe(monday.key);
    expect(friday.parts).toEqual(monday.parts);
    expect(monday.key).toMatch(/^sig1:[0-9a-f]{24}$/);
    expect(monday.parts).toEqual([
      { type: 'ConnectionsExhausted@database', where: 'db:orders-db' },
      { type: 'HighErrorRate@service', where: 'svc:orders-api' },
    ]);
    expect(monday.description).toBe('ConnectionsExhausted on orders-db (database) + HighErrorRate on orders-api (service)');
  });

  it('uses a service-like label when the alert maps to no item, and ignores volatile labels there too', () => {
    const a = incidentSignature([m('DiskFull', { job: 'node', instance: 'host-1:9100', severity: 'warning' })]);
    const b = incidentSignature([m('DiskFull', { job: 'node', instance: 'host-7:9100', severity: 'warning' })]);
    expect(a.key).toBe(b.key);
    expect(a.parts).toEqual([{ type: 'DiskFull', where: 'job=node' }]);
    expect(a.description).toBe('DiskFull on job=node');
    // `service` wins over `job`.
    expect(incidentSignature([m('DiskFull', { job: 'node', service: 'billing' })]).parts[0]!.where).toBe('service=billing');
    // Neither item nor service-like label: the type alone.
    expect(incidentSignature([m('Watchdog', { instance: 'x' })]).parts).toEqual([{ type: 'Watchdog', where: '' }]);
  });

  it('tells unrelated faults apart: another alert, another item, another service, another kind', () => {
    const base = incidentSignature([m('HighLatency', { service: 'checkout' })]).key;
    expect(incidentSignature([m('HighErrorRate', { service: 'checkout' })]).key).not.toBe(base);
    expect(incidentSignature([m('HighLatency', { service: 'search' })]).key).not.toBe(base);
    expect(incidentSignature([m('HighLatency', { service: 'checkout' }, [API_ITEM])]).key).not.toBe(base);
    const onDb = incidentSignature([m('HighLatency', {}, [{ ...API_ITEM, kind: 'database' }])]).key;
    expect(onDb).not.toBe(incidentSignature([m('HighLatency', {}, [API_ITEM])]).key);
    // A fault plus a second symptom is a different signature (it still contains the first: see containsParts).
    const two = incidentSignature([m('HighLatency', { service: 'checkout' }), m('PodRestarts', { service: 'checkout' })]);
    expect(two.key).not.toBe(base);
  });

  it('does not depend on the order of an alert\'s items', () => {
    const other = { id: 'host:h1', kind: 'host', name: 'h1' };
    const a = incidentSignature([m('NodeDown', {}, [other, { ...other, id: 'host:h0' }])]);
    const b = incidentSignature([m('NodeDown', {}, [{ ...other, id: 'host:h0' }, other])]);
    expect(a.key).toBe(b.key);
    expect(a.parts[0]).toEqual({ type: 'NodeDown@host', where: 'host:h0+host:h1' });
  });

  it('masks ids that change per occurrence in alert names, and collapses whitespace', () => {
    expect(normalizeAlertName('Job  3f2b1c0e-8a7d-4e6f-9b1a-2c3d4e5f6a7b failed')).toBe('Job <id> failed');
    expect(normalizeAlertName('Container 4f9a8b7c6d5e4f3a crashed')).toBe('Container <id> crashed');
    // Ordinary words and numbers stay (thresholds are part of a trigger's identity).
    expect(normalizeAlertName('Load average over 1.5 for 5m')).toBe('Load average over 1.5 for 5m');
    expect(normalizeAlertName('deadbeefcafe')).toBe('deadbeefcafe');
    const a = incidentSignature([m('Job 3f2b1c0e-8a7d-4e6f-9b1a-2c3d4e5f6a7b failed', { service: 'etl' })]);
    const b = incidentSignature([m('Job 11111111-2222-4333-8444-555555555555 failed', { service: 'etl' })]);
    expect(a.key).toBe(b.key);
  });

  it('keys a set of parts independently of order and duplicates', () => {
    const p = [
      { type: 'A', where: 'x' },
      { type: 'B', where: 'y' },
    ];
    expect(signatureKey(p)).toBe(signatureKey([p[1]!, p[0]!, p[1]!]));
    expect(incidentSignature([]).description).toBe('(no alerts)');
  });
});

describe('containsParts and commonParts', () => {
  const fault = incidentSignature([m('ConnectionsExhausted', {}, [DB_ITEM]), m('HighErrorRate', {}, [API_ITEM])]).parts;

  it('matches an incident that has every part of the problem, more allowed', () => {
    const bigger = incidentSignature([m('HighErrorRate', {}, [API_ITEM]), m('ConnectionsExhausted', {}, [DB_ITEM]), m('SlowQueries', {}, [DB_ITEM])]).parts;
    expect(containsParts(bigger, fault)).toBe(true);
    expect(containsParts(fault, fault)).toBe(true);
    expect(containsParts(fault.slice(0, 1), fault)).toBe(false);
    // Same alert types on another item do not match.
    const elsewhere = incidentSignature([m('ConnectionsExhausted', {}, [{ ...DB_ITEM, id: 'db:billing-db' }]), m('HighErrorRate', {}, [API_ITEM])]).parts;
    expect(containsParts(elsewhere, fault)).toBe(false);
    // A problem with no parts matches nothing.
    expect(containsParts(fault, [])).toBe(false);
  });

  it('finds what several incidents share', () => {
    const a = incidentSignature([m('X', { service: 's' }), m('Y', { service: 's' })]).parts;
    const b = incidentSignature([m('Y', { service: 's' }), m('Z', { service: 's' })]).parts;
    expect(commonParts([a, b])).toEqual([{ type: 'Y', where: 'service=s' }]);
    expect(commonParts([a, incidentSignature([m('Q', {})]).parts])).toEqual([]);
    expect(commonParts([])).toEqual([]);
  });
});
