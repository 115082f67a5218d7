/**
 * Text Postgres cannot store: U+0000 (text and jsonb refuse it) and a lone UTF-16 surrogate
 * (JSON carries it as `\ud800`, which json and jsonb refuse). An alert carrying either would
 * fail every write of the correlator group it landed in, again on each retry. Such a request
 * is refused up front with a 400 naming the alert and field, before anything is queued.
 */
import type { AlertEvent } from '../../engine/alert/alert.ts';
import { badRequest } from '../../engine/errors/app-error.ts';
import { shownKey, storableText as storable } from '../../engine/http/storable-text.ts';

function unstorableIn(ev: AlertEvent): string | null {
  for (const f of ['sourceFingerprint', 'name', 'severity', 'generatorUrl'] as const) {
    const v = ev[f];
    if (v !== null && v !== undefined && !storable(v)) return f;
  }
  for (const [map, what] of [[ev.labels, 'label'], [ev.annotations, 'annotation']] as const) {
    for (const k in map) if (!storable(k) || !storable(map[k]!)) return `${what} "${shownKey(k)}"`;
  }
  return null;
}

export function refuseUnstorableText(events: readonly AlertEvent[]): void {
  for (let i = 0; i < events.length; i++) {
    const where = unstorableIn(events[i]!);
    if (where === null) continue;
    throw badRequest(`alert ${i + 1} of the request has a NUL character (U+0000) or a lone UTF-16 surrogate in its ${where}, which cannot be stored`, [
      { field: `alerts/${i}`, message: `${where} must be well-formed Unicode without U+0000` },
    ]);
  }
}
