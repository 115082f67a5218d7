/**
 * Known errors meet new incidents. A problem in `known_error` with a workaround is attached to
 * every incident whose signature contains all of the problem's signature parts (the same alert
 * types on the same items or services; the incident may have more). A problem with no parts
 * (a manual problem whose incidents share nothing) never matches.
 *
 * Attaching links the incident (how 'known-error'), adds a timeline entry, and appends a
 * `problem.attached` message to the stream log, in one transaction; the caller publishes the
 * returned messages on the bus after commit. Linking is idempotent (the link's key), so an
 * incident is attached once however many updates, processes or sweeps see it.
 */
import type { Kysely } from 'kysely';
import type { ProblemAttachedMessage } from '../bus/events.ts';
import type { DB } from '../db/tables.ts';
import { IncidentRepository } from '../incident/incident-repository.ts';
import { StreamRepository } from '../stream/stream-repository.ts';
import { incidentSignatures } from './incident-signatures.ts';
import { type KnownErrorRef, ProblemRepository } from './problem-repository.ts';
import { containsParts } from './signature.ts';
import type { TopologySnapshots } from './topology-snapshot.ts';

export const KNOWN_ERROR_MATCHER = 'known-error-matcher';

export interface AttachOptions {
  db: Kysely<DB>;
  topology: TopologySnapshots;
  incidentIds: readonly string[];
  /** Only this known error (after it became one); every known error when absent. */
  problemId?: string;
  now?: () => number;
}

/** Attaches matching known errors to these incidents; returns the messages to publish. */
export async function attachKnownErrors(opts: AttachOptions): Promise<ProblemAttachedMessage[]> {
  let known = await new ProblemRepository(opts.db).knownErrors();
  if (opts.problemId !== undefined) known = known.filter((k) => k.id === opts.problemId);
  if (known.length === 0 || opts.incidentIds.length === 0) return [];
  const snapshot = await opts.topology.current(opts.db);
  const signatures = await incidentSignatures(opts.db, snapshot, opts.incidentIds);
  const messages: ProblemAttachedMessage[] = [];
  for (const [incidentId, signature] of signatures) {
    const matching = known.filter((k) => containsParts(signature.parts, k.signatureParts));
    for (const k of matching) {
      const m = await attachOne(opts.db, k, incidentId, new Date((opts.now ?? Date.now)()).toISOString());
      if (m) messages.push(m);
    }
  }
  return messages;
}

/** Incidents still active (open or acknowledged), for a sweep after a missed bus message or a new known error. */
export async function activeIncidentIds(db: Kysely<DB>, limit = 5000): Promise<string[]> {
  const rows = await db.selectFrom('incidents').select('id').where('status', 'in', ['open', 'acknowledged']).orderBy('last_event_at', 'desc').limit(limit).execute();
  return rows.map((r) => r.id);
}

async function attachOne(db: Kysely<DB>, k: KnownErrorRef, incidentId: string, now: string): Promise<ProblemAttachedMessage | undefined> {
  return db.transaction().execute(async (trx) => {
    const problems = new ProblemRepository(trx);
    // The problem may have left known_error since the list was read: check under its lock.
    const current = await problems.lock(k.id);
    if (current?.status !== 'known_error' || current.workaround === null) return undefined;
    const linked = await problems.link(k.id, [incidentId], 'known-error', now);
    if (linked.length === 0) return undefined;
    await problems.addTimeline(k.id, { who: KNOWN_ERROR_MATCHER, action: 'attached', at: now, detail: { incidentId } });
    await trx.updateTable('problems').set({ updated_at: now }).where('id', '=', k.id).execute();
    const incident = await new IncidentRepository(trx).getSummary(incidentId);
    if (!incident) return undefined;
    const message = await new StreamRepository(trx).append({
      type: 'problem.attached',
      problemId: k.id,
      title: k.title,
      workaround: current.workaround,
      incidentId,
      incident,
    });
    return message as ProblemAttachedMessage;
  });
}
