/**
 * Configuration, parsed once from the environment, every error listed, frozen.
 * Nothing here falls back silently on a bad value: `PORT=abc` is an error.
 */
import path from 'node:path';
import { isValidUsername } from '../auth/user.ts';
import { SEVERITY_LEVELS, type SeverityLevel } from '../incident/severity.ts';

export const ROLES = ['ingest', 'correlator', 'engine', 'web'] as const;
export type Role = (typeof ROLES)[number];

export interface InfluxConfig {
  url: string;
  /** 2 speaks Flux and /api/v2; 1 writes to /write and queries InfluxQL on /query. */
  version: 1 | 2;
  token: string | undefined;
  org: string | undefined;
  bucket: string | undefined;
  /** 1.x only. */
  database: string | undefined;
  username: string | undefined;
  password: string | undefined;
  /**
   * Compress write batches: saves bandwidth to a remote server, costs CPU on both ends of a
   * local one. INFLUX_GZIP=auto (the default) compresses unless the URL's host is loopback.
   */
  gzip: boolean;
}

export interface Config {
  http: { port: number; host: string; bodyLimitBytes: number };
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Prefix of queue keys and bus channels; braces make a Redis Cluster hash tag. */
  queuePrefix: string;
  /** A job's lock: a dead worker's job is taken over by another within about twice this. */
  queueLockSeconds: number;
  influx: InfluxConfig | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  limits: { alertsPerRequest: number; labelsPerAlert: number; labelValueLength: number; metricBufferPoints: number; queueMaxDepth: number };
  correlator: {
    windowSeconds: number;
    concurrency: number;
    holdSeconds: number;
    leaderPollMs: number;
    /** The engine's memory caps: alert states, and incidents held (EngineConfig.maxAlerts, maxIncidents). */
    maxAlerts: number;
    maxIncidents: number;
  };
  /** How long the stream log keeps messages for consoles to resume from. */
  streamRetentionHours: number;
  /** How often a web process checks that its websockets' login sessions are still active. */
  streamSessionCheckSeconds: number;
  problems: ProblemConfig;
  auth: AuthConfig;
  sla: SlaConfig;
  notify: NotifyConfig;
  /** Where people reach this deployment (e.g. https://aiops.example.com); links in notifications. */
  publicUrl: string | undefined;
  roles: readonly Role[];
}

/** Problem mining (docs/problems.md). */
export interface ProblemConfig {
  /** A signature becomes a suggested problem once this many resolved incidents carry it in the window. */
  minOccurrences: number;
  windowDays: number;
  /** A rejected suggestion is suggested again after this many new incidents of its signature. */
  resuggestAfter: number;
  /** How often the engine role mines. */
  mineIntervalMinutes: number;
}

/**
 * SLA targets in milliseconds from an incident's creation, per severity level (see
 * severityLevel); a level without a target gets no timer.
 */
export interface SlaConfig {
  ackMs: Readonly<Partial<Record<SeverityLevel, number>>>;
  resolveMs: Readonly<Partial<Record<SeverityLevel, number>>>;
}

