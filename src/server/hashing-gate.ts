/**
 * Passphrase checks, one at a time and a few a second, server-wide. scrypt (16 MiB, tens of ms of
 * CPU) runs on a thread of its own at the lowest priority (scrypt-worker.ts), so the event loop
 * goes first on a busy core; still, checks from many addresses at once would queue without end,
 * and where the priority cannot be lowered (not Linux) each takes its time slices from the event
 * loop. The gate lets one check run, and starts the next no sooner than `spacingMs` after the
 * previous one started, so hashing never takes more than its share; a few more checks wait their
 * turn in order; past that, a check is refused at once (the person tries again in a moment)
 * instead of queueing without bound.
 */
export interface HashingGateOptions {
  /** Checks that may wait for their turn; more are refused. */
  maxWaiting: number;
  /** The least time from the start of one check to the start of the next, ms. */
  spacingMs: number;
  /** Waits `ms` (tests pass their own); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export class HashingGate {
  #running = false;
  #lastStart = -Infinity;
  readonly #waiting: Array<() => void> = [];
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;

  constructor(private readonly options: HashingGateOptions) {
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = options.now ?? (() => performance.now());
  }

  /** Runs `check` when its turn comes; null (not run) when too many are waiting already. */
  async run<T>(check: () => Promise<T>): Promise<{ value: T } | null> {
    if (this.#running) {
      if (this.#waiting.length >= this.options.maxWaiting) return null;
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#running = true;
    try {
      const wait = this.#lastStart + this.options.spacingMs - this.#now();
      if (wait > 0) await this.#sleep(wait);
      this.#lastStart = this.#now();
      return { value: await check() };
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running = false;
    }
  }

  /** True when a check now would be refused: one runs and as many as may wait are waiting. */
  get full(): boolean {
    return this.#running && this.#waiting.length >= this.options.maxWaiting;
  }

  /** Checks waiting for their turn now (tests, diagnostics). */
  get waiting(): number {
    return this.#waiting.length;
  }
}
