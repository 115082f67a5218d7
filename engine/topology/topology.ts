/**
 * Configuration items (services, hosts, databases, switches…) and the typed relations
 * between them. Kinds are free strings; relation kinds include at least `depends_on`
 * (from needs to), `runs_on` (from is hosted by to) and `connects_to`.
 * Public API shape (pinned): PUT/PATCH /api/v1/topology with {items, relations}.
 */
export interface ConfigItem {
  /** Stable id chosen by the user, e.g. `svc:orders-api`. */
  id: string;
  kind: string;
  name: string;
  /** An alert maps to the items whose labels it all carries; the most specific (most labels) wins. */
  labels: Record<string, string>;
}

export interface Relation {
  from: string;
  to: string;
  kind: string;
}

export interface Topology {
  items: ConfigItem[];
  relations: Relation[];
}
