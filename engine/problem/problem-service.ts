/**
 * The problem workflow over the store: filing a problem from incidents, and every action of the
 * transition table (problem-workflow.ts), each in one transaction under the problem's row lock,
 * each leaving a timeline entry with who and when. Errors are AppErrors a route can render:
 * 404 unknown problem or incident, 409 an action the current state does not allow (or a
 * signature another open mined problem holds), 400 a known error without a workaround.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ProblemAttachedMessage } from '../bus/events.ts';
import type { DB } from '../db/tables.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import { incidentSignatures } from './incident-signatures.ts';
import { activeIncidentIds, attachKnownErrors } from './known-error-matcher.ts';
import type { Problem, ProblemStatus } from './problem.ts';
import { ProblemRepository, type ProblemChange } from './problem-repository.ts';
import { type ProblemAction, checkTransition } from './problem-workflow.ts';
import { commonParts, describeParts, signatureKey } from './signature.ts';
import type { TopologySnapshots } from './topology-snapshot.ts';

export interface ActionInput {
  who: string;
  /** A free comment for the timeline (accept, investigate, resolve) or the reason (reject). */
  note?: string;
  workaround?: string;
  rootCauseNotes?: string;
  incidentIds?: string[];
}

export interface ActionOutcome {
  problem: Problem;
  /** Incidents linked or unlinked by this action. */
  changed: string[];
  /** Known-error attachments made right away (to active incidents); publish them on the bus. */
  attached: ProblemAttachedMessage[];
}

const TITLE_LENGTH = 200;

export class ProblemService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly topology: TopologySnapshots,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A problem filed by a person from incidents. Its signature is what the incidents share
   * (their common parts); when they share nothing it gets a signature of its own and never
   * matches new incidents by itself.
   */
  async createManual(input: { who: string; incidentIds: string[]; title?: string; rootCauseNotes?: string }): Promise<Problem> {
    const ids = [...new Set(input.incidentIds)];
    await this.requireIncidents(ids);
    const snapshot = await this.topology.current(this.db);
    const signatures = await incidentSignatures(this.db, snapshot, ids);
    const parts = commonParts(ids.map((id) => signatures.get(id)?.parts ?? []));
    const id = randomUUID();
    const signature = parts.length > 0 ? signatureKey(parts) : `manual:${id}`;
    const description = parts.length > 0 ? describeParts(parts) : 'its incidents share no alert type on the same place';
    const now = this.iso();
    await this.db.transaction().execute(async (trx) => {
      const problems = new ProblemRepository(trx);
      await problems.create({
        id,
        signature,
        signatureParts: parts,
        description,
        title: (input.title ?? `Problem: ${description}`).slice(0, TITLE_LENGTH),
        status: 'new',
        suggested: false,
        origin: 'manual',
        rootCauseNotes: input.rootCauseNotes ?? null,
        now,
      });
      await problems.link(id, ids, 'manual', now);
      await problems.addTimeline(id, { who: input.who, action: 'created', to: 'new', at: now, detail: { incidentIds: ids } });
    });
    return (await new ProblemRepository(this.db).get(id))!;
  }

  async act(problemId: string, action: ProblemAction, input: ActionInput): Promise<ActionOutcome> {
    if (action === 'known-error' && (input.workaround === undefined || input.workaround.trim() === '')) {
      throw new AppError({
        code: 'workaround-required',
        status: 400,
        title: 'A known error needs a workaround',
        detail: 'send {"workaround": "…"}: what to do when this problem strikes until it is fixed',
        extensions: { errors: [{ field: 'body/workaround', message: 'is required and must not be blank' }] },
      });
    }
    if (action === 'link') await this.requireIncidents(input.incidentIds ?? []);
    const now = this.iso();
    let changed: string[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        const problems = new ProblemRepository(trx);
        const current = await problems.lock(problemId);
        if (!current) throw notFound(`problem ${problemId}`);
        const check = checkTransition(action, current.status, current.suggested);
        if (!check.ok) {
          throw new AppError({
            code: 'illegal-transition',
            status: 409,
            title: 'The problem is not in a state that allows this',
            detail: check.reason,
            extensions: { action, problemStatus: current.status, suggested: current.suggested, allowedFrom: check.allowedFrom },
          });
        }
        const to = check.to;
        const change: ProblemChange = {};
        const detail: Record<string, unknown> = {};
        if (input.note !== undefined) detail[action === 'reject' ? 'reason' : 'note'] = input.note;
        if (to !== current.status) change.status = to;
        if (action === 'accept' || action === 'reject' || action === 'resolve') change.suggested = false;
        if (action === 'reject') change.rejectedAt = now;
        if (to === 'resolved' && current.status !== 'resolved') change.resolvedAt = now;
        if (current.status === 'resolved' && to !== 'resolved') change.resolvedAt = null;
        if (action === 'known-error') {
          change.workaround = input.workaround!.trim();
          detail.workaround = change.workaround;
          if (current.workaround !== null && current.status === 'known_error') detail.previousWorkaround = current.workaround;
        }
        if (input.rootCauseNotes !== undefined && (action === 'notes' || action === 'known-error')) {
          change.rootCauseNotes = input.rootCauseNotes;
          detail.rootCauseNotes = input.rootCauseNotes;
        }
        if (action === 'link') {
          changed = await problems.link(problemId, input.incidentIds ?? [], 'manual', now);
          detail.incidentIds = changed;
        } else if (action === 'unlink') {
          changed = await problems.unlink(problemId, input.incidentIds ?? []);
          detail.incidentIds = changed;
        }
        await problems.update(problemId, change, now);
        await problems.addTimeline(problemId, { who: input.who, action, from: current.status as ProblemStatus, to, at: now, detail });
      });
    } catch (err) {
      // Reopening a resolved mined problem whose signature a newer suggestion already holds.
      if ((err as { code?: unknown }).code === '23505') {
        throw new AppError({
          code: 'signature-taken',
          status: 409,
          title: 'Another open problem holds this signature',
          detail: 'a newer mined problem with the same signature is open; work on that one instead',
        });
      }
      throw err;
    }
    let attached: ProblemAttachedMessage[] = [];
    if (action === 'known-error') {
      // Incidents already under way get the workaround now, not on their next update.
      attached = await attachKnownErrors({ db: this.db, topology: this.topology, incidentIds: await activeIncidentIds(this.db), problemId, now: this.now });
    }
    return { problem: (await new ProblemRepository(this.db).get(problemId))!, changed, attached };
  }

  private async requireIncidents(ids: readonly string[]): Promise<void> {
    const unique = [...new Set(ids)];
    const rows = unique.length === 0 ? [] : await this.db.selectFrom('incidents').select('id').where('id', 'in', unique).execute();
    const known = new Set(rows.map((r) => r.id));
    const missing = unique.filter((id) => !known.has(id));
    if (missing.length > 0) {
      throw new AppError({
        code: 'not-found',
        status: 404,
        title: 'Not found',
        detail: `incident ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''} does not exist`,
        extensions: { missing: missing.slice(0, 100) },
      });
    }
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}
