/**
 * The signature of an incident: what kind of fault it was and where, normalized so that two
 * incidents of the same recurring fault get the same string and unrelated ones do not.
 *
 * Each member alert becomes one part:
 * - its type: the alert name (whitespace collapsed, volatile tokens such as UUIDs and long hex
 *   ids masked) and, when the alert maps to a topology item, that item's kind
 *   (`HighLatency@service`), as the correlation engine types alerts;
 * - its place: the ids of the topology items it maps to; without an item, the first
 *   service-like label it carries (`service=checkout`); without either, nothing (the type alone).
 *
 * Labels that differ between replicas of one thing (instance, pod, …) never enter a part, and
 * parts are deduplicated and sorted, so member order, member count per part, replica churn and
 * the times involved do not change the signature. The key is a hash of the sorted parts; the
 * parts themselves are kept so that "this incident contains that problem's fault" can be
 * checked (`containsParts`). Pure: no I/O, no clock.
 */
import { createHash } from 'node:crypto';

/** Service-like labels, most specific first (the correlator's grouping list, plus `component`). */
export const SERVICE_LIKE_LABELS = ['service', 'app', 'application', 'job', 'component'] as const;

/** What a member alert brings to the signature; items as the topology maps its labels. */
export interface SignatureMember {
  name: string;
  labels: Readonly<Record<string, string>>;
  items: ReadonlyArray<{ id: string; kind: string; name: string }>;
}

export interface SignaturePart {
  /** `Name@kind`, or the name alone when the alert maps to no item. */
  type: string;
  /** Item ids joined by `+`, or `label=value`, or '' when neither is known. */
  where: string;
}

export interface IncidentSignature {
  /** `sig1:` and 24 hex characters of SHA-256 over the sorted parts. */
  key: string;
  /** Sorted, distinct. */
  parts: SignaturePart[];
  /** In words: `HighLatency on checkout (service) + DiskFull on service=db`. */
  description: string;
}

/** Parts past this many are dropped (after sorting) from descriptions, not from the key. */
const DESCRIBED_PARTS = 6;

export function incidentSignature(members: readonly SignatureMember[]): IncidentSignature {
  const byKey = new Map<string, { part: SignaturePart; words: string }>();
  for (const m of members) {
    const { part, words } = partOf(m);
    const k = partKey(part);
    if (!byKey.has(k)) byKey.set(k, { part, words });
  }
  const sorted = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const parts = sorted.map(([, v]) => v.part);
  const words = sorted.map(([, v]) => v.words);
  return { key: signatureKey(parts), parts, description: describe(words) };
}

/** The key of a set of parts (sorted and deduplicated here, so any order gives the same key). */
export function signatureKey(parts: readonly SignaturePart[]): string {
  const canonical = [...new Set(parts.map(partKey))].sort();
  return `sig1:${createHash('sha256').update(canonical.join('\n')).digest('hex').slice(0, 24)}`;
}

/** Whether an incident's parts contain every one of `wanted` (an empty `wanted` matches nothing). */
export function containsParts(have: readonly SignaturePart[], wanted: readonly SignaturePart[]): boolean {
  if (wanted.length === 0) return false;
  const set = new Set(have.map(partKey));
  return wanted.every((p) => set.has(partKey(p)));
}

/** The parts every one of these signatures has (what a set of incidents shares), sorted. */
export function commonParts(signatures: ReadonlyArray<readonly SignaturePart[]>): SignaturePart[] {
  if (signatures.length === 0) return [];
  let common = new Map(signatures[0]!.map((p) => [partKey(p), p]));
  for (const s of signatures.slice(1)) {
    const keys = new Set(s.map(partKey));
    common = new Map([...common].filter(([k]) => keys.has(k)));
  }
  return [...common.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
}

export function describeParts(parts: readonly SignaturePart[]): string {
  return describe(parts.map((p) => (p.where === '' ? p.type : `${p.type} on ${p.where}`)));
}

/** The alert name with volatile tokens masked: ids that change per occurrence must not split a fault. */
export function normalizeAlertName(name: string): string {
  return name
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{12,}\b/gi, '<id>');
}

/** The part one member alert contributes. */
export function signaturePartOf(m: SignatureMember): SignaturePart {
  return partOf(m).part;
}

function partOf(m: SignatureMember): { part: SignaturePart; words: string } {
  const name = normalizeAlertName(m.name);
  const items = [...new Map(m.items.map((i) => [i.id, i])).values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (items.length > 0) {
    const type = `${name}@${items[0]!.kind}`;
    const where = items.map((i) => i.id).join('+');
    const names = items.map((i) => `${i.name || i.id} (${i.kind})`).join(', ');
    return { part: { type, where }, words: `${name} on ${names}` };
  }
  for (const label of SERVICE_LIKE_LABELS) {
    const v = m.labels[label];
    if (v !== undefined && v.trim() !== '') {
      const where = `${label}=${v.trim()}`;
      return { part: { type: name, where }, words: `${name} on ${where}` };
    }
  }
  return { part: { type: name, where: '' }, words: name };
}

function partKey(p: SignaturePart): string {
  return `${p.type}\u0000${p.where}`;
}

function describe(words: readonly string[]): string {
  if (words.length === 0) return '(no alerts)';
  const shown = words.slice(0, DESCRIBED_PARTS).join(' + ');
  return words.length > DESCRIBED_PARTS ? `${shown} + ${words.length - DESCRIBED_PARTS} more` : shown;
}
