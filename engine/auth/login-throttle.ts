/**
 * Slows password guessing: after `maxFailures` failed logins for one username from one
 * client address within `windowMs`, further attempts for that pair are refused (without
 * checking the password) until the window that began with the first failure ends. A
 * successful login clears the pair's count.
 *
 * The counts live in this process's memory: they reset on restart and are not shared
 * between web processes, so N processes behind a balancer allow up to N·maxFailures
 * guesses per window. At most `maxKeys` pairs are tracked; past that the oldest go first.
 */

export interface LoginThrottleOptions {
  maxFailures?: number;
  windowMs?: number;
  maxKeys?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  /** When the window that began with the first failure ends. */
  until: number;
}

export class LoginThrottle {
  readonly maxFailures: number;
  readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  /** key → entry; a Map iterates in insertion order, so the first key is the oldest. */
  private readonly entries = new Map<string, Entry>();

  constructor(opts: LoginThrottleOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 5;
    this.windowMs = opts.windowMs ?? 15 * 60_000;
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  static key(username: string, ip: string): string {
    return `${username.trim().toLowerCase()}\n${ip}`;
  }

  /** Seconds until the pair may try again, or 0 when it may try now. */
  retryAfterSeconds(key: string): number {
    const entry = this.current(key);
    if (!entry || entry.failures < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((entry.until - this.now()) / 1000));
  }

  /** Counts a failure; true when this one used up the pair's allowance. */
  fail(key: string): boolean {
    const now = this.now();
    let entry = this.current(key);
    if (!entry) {
      if (this.entries.size >= this.maxKeys) this.evict();
      entry = { failures: 0, until: now + this.windowMs };
      this.entries.set(key, entry);
    }
    entry.failures++;
    return entry.failures === this.maxFailures;
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  private current(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private evict(): void {
    const now = this.now();
    for (const [k, e] of this.entries) if (e.until <= now) this.entries.delete(k);
    while (this.entries.size >= this.maxKeys) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
