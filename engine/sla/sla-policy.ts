/**
 * SLA targets: how long an incident may stay unacknowledged, and unresolved, by the
 * level of its current severity. Timers count from the incident's creation (wall clock,
 * when the engine opened it), not from its first alert's event time: a replayed or late
 * alert must not make an incident overdue the moment it exists.
 */
import type { SlaConfig } from '../config/config.ts';
import { severityLevel } from '../incident/severity.ts';
import type { SlaKind } from '../notify/notification.ts';

export const SLA_KINDS: readonly SlaKind[] = ['ack', 'resolve'];

export class SlaPolicy {
  constructor(private readonly config: SlaConfig) {}

  /** Milliseconds allowed for this kind at this severity; undefined when there is no target. */
  targetMs(kind: SlaKind, severity: string): number | undefined {
    const targets = kind === 'ack' ? this.config.ackMs : this.config.resolveMs;
    return targets[severityLevel(severity)];
  }

  /** When the timer falls due (epoch ms), or null without a target. */
  dueAt(kind: SlaKind, severity: string, createdAt: string | Date): number | null {
    const target = this.targetMs(kind, severity);
    return target === undefined ? null : new Date(createdAt).getTime() + target;
  }

  /** Whether the incident, in this status, still owes what the timer measures. */
  static pending(kind: SlaKind, status: string): boolean {
    return kind === 'ack' ? status === 'open' : status === 'open' || status === 'acknowledged';
  }
}
