/**
 * Every migration, in order. A static list rather than a folder scan, so the same
 * code runs under tsx, a bundler or compiled output.
 */
import type { Migration } from 'kysely';
import * as initial from './2026-11-21-0001-initial.ts';
import * as alertAcknowledged from './2026-11-21-0002-alert-acknowledged.ts';
import * as changes from './2026-11-21-0003-changes.ts';
import * as apiTokens from './2026-11-21-0004-api-tokens.ts';
import * as topology from './2026-11-21-0005-topology.ts';
import * as incidentCounters from './2026-11-21-0006-incident-counters.ts';
import * as liveCorrelation from './2026-11-21-0007-live-correlation.ts';
import * as suppression from './2026-11-21-0008-suppression.ts';
import * as incidentWorkflow from './2026-11-21-0010-incident-workflow.ts';
import * as users from './2026-11-21-0009-users.ts';
import * as problems from './2026-11-21-0012-problems.ts';
import * as sla from './2026-11-21-0011-sla.ts';
import * as consoleIndexes from './2026-11-21-0013-console.ts';
import * as escalations from './2026-11-21-0015-escalations.ts';
import * as memberFingerprintIndex from './2026-11-21-0016-member-fingerprint-index.ts';
import * as correlationLessons from './2026-11-21-0017-correlation-lessons.ts';
import * as hotPathForeignKeys from './2026-11-22-0018-hot-path-foreign-keys.ts';
import * as memberScoreJson from './2026-11-22-0019-member-score-json.ts';

export const migrations: Record<string, Migration> = {
  '2026-11-21-0001-initial': initial,
  '2026-11-21-0002-alert-acknowledged': alertAcknowledged,
  '2026-11-21-0003-changes': changes,
  '2026-11-21-0004-api-tokens': apiTokens,
  '2026-11-21-0005-topology': topology,
  '2026-11-21-0006-incident-counters': incidentCounters,
  '2026-11-21-0007-live-correlation': liveCorrelation,
  '2026-11-21-0008-suppression': suppression,
  '2026-11-21-0010-incident-workflow': incidentWorkflow,
  '2026-11-21-0009-users': users,
  '2026-11-21-0012-problems': problems,
  '2026-11-21-0011-sla': sla,
  '2026-11-21-0013-console': consoleIndexes,
  '2026-11-21-0015-escalations': escalations,
  '2026-11-21-0016-member-fingerprint-index': memberFingerprintIndex,
  '2026-11-21-0017-correlation-lessons': correlationLessons,
  '2026-11-22-0018-hot-path-foreign-keys': hotPathForeignKeys,
  '2026-11-22-0019-member-score-json': memberScoreJson,
};
