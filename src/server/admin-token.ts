/**
 * The one-time admin token of `parley serve` (like a notebook server's): printed in the admin link
 * at start, and used once: whoever joins with it becomes an admin (stored with their identity).
 * Only its SHA-256 digest is kept, where the history's store keeps admin tokens (AdminTokenStore:
 * this process's memory, or a cluster's database, where a link printed by one server works on
 * every one of them). Wrong tokens are counted per address before they are compared, so guessing
 * is slow as well as hopeless (32 random bytes).
 */
import { createHash, randomBytes } from 'node:crypto';
import { fail, type Failure } from '../shared/result';
import type { AdminTokenStore } from './storage/history-store';
import { type Limiter, blockedFor, consume } from './rate-limits';

type Refusal = 'wrong_admin_token' | 'rate_limited';

export class AdminToken {
  readonly #wrongGuesses: Limiter;
  readonly #store: AdminTokenStore;
  readonly #onError: (error: unknown) => void;
  /** The digest of this server's latest token while it waits; null when there is none. */
  #current: Buffer | null = null;

  constructor(wrongGuesses: Limiter, store: AdminTokenStore, onError: (error: unknown) => void) {
    this.#wrongGuesses = wrongGuesses;
    this.#store = store;
    this.#onError = onError;
  }

  /**
   * Makes a new token and returns it once every server accepts it; this server's previous one no
   * longer works.
   */
  async renew(): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const digest = digestOf(token);
    await this.#store.put(digest);
    const previous = this.#current;
    this.#current = digest;
    if (previous) await this.#store.drop(previous);
    return token;
  }

  /**
   * Null when `token` is one waiting: it is used up (the caller makes the joiner an admin,
   * and gives it back with `restore` if that cannot be stored). Else why not.
   */
  async use(address: string, token: string): Promise<Failure<Refusal> | null> {
    const guesses = this.#wrongGuesses;
    const tooMany = async () =>
      fail(
        'rate_limited',
        `Too many wrong admin links from your address. Try again in ${await blockedFor(guesses, address)} s.`,
      );
    if ((await blockedFor(guesses, address)) > 0) return tooMany();
    // Counted before comparing: guesses sent all at once are all counted.
    if (!(await consume(guesses, address))) return tooMany();
    const digest = digestOf(token);
    if (!(await this.#store.take(digest))) {
      return fail(
        'wrong_admin_token',
        'That admin link is not valid here: each one works once. Ask whoever runs the server for a new one.',
      );
    }
    if (this.#current?.equals(digest)) this.#current = null;
    // A right token is no guess: its point is given back.
    await guesses.reward(address, 1);
    return null;
  }

  /** Puts back a token that `use` accepted but whose admin could not be stored. */
  restore(token: string): void {
    this.#store.put(digestOf(token)).catch(this.#onError);
  }

  /** This server stops: its token no longer works (on the other servers of a cluster either). */
  async close(): Promise<void> {
    const current = this.#current;
    this.#current = null;
    if (current) await this.#store.drop(current);
  }
}

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
