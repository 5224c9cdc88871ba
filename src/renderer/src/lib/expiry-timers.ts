/** One pending timeout per key: setting a key again restarts its timer (e.g. typing expiry). */
export class ExpiryTimers {
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  set(key: string, delayMs: number, onExpire: () => void): void {
    this.clear(key);
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        onExpire();
      }, delayMs),
    );
  }

  clear(key: string): void {
    clearTimeout(this.#timers.get(key));
    this.#timers.delete(key);
  }

  clearAll(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
