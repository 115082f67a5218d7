/**
 * Reading incidents and alerts, permission `incident:read`:
 *
 *   GET /api/v1/incidents?status=&severity=&q=&assignee=&sort=&total=&seq=&limit=&offset=
 *   GET /api/v1/incidents/:id?members=&after=  the first `members` members (default 200, at most 1000;
 *                                             with link reasons, score figures and the topology items their
 *                                             labels map to), `memberCount`, `membersNext` (cursor or null),
 *                                             root causes, timeline, SLA state
 *   GET /api/v1/incidents/:id/members?limit=&after=   a page of members: { items, next, topologyItems }
 *   GET /api/v1/incidents/:id/problems        the problems it is linked to
 *   GET /api/v1/incidents/:id/changes         changes to its services shortly before and during it
 *   GET /api/v1/alerts?status=&limit=&offset=
 *
 * Every incident in a list or detail carries `sla` (engine/sla/sla-state.ts): due times, breaches, escalations.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AlertRepository } from '../engine/alert/alert-repository.ts';
import type { Database } from '../engine/db/database.ts';
import { badRequest, notFound } from '../engine/errors/app-error.ts';
import { stringEnum } from '../engine/http/string-enum.ts';
import { ChangeRepository } from '../engine/change/change-repository.ts';
import type { IncidentMember, IncidentStatus } from '../engine/incident/incident.ts';
import { MEMBER_PAGE_DEFAULT, MEMBER_PAGE_MAX, incidentDetail, memberPage } from '../engine/incident/incident-detail.ts';
import { INCIDENT_SORTS, type IncidentFilter, IncidentRepository } from '../engine/incident/incident-repository.ts';
import { SEVERITY_LEVELS } from '../engine/incident/severity.ts';
import { ProblemRepository } from '../engine/problem/problem-repository.ts';
import { NO_SLA, slaStates } from '../engine/sla/sla-state.ts';
import { StreamRepository } from '../engine/stream/stream-repository.ts';
import type { TopologySnapshots } from '../engine/problem/topology-snapshot.ts';
import { requirePermission } from './access-plugin.ts';

const STATUSES: IncidentStatus[] = ['open', 'acknowledged', 'resolved', 'closed'];

const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ description: 'comma-separated: open,acknowledged,resolved,closed' })),
    severity: Type.Optional(Type.String({ description: `comma-separated levels: ${SEVERITY_LEVELS.join(',')}` })),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'case-insensitive part of the title or the group key (the service)' })),
    assignee: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the owner, exactly; `-` for incidents nobody owns' })),
    sort: Type.Optional(stringEnum(INCIDENT_SORTS, 'last_event (default), severity, started (newest first) or alerts; ties by latest activity')),
    total: Type.Boolean({ default: false, description: 'also count every matching incident' }),
    seq: Type.Boolean({ default: false, description: 'also give the stream sequence number the list is at least as new as: resume the websocket with ?since= it' }),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);
const AlertQuery = Type.Object(
  {
    status: Type.Optional(stringEnum(['firing', 'resolved'])),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Cursor = Type.String({ minLength: 1, maxLength: 400, description: 'membersNext (or next) of an earlier answer' });
const DetailQuery = Type.Object(
  {
    members: Type.Integer({ minimum: 0, maximum: MEMBER_PAGE_MAX, default: MEMBER_PAGE_DEFAULT, description: 'members in this answer; the rest through membersNext' }),
    after: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
const MembersQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: MEMBER_PAGE_MAX, default: MEMBER_PAGE_DEFAULT }),
    after: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

/** How far before an incident's start a change still counts as related. */
const CHANGE_LOOKBACK_MS = 24 * 3_600_000;

export interface IncidentRoutesOptions {
  database: Database;
  /** The topology, to name the items members map to; shared with other route groups. */
  topology: TopologySnapshots;
}