export const NOTIFY_EVENTS = ['opened', 'escalated', 'resolved'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export interface NotifyConfig {
  /** Generic JSON webhooks. */
  webhookUrls: readonly string[];
  /** Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat…). */
  slackWebhookUrls: readonly string[];
  events: readonly NotifyEvent[];
  /** Signs generic webhook bodies (HMAC-SHA256 header) when set. */
  webhookSecret: string | undefined;
  /** Tries per notification and target, with exponential backoff from `backoffMs`. */
  attempts: number;
  backoffMs: number;
  /** Upper bound on one outbound HTTP call. */
  timeoutMs: number;
}

export interface AuthConfig {
  /** `required` by default; `disabled` is an explicit opt-in for local trials (ingest takes requests without a token). */
  ingest: 'required' | 'disabled';
  /** How long a verified token is trusted without asking the database: a revoke takes effect within this. */
  cacheSeconds: number;
  /** Ingest requests per minute per source and token (per source and client address without auth). */
  ingestRatePerMinute: number;
  /** HMAC-SHA256 secrets by source, from INGEST_HMAC_SECRET_<SOURCE>; a source listed here must sign its bodies. */
  hmacSecrets: Readonly<Record<string, string>>;
  /**
   * `required` by default: the web API and the stream need a session or an API token with
   * a role. `disabled` (local trials) lets requests without credentials read and act as an
   * anonymous problem-manager; administration always needs an admin credential.
   */
  web: 'required' | 'disabled';
  /** How long a login session lasts, from login (not extended by use). */
  sessionHours: number;
  /** Mark the session cookie Secure (sent over HTTPS only): set it when the console is served over HTTPS. */
  sessionCookieSecure: boolean;
  /** ADMIN_USERNAME and ADMIN_PASSWORD_FILE: the first admin, created at start when no user exists. */
  firstAdmin: { username: string; passwordFile: string } | undefined;
}

/** Shortest HMAC secret accepted: anything shorter is a placeholder, not a secret. */
const MIN_HMAC_SECRET_LENGTH = 16;
const HMAC_SECRET_PREFIX = 'INGEST_HMAC_SECRET_';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  int(name: string, def: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return def;
    if (!/^-?\d+$/.test(v)) {
      this.problems.push(`${name}=${JSON.stringify(v)} is not a whole number`);
      return def;
    }
    const n = Number(v);
    if (n < min || n > max) this.problems.push(`${name}=${v} is outside ${min}..${max}`);
    return n;
  }

  url(name: string, protocols: string[]): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) {
        this.problems.push(`${name} must use ${protocols.join(' or ')} (got ${u.protocol})`);
      }
    } catch {
      this.problems.push(`${name} is not a valid URL`);
    }
    return v;
  }

  oneOf<T extends string>(name: string, values: readonly T[], def: T): T {
    const v = this.raw(name);
    if (v === undefined) return def;
    if (!(values as readonly string[]).includes(v)) {
      this.problems.push(`${name}=${JSON.stringify(v)} must be one of ${values.join(', ')}`);
      return def;
    }
    return v as T;
  }

  /** A comma-separated list of URLs; every one must be valid. */
  urlList(name: string, protocols: string[]): string[] {
    const v = this.raw(name);
    if (v === undefined) return [];
    const urls = v.split(',').map((s) => s.trim()).filter(Boolean);
    urls.forEach((u, i) => {
      try {
        const parsed = new URL(u);
        if (!protocols.includes(parsed.protocol)) this.problems.push(`${name}: entry ${i + 1} must use ${protocols.join(' or ')} (got ${parsed.protocol})`);
      } catch {
        // The URL itself is not repeated: webhook URLs often carry a secret token.
        this.problems.push(`${name}: entry ${i + 1} is not a valid URL`);
      }
    });
    return [...new Set(urls)];
  }

  /** A comma-separated subset of `values`; `def` when unset. */
  subset<T extends string>(name: string, values: readonly T[], def: readonly T[]): T[] {
    const v = this.raw(name);
    if (v === undefined) return [...def];
    const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = parts.filter((p) => !(values as readonly string[]).includes(p));
    if (bad.length > 0) {
      this.problems.push(`${name}: ${bad.map((b) => JSON.stringify(b)).join(', ')} not among ${values.join(', ')}`);
      return [...def];
    }
    return [...new Set(parts as T[])];
  }

  /**
   * Per-severity minutes, `critical:5,error:15,warning:60` (decimals allowed, e.g.
   * `critical:0.5`), or `none` for no targets at all; in milliseconds.
   */
  minutesPerLevel(name: string, def: Partial<Record<SeverityLevel, number>>): Partial<Record<SeverityLevel, number>> {
    const v = this.raw(name);
    const toMs = (o: Partial<Record<SeverityLevel, number>>) => Object.fromEntries(Object.entries(o).map(([k, m]) => [k, Math.round(m * 60_000)]));
    if (v === undefined) return toMs(def);
    if (v === 'none') return {};
    const out: Partial<Record<SeverityLevel, number>> = {};
    for (const part of v.split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = /^([A-Za-z0-9_]+)\s*:\s*(\d+(?:\.\d+)?)$/.exec(part);
      if (!m) {
        this.problems.push(`${name}: ${JSON.stringify(part)} is not level:minutes (e.g. critical:5)`);
        continue;
      }
      const level = m[1]!.toLowerCase() as SeverityLevel;
      const minutes = Number(m[2]);
      if (!(SEVERITY_LEVELS as readonly string[]).includes(level)) this.problems.push(`${name}: level ${JSON.stringify(level)} is not one of ${SEVERITY_LEVELS.join(', ')}`);
      else if (level in out) this.problems.push(`${name}: level ${level} is given twice`);
      else if (minutes <= 0 || minutes > 525_600) this.problems.push(`${name}: ${level}:${m[2]} is outside 0 (exclusive)..525600 minutes`);
      else out[level] = minutes;
    }
    return toMs(out);
  }

  /** Every set variable whose name starts with `prefix`, by the rest of its name. */
  withPrefix(prefix: string): Array<[suffix: string, value: string | undefined]> {
    return Object.keys(this.env)
      .filter((k) => k.startsWith(prefix))
      .sort()
      .map((k) => [k.slice(prefix.length), this.raw(k)]);
  }
}

