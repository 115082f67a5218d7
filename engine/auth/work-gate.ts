/**
 * Bounds expensive work that clients can trigger, such as password checks (each scrypt
 * takes tens of MiB and a libuv thread for a quarter of a second): at most `concurrency`
 * run at once, at most `maxWaiting` wait their turn, and past that `run` refuses at once
 * with GateFullError, so a login flood queues briefly and then sheds load instead of
 * growing memory or starving the thread pool that file and network I/O share.
 */
export class GateFullError extends Error {
  constructor() {
    super('too much of this work is already waiting');
    this.name = 'GateFullError';
  }
}

export class WorkGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxWaiting: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting) throw new GateFullError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next in line, or give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