export const incidentRoutes: FastifyPluginAsync<IncidentRoutesOptions> = async (app, { database, topology }) => {
  app.addHook('onRequest', requirePermission('incident:read'));

  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/v1/incidents', { schema: { querystring: ListQuery } }, async (request) => {
    const { limit, offset, sort, total } = request.query;
    // Read before the list: every message up to it is in the list, later ones come on the stream.
    const seq = request.query.seq ? await new StreamRepository(database.db).lastSeq() : undefined;
    const filter: IncidentFilter = {
      ...(request.query.status !== undefined ? { statuses: parseStatuses(request.query.status) ?? [] } : {}),
      ...(request.query.severity !== undefined ? { severities: parseList(request.query.severity, SEVERITY_LEVELS, 'severity') ?? [] } : {}),
      ...(request.query.q !== undefined ? { text: request.query.q.trim() } : {}),
      ...(request.query.assignee !== undefined ? { assignee: request.query.assignee === '-' ? null : request.query.assignee } : {}),
    };
    const incidents = new IncidentRepository(database.db);
    const page = await incidents.list({ ...filter, ...(sort ? { sort } : {}), limit, offset });
    const sla = await slaStates(database.db, page.map((i) => i.id));
    const items = page.map((i) => ({ ...i, sla: sla.get(i.id) ?? NO_SLA }));
    const count = total ? (offset === 0 && items.length < limit ? items.length : await incidents.count(filter)) : undefined;
    return { items, limit, offset, ...(count !== undefined ? { total: count } : {}), ...(seq !== undefined ? { seq } : {}) };
  });

  /** Members with the topology items their labels map to, and those items' names. */
  const withItems = async (page: IncidentMember[]) => {
    const snapshot = await topology.current(database.db);
    const named = new Map<string, { name: string; kind: string }>();
    const members = page.map((m) => {
      const itemIds = snapshot.matcher?.match(m.labels) ?? [];
      for (const id of itemIds) {
        const item = snapshot.items.get(id);
        if (item && !named.has(id)) named.set(id, { name: item.name, kind: item.kind });
      }
      return { ...m, itemIds };
    });
    return { members, items: Object.fromEntries(named) };
  };

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof DetailQuery> }>(
    '/api/v1/incidents/:id',
    { schema: { params: IdParams, querystring: DetailQuery } },
    async (request) => {
      const incident = await incidentDetail(database.db, request.params.id, request.query.members, request.query.after);
      if (!incident) throw notFound(`incident ${request.params.id}`);
      const sla = (await slaStates(database.db, [incident.id])).get(incident.id) ?? NO_SLA;
      return { ...incident, ...(await withItems(incident.members)), sla };
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof MembersQuery> }>(
    '/api/v1/incidents/:id/members',
    { schema: { params: IdParams, querystring: MembersQuery } },
    async (request) => {
      if (!(await new IncidentRepository(database.db).getSummary(request.params.id))) throw notFound(`incident ${request.params.id}`);
      const page = await memberPage(database.db, request.params.id, request.query.limit, request.query.after);
      const { members, items } = await withItems(page.members);
      return { items: members, next: page.next, topologyItems: items };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>('/api/v1/incidents/:id/problems', { schema: { params: IdParams } }, async (request) => {
    if (!(await new IncidentRepository(database.db).getSummary(request.params.id))) throw notFound(`incident ${request.params.id}`);
    return { items: await new ProblemRepository(database.db).ofIncident(request.params.id) };
  });

  app.get<{ Params: Static<typeof IdParams> }>('/api/v1/incidents/:id/changes', { schema: { params: IdParams } }, async (request) => {
    const incident = await new IncidentRepository(database.db).getSummary(request.params.id);
    if (!incident) throw notFound(`incident ${request.params.id}`);
    const services = servicesOf(incident.groupKey, (await memberPage(database.db, incident.id, 1000)).members);
    const from = new Date(Date.parse(incident.startedAt) - CHANGE_LOOKBACK_MS).toISOString();
    const to = incident.resolvedAt ?? new Date(Math.max(Date.now(), Date.parse(incident.lastEventAt))).toISOString();
    const items = await new ChangeRepository(database.db).near({ services, from, to, limit: 50 });
    return { items, services, from, to };
  });

  app.get<{ Querystring: Static<typeof AlertQuery> }>('/api/v1/alerts', { schema: { querystring: AlertQuery } }, async (request) => {
    const { status, limit, offset } = request.query;
    const items = await new AlertRepository(database.db).list({ ...(status ? { status } : {}), limit, offset });
    return { items, limit, offset };
  });
};

/** The services an incident touches: its group key's value and its members' service-like labels. */
function servicesOf(groupKey: string, members: IncidentMember[]): string[] {
  const out = new Set<string>();
  const [key, ...rest] = groupKey.split('=');
  if (rest.length > 0 && key !== '') out.add(rest.join('='));
  for (const m of members) {
    const s = m.labels.service ?? m.labels.app ?? m.labels.application;
    if (s) out.add(s);
    if (out.size >= 50) break;
  }
  return [...out];
}

function parseList<T extends string>(value: string, allowed: readonly T[], field: string): T[] | undefined {
  if (value === '') return undefined;
  const list = value.split(',').map((s) => s.trim());
  const bad = list.filter((s) => !(allowed as readonly string[]).includes(s));
  if (bad.length > 0) {
    throw badRequest(`unknown ${field} ${bad.join(', ')}; use ${allowed.join(', ')}`, [{ field: `querystring/${field}`, message: `must be among ${allowed.join(', ')}` }]);
  }
  return list as T[];
}

function parseStatuses(value: string | undefined): IncidentStatus[] | undefined {
  if (value === undefined || value === '') return undefined;
  const list = value.split(',').map((s) => s.trim());
  const bad = list.filter((s) => !(STATUSES as string[]).includes(s));
  if (bad.length > 0) {
    throw badRequest(`unknown status ${bad.join(', ')}; use ${STATUSES.join(', ')}`, [{ field: 'querystring/status', message: `must be among ${STATUSES.join(', ')}` }]);
  }
  return list as IncidentStatus[];
}
