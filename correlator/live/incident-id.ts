/**
 * The store id of an engine incident, derived from the engine's key (its first alert and event
 * time): a correlator that rebuilds, or takes over from a killed one, names the same incident
 * the same way, so nothing is created twice. Formatted as an RFC 9562 version-8 UUID.
 */
import { createHash } from 'node:crypto';

export function incidentIdOf(key: string): string {
  const h = createHash('sha256').update(`incident:${key}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
