/**
 * What the correlation engine holds against its two memory caps, and what the caps have dropped:
 * the engine reports it (`CorrelationEngine.capacity()`), `/metrics` shows it.
 */
export interface EngineCapacity {
  alerts: number;
  maxAlerts: number;
  /** Alert states dropped because the map was over `maxAlerts` (firing ones count as resolved). */
  alertsCapped: number;
  incidents: number;
  maxIncidents: number;
  /** Resolved or merged incidents dropped before their retention ended because of `maxIncidents`. */
  incidentsCapped: number;
}
