/** The explicit limits every alert format enforces, from config. */
export interface IngestLimits {
  alertsPerRequest: number;
  labelsPerAlert: number;
  labelValueLength: number;
  /** Alert batches waiting for correlation before new ones are refused with 503. */
  queueMaxDepth: number;
}
