/**
 * SerialQueue: runs async tasks one at a time, in the order they were given. Each task starts
 * once the one before has settled, whether it succeeded or failed, and its caller gets that
 * task's own outcome: one failed write never blocks or fails the writes queued behind it. The
 * stores that rewrite a whole file (settings, saved servers, certificate pins, the outbox) and the
 * hosting service's start and stop use it so that no two of their changes interleave.
 */
export class SerialQueue {
  /** Settles when the last task given so far has; never rejects. */
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task given before it has settled; resolves or rejects as it does. */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    const next = this.#tail.then(task, task);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every task given so far has settled (never rejects). */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
