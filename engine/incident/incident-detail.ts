/**
 * An incident for people to read, with its members a page at a time: an incident of a
 * storm can hold tens of thousands of alerts, and the detail must stay a bounded answer.
 * Members are in link order (linked_at, then fingerprint); a page ends with an opaque
 * cursor for the next one, null on the last. Read-only; the correlator never calls this.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';
import { badRequest } from '../errors/app-error.ts';
import type { Incident, IncidentMember } from './incident.ts';
import { IncidentRepository, MEMBER_COLUMNS, memberOf } from './incident-repository.ts';

export const MEMBER_PAGE_DEFAULT = 200;
export const MEMBER_PAGE_MAX = 1000;
/** Timeline entries in a detail at most (oldest first), as before paging. */
const TIMELINE_LIMIT = 500;

export interface MemberPage {
  members: IncidentMember[];
  /** Cursor of the next page; null when this page is the last. */
  next: string | null;
}

export type IncidentDetail = Incident & { memberCount: number; membersNext: string | null };

/** `limit` members after `cursor` (from the first when absent). 400 for a cursor this did not make. */
export async function memberPage(db: Executor, incidentId: string, limit: number, cursor?: string): Promise<MemberPage> {
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  let q = db
    .selectFrom('incident_alerts')
    .innerJoin('alerts', 'alerts.fingerprint', 'incident_alerts.fingerprint')
    .select(MEMBER_COLUMNS)
    // The exact stored time (microseconds) for the cursor: a JS Date would round it.
    .select(sql<string>`incident_alerts.linked_at::text`.as('linked_at_text'))
    .where('incident_alerts.incident_id', '=', incidentId);
  if (after) q = q.where(sql<boolean>`(incident_alerts.linked_at, incident_alerts.fingerprint) > (${after.at}::timestamptz, ${after.fingerprint})`);
  const rows = await q.orderBy('incident_alerts.linked_at').orderBy('incident_alerts.fingerprint').limit(limit + 1).execute();
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    members: page.map(memberOf),
    next: more && last ? encodeCursor({ at: last.linked_at_text, fingerprint: last.fingerprint }) : null,
  };
}

/** The incident with its first page of members (`limit` of them), root causes and timeline. */
export async function incidentDetail(db: Executor, id: string, limit: number = MEMBER_PAGE_DEFAULT, cursor?: string): Promise<IncidentDetail | undefined> {
  const incidents = new IncidentRepository(db);
  const summary = await incidents.getSummary(id);
  if (!summary) return undefined;
  const page = limit === 0 && cursor === undefined ? { members: [], next: summary.alertCount > 0 ? encodeCursor(START) : null } : await memberPage(db, id, limit, cursor);
  const extra = await db.selectFrom('incidents').select('root_causes').where('id', '=', id).executeTakeFirst();
  return {
    ...summary,
    members: page.members,
    memberCount: summary.alertCount,
    membersNext: page.next,
    rootCauses: (extra?.root_causes ?? []) as Incident['rootCauses'],
    timeline: await incidents.timeline(id, TIMELINE_LIMIT),
  };
}

interface Cursor {
  at: string;
  fingerprint: string;
}

/** Before every member: `-infinity` sorts first. */
const START: Cursor = { at: '-infinity', fingerprint: '' };

/** Postgres' text form of a timestamptz (as `::text` gives it), or -infinity. */
const CURSOR_TIME = /^(-infinity|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?)$/;

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.fingerprint])).toString('base64url');
}

function decodeCursor(s: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && CURSOR_TIME.test(v[0])) {
      return { at: v[0], fingerprint: v[1] };
    }
  } catch {
    // Falls through to the 400.
  }
  throw badRequest('the members cursor is not one this server gave out', [{ field: 'querystring/after', message: 'use membersNext or next from an earlier answer' }]);
}
