/**
 * The domain change, as far as senders report one today: what changed (summary), where
 * (service or CI, when the sender names it), when, and the sender's links and details.
 * Risk, approval and watch windows come with the change workflow.
 */
export interface ChangeLink {
  href: string;
  text?: string;
}

export interface Change {
  /** A hash of the content: the same change delivered twice has the same id. */
  id: string;
  /** The sending format, e.g. `pagerduty`. */
  source: string;
  summary: string;
  /** The service or CI that changed, when the sender says; null otherwise. */
  service: string | null;
  /** When the change happened at the sender, ISO 8601. */
  timestamp: string;
  links: ChangeLink[];
  details: Record<string, unknown>;
  receivedAt: string;
}
