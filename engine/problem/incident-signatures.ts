/**
 * Signatures of stored incidents: their members' alert names and labels, mapped to items with
 * the current topology, through incidentSignature. A huge incident (an alert storm) is read up
 * to MEMBER_LIMIT distinct members, in link order: its signature is then that of its first
 * members, which is where its cause shows.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';
import { type IncidentSignature, type SignatureMember, incidentSignature } from './signature.ts';
import { type TopologySnapshot, itemsOf } from './topology-snapshot.ts';

const MEMBER_LIMIT = 1000;
const ID_CHUNK = 500;

/** The member alerts of each incident (name and labels, in link order), at most MEMBER_LIMIT each. */
export async function incidentMembers(db: Executor, incidentIds: readonly string[]): Promise<Map<string, Array<{ name: string; labels: Record<string, string> }>>> {
  const out = new Map<string, Array<{ name: string; labels: Record<string, string> }>>();
  const ids = [...new Set(incidentIds)];
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const chunk = ids.slice(i, i + ID_CHUNK);
    const result = await sql<{ incident_id: string; name: string; labels: Record<string, string> }>`
      select ids.id as incident_id, m.name, m.labels
      from (values ${sql.join(chunk.map((id) => sql`(${id})`))}) as ids(id)
      cross join lateral (
        select a.name, a.labels
        from incident_alerts ia join alerts a on a.fingerprint = ia.fingerprint
        where ia.incident_id = ids.id
        order by ia.linked_at, ia.fingerprint
        limit ${MEMBER_LIMIT}
      ) m`.execute(db);
    for (const r of result.rows) {
      const list = out.get(r.incident_id) ?? [];
      list.push({ name: r.name, labels: typeof r.labels === 'string' ? JSON.parse(r.labels) : r.labels });
      out.set(r.incident_id, list);
    }
  }
  return out;
}

/** Signature of each incident that exists and has members. */
export async function incidentSignatures(db: Executor, topology: TopologySnapshot, incidentIds: readonly string[]): Promise<Map<string, IncidentSignature>> {
  const members = await incidentMembers(db, incidentIds);
  const out = new Map<string, IncidentSignature>();
  for (const [id, list] of members) out.set(id, incidentSignature(list.map((m): SignatureMember => ({ ...m, items: itemsOf(topology, m.labels) }))));
  return out;
}
