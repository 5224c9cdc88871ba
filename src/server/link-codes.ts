/**
 * One-time codes that link a new device to a person (`device:link-code`, then `session:join`
 * with `link`). A code is short enough to type (LIMITS.linkCodeLength characters of an alphabet
 * without look-alikes), lasts LIMITS.linkCodeTtlMs, works once, and only for the person who asked
 * for it; asking again replaces the person's previous code. The codes wait where the history's
 * store keeps them (LinkCodeStore: this process's memory, or a cluster's database, where a code
 * from one server works on every one). Wrong guesses are limited per address by the caller
 * (session-events.ts): a code has ~50 bits, and an address gets a few tries.
 */
import { customAlphabet } from 'nanoid';
import { LIMITS, LINK_CODE_ALPHABET } from '../shared/limits';
import type { LinkCodeStore } from './storage/history-store';

const makeCode = customAlphabet(LINK_CODE_ALPHABET, LIMITS.linkCodeLength);

export class LinkCodes {
  readonly #store: LinkCodeStore;
  readonly #clock: () => number;

  constructor(store: LinkCodeStore, clock: () => number = Date.now) {
    this.#store = store;
    this.#clock = clock;
  }

  /** A new code for `person` (their previous one stops working), and when it expires. */
  async issue(person: string): Promise<{ code: string; expiresAt: number }> {
    for (;;) {
      const code = makeCode();
      const now = this.#clock();
      const expiresAt = now + LIMITS.linkCodeTtlMs;
      // Someone's already (one in about 10^15): another.
      if (await this.#store.put(code, person, expiresAt, now)) return { code, expiresAt };
    }
  }

  /** The person a code links to, if it is live (unused, not expired); it stays usable. */
  personOf(code: string): Promise<string | undefined> {
    return this.#store.personOf(code, this.#clock());
  }

  /** Uses a code up: true when it was live (it works only once). */
  use(code: string): Promise<boolean> {
    return this.#store.take(code, this.#clock());
  }
}
