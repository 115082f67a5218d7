/**
 * Postgres text and jsonb cannot hold U+0000: an alert carrying one would fail every write of
 * the correlator's group it landed in, again on each retry. Such a request is refused up front
 * with a 400 naming the alert and field, before anything is queued.
 */
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { badRequest } from '../../engine/errors/app-error.ts';

const NUL = '\u0000';

function nulIn(ev: AlertEvent): string | null {
  for (const f of ['sourceFingerprint', 'name', 'severity', 'generatorUrl'] as const) if (ev[f]?.includes(NUL)) return f;
  for (const [map, what] of [[ev.labels, 'label'], [ev.annotations, 'annotation']] as const) {
    for (const k in map) if (k.includes(NUL) || map[k]!.includes(NUL)) return `${what} "${k.replaceAll(NUL, '\\u0000').slice(0, 64)}"`;
  }
  return null;
}

export function refuseNulCharacters(events: readonly AlertEvent[]): void {
  for (let i = 0; i < events.length; i++) {
    const where = nulIn(events[i]!);
    if (where === null) continue;
    throw badRequest(`alert ${i + 1} of the request has a NUL character (U+0000) in its ${where}, which cannot be stored`, [
      { field: `alerts/${i}`, message: `${where} must not contain U+0000` },
    ]);
  }
}
