/** The explicit limits every alert format enforces, from config. */
export interface IngestLimits {
  alertsPerRequest: number;
  labelsPerAlert: number;
  labelValueLength: number;
}
