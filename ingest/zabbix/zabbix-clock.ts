/**
 * Zabbix renders event times as wall-clock text, `{EVENT.DATE}` `2026.11.21` and
 * `{EVENT.TIME}` `14:03:27`, in the time zone of the Zabbix server, without saying
 * which. We read them in the zone the sender names (`Z`, `±HH:MM` or an IANA name such
 * as `Europe/Berlin`, DST-correct) and in UTC when it names none.
 */
import { badRequest } from '../../engine/errors/app-error.ts';

const OFFSET = /^([+-])([0-9]{2}):?([0-9]{2})$/;

export function zabbixClockToIso(date: string, time: string, timezone: string | undefined, field: string): string {
  const [y, mo, d] = date.split('.').map(Number) as [number, number, number];
  const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  // Date.UTC rolls 2026.02.31 over into March; a date that does not exist is a bad request.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw badRequest(`${field} is not a valid date and time: ${date} ${time}`, [{ field, message: 'must be a valid YYYY.MM.DD and HH:MM:SS' }]);
  }
  return new Date(wall - offsetMs(wall, timezone)).toISOString();
}

/** The zone's offset from UTC at the given wall-clock instant, in ms. */
function offsetMs(wall: number, timezone: string | undefined): number {
  const tz = timezone?.trim();
  if (!tz || tz === 'Z' || tz.toUpperCase() === 'UTC') return 0;
  const m = OFFSET.exec(tz);
  if (m) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
  let zoneOffset: (utc: number) => number;
  try {
    const fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    zoneOffset = (utc) => {
      const p = Object.fromEntries(fmt.formatToParts(new Date(utc)).map((x) => [x.type, Number(x.value)]));
      return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - utc;
    };
  } catch {
    throw badRequest(`event_timezone "${tz}" is not a known time zone`, [{ field: 'body/event_timezone', message: 'must be Z, ±HH:MM or an IANA time zone name' }]);
  }
  // The offset at the wall time read as UTC is right except within hours of a DST switch;
  // a second pass with the corrected instant settles it.
  const first = zoneOffset(wall);
  const second = zoneOffset(wall - first);
  return second;
}