export function parseRoles(value: string | undefined, problems: string[]): Role[] {
  if (value === undefined || value.trim() === '' || value.trim() === 'all') return [...ROLES];
  const roles: Role[] = [];
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (part === 'all') roles.push(...ROLES);
    else if ((ROLES as readonly string[]).includes(part)) roles.push(part as Role);
    else problems.push(`role ${JSON.stringify(part)} is not one of all, ${ROLES.join(', ')}`);
  }
  return [...new Set(roles)];
}

/** `auto`: compress, unless InfluxDB is on this machine (a loopback host), where it only costs CPU. */
function gzipFor(setting: 'auto' | 'true' | 'false', url: string): boolean {
  if (setting !== 'auto') return setting === 'true';
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return !(host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host));
}

/**
 * Reads the configuration from `env`; `roleArg` (from `--role`) wins over ROLES.
 * Throws ConfigError listing every problem at once.
 */
export function loadConfig(env: Env, roleArg?: string): Readonly<Config> {
  const r = new Reader(env);
  const port = r.int('PORT', 8080, 0, 65535);
  const host = r.raw('HOST') ?? '127.0.0.1';
  const bodyLimitBytes = r.int('BODY_LIMIT_BYTES', 5 * 1024 * 1024, 1024, 256 * 1024 * 1024);
  const dataDir = path.resolve(r.raw('DATA_DIR') ?? './data');
  const databaseUrl = r.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = r.url('REDIS_URL', ['redis:', 'rediss:']);
  const queuePrefix = r.raw('QUEUE_PREFIX') ?? '{aiops}';
  const queueLockSeconds = r.int('QUEUE_LOCK_SECONDS', 30, 1, 3600);
  const logLevel = r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info');

  let influx: InfluxConfig | undefined;
  const influxUrl = r.url('INFLUX_URL', ['http:', 'https:']);
  if (influxUrl !== undefined) {
    const version = r.oneOf('INFLUX_VERSION', ['1', '2'] as const, '2') === '1' ? 1 : 2;
    influx = {
      url: influxUrl,
      version,
      token: r.raw('INFLUX_TOKEN'),
      org: r.raw('INFLUX_ORG'),
      bucket: r.raw('INFLUX_BUCKET'),
      database: r.raw('INFLUX_DATABASE'),
      username: r.raw('INFLUX_USERNAME'),
      password: r.raw('INFLUX_PASSWORD'),
      gzip: gzipFor(r.oneOf('INFLUX_GZIP', ['auto', 'true', 'false'] as const, 'auto'), influxUrl),
    };
    if (version === 2) {
      for (const [k, v] of [['INFLUX_TOKEN', influx.token], ['INFLUX_ORG', influx.org], ['INFLUX_BUCKET', influx.bucket]] as const) {
        if (v === undefined) r.problems.push(`${k} is required with INFLUX_URL (InfluxDB 2.x; set INFLUX_VERSION=1 for 1.x)`);
      }
    } else if (influx.database === undefined) {
      r.problems.push('INFLUX_DATABASE is required with INFLUX_VERSION=1');
    }
  } else {
    for (const k of ['INFLUX_TOKEN', 'INFLUX_ORG', 'INFLUX_BUCKET', 'INFLUX_DATABASE']) {
      if (r.raw(k) !== undefined) r.problems.push(`${k} is set but INFLUX_URL is not`);
    }
  }

  const limits = {
    alertsPerRequest: r.int('LIMIT_ALERTS_PER_REQUEST', 1000, 1, 100_000),
    labelsPerAlert: r.int('LIMIT_LABELS_PER_ALERT', 64, 1, 1000),
    labelValueLength: r.int('LIMIT_LABEL_VALUE_LENGTH', 4096, 16, 65_536),
    metricBufferPoints: r.int('METRIC_BUFFER_POINTS', 200_000, 1000, 10_000_000),
    // Alert batches (one per request) waiting for the correlator before ingest answers 503.
    queueMaxDepth: r.int('QUEUE_MAX_DEPTH', 10_000, 1, 10_000_000),
  };
  const correlator = {
    windowSeconds: r.int('CORRELATION_WINDOW_SECONDS', 600, 1, 86_400),
    concurrency: r.int('CORRELATOR_CONCURRENCY', 256, 1, 1024),
    holdSeconds: r.int('INCIDENT_HOLD_SECONDS', 300, 0, 86_400),
    leaderPollMs: r.int('CORRELATOR_LEADER_POLL_MS', 1000, 50, 60_000),
    // About 1.2 KiB of heap an alert state and 3 KiB an incident (ADR 0003): the defaults hold
    // under 1 GiB together.
    maxAlerts: r.int('CORRELATOR_MAX_ALERTS', 500_000, 1000, 50_000_000),
    maxIncidents: r.int('CORRELATOR_MAX_INCIDENTS', 100_000, 100, 10_000_000),
  };
  const streamRetentionHours = r.int('STREAM_RETENTION_HOURS', 72, 1, 24 * 365);
  const streamSessionCheckSeconds = r.int('STREAM_SESSION_CHECK_SECONDS', 30, 1, 3600);
  const minOccurrences = r.int('PROBLEM_MIN_OCCURRENCES', 3, 2, 10_000);
  const problems: ProblemConfig = {
    minOccurrences,
    windowDays: r.int('PROBLEM_WINDOW_DAYS', 30, 1, 366),
    // Twice the threshold unless set: a rejection should hold against the recurrence rate that led to the suggestion.
    resuggestAfter: r.int('PROBLEM_RESUGGEST_OCCURRENCES', 2 * minOccurrences, 1, 100_000),
    mineIntervalMinutes: r.int('PROBLEM_MINE_INTERVAL_MINUTES', 15, 1, 1440),
  };
  const hmacSecrets: Record<string, string> = {};
  for (const [suffix, secret] of r.withPrefix(HMAC_SECRET_PREFIX)) {
    const name = `${HMAC_SECRET_PREFIX}${suffix}`;
    if (!/^[A-Za-z0-9][A-Za-z0-9_]*$/.test(suffix)) r.problems.push(`${name}: the source after ${HMAC_SECRET_PREFIX} must be letters, digits and _`);
    else if (secret === undefined) r.problems.push(`${name} is set but empty; unset it to accept unsigned requests from ${suffix.toLowerCase()}`);
    else if (secret.length < MIN_HMAC_SECRET_LENGTH) r.problems.push(`${name} is shorter than ${MIN_HMAC_SECRET_LENGTH} characters`);
    else hmacSecrets[suffix.toLowerCase()] = secret;
  }
  const auth: AuthConfig = {
    ingest: r.oneOf('INGEST_AUTH', ['required', 'disabled'] as const, 'required'),
    cacheSeconds: r.int('AUTH_CACHE_SECONDS', 30, 0, 300),
    ingestRatePerMinute: r.int('INGEST_RATE_LIMIT_PER_MINUTE', 6000, 1, 10_000_000),
    hmacSecrets,
    web: r.oneOf('WEB_AUTH', ['required', 'disabled'] as const, 'required'),
    sessionHours: r.int('SESSION_HOURS', 12, 1, 24 * 90),
    sessionCookieSecure: r.oneOf('SESSION_COOKIE_SECURE', ['true', 'false'] as const, 'false') === 'true',
    firstAdmin: undefined,
  };
  const adminUsername = r.raw('ADMIN_USERNAME');
  const adminPasswordFile = r.raw('ADMIN_PASSWORD_FILE');
  if ((adminUsername === undefined) !== (adminPasswordFile === undefined)) {
    r.problems.push('ADMIN_USERNAME and ADMIN_PASSWORD_FILE go together: set both (the first admin and a file holding their password) or neither');
  } else if (adminUsername !== undefined && adminPasswordFile !== undefined) {
    if (!isValidUsername(adminUsername)) r.problems.push(`ADMIN_USERNAME=${JSON.stringify(adminUsername)} is not a valid username (letters, digits and ._@-, at most 64)`);
    auth.firstAdmin = { username: adminUsername, passwordFile: path.resolve(adminPasswordFile) };
  }
  const sla: SlaConfig = {
    ackMs: r.minutesPerLevel('SLA_ACK_MINUTES', { critical: 5, error: 15, warning: 60 }),
    resolveMs: r.minutesPerLevel('SLA_RESOLVE_MINUTES', { critical: 60, error: 240, warning: 1440 }),
  };
  const notify: NotifyConfig = {
    webhookUrls: r.urlList('NOTIFY_WEBHOOK_URLS', ['http:', 'https:']),
    slackWebhookUrls: r.urlList('NOTIFY_SLACK_WEBHOOK_URLS', ['http:', 'https:']),
    events: r.subset('NOTIFY_EVENTS', NOTIFY_EVENTS, NOTIFY_EVENTS),
    webhookSecret: r.raw('NOTIFY_WEBHOOK_SECRET'),
    attempts: r.int('NOTIFY_ATTEMPTS', 8, 1, 50),
    backoffMs: r.int('NOTIFY_BACKOFF_MS', 2000, 10, 600_000),
    timeoutMs: r.int('NOTIFY_TIMEOUT_MS', 5000, 100, 120_000),
  };
  if (notify.webhookSecret !== undefined) {
    if (notify.webhookSecret.length < MIN_HMAC_SECRET_LENGTH) r.problems.push(`NOTIFY_WEBHOOK_SECRET is shorter than ${MIN_HMAC_SECRET_LENGTH} characters`);
    if (notify.webhookUrls.length === 0) r.problems.push('NOTIFY_WEBHOOK_SECRET is set but NOTIFY_WEBHOOK_URLS is not');
  }
  const publicUrl = r.url('PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, '');
  const roles = parseRoles(roleArg ?? r.raw('ROLES'), r.problems);
  if (roles.length < ROLES.length && (redisUrl === undefined || databaseUrl === undefined)) {
    // Embedded adapters live inside one process: split roles could never meet.
    r.problems.push(`running a subset of roles (${roles.join(',')}) needs REDIS_URL and DATABASE_URL, shared by every process`);
  }

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return deepFreeze({
    http: { port, host, bodyLimitBytes },
    dataDir,
    databaseUrl,
    redisUrl,
    queuePrefix,
    queueLockSeconds,
    influx,
    logLevel,
    limits,
    correlator,
    streamRetentionHours,
    streamSessionCheckSeconds,
    problems,
    auth,
    sla,
    notify,
    publicUrl,
    roles,
  });
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
