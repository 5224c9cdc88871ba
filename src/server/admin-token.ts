/**
 * The one-time admin token of `parley serve` (like a notebook server's): printed in the admin link
 * at start, held only in memory, and used once: whoever joins with it becomes an admin (stored
 * with their identity). Wrong tokens are counted per address before they are compared, so guessing
 * is slow as well as hopeless (32 random bytes).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { fail, type Failure } from '../shared/result';
import { type Limiter, blockedFor, consume } from './rate-limits';

type Refusal = 'wrong_admin_token' | 'rate_limited';

export class AdminToken {
  readonly #wrongGuesses: Limiter;
  /** SHA-256 of the token not used yet; null when there is none. */
  #digest: Buffer | null = null;

  constructor(wrongGuesses: Limiter) {
    this.#wrongGuesses = wrongGuesses;
  }

  /** Makes a new token (the previous one no longer works) and returns it. */
  renew(): string {
    const token = randomBytes(32).toString('base64url');
    this.#digest = digestOf(token);
    return token;
  }

  /**
   * Null when `token` is the one waiting: it is used up (the caller makes the joiner an admin,
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
    const expected = this.#digest;
    if (expected === null || !timingSafeEqual(expected, digestOf(token))) {
      return fail(
        'wrong_admin_token',
        'That admin link is not valid here: each one works once. Ask whoever runs the server for a new one.',
      );
    }
    // A right token is no guess: its point is given back.
    await guesses.reward(address, 1);
    this.#digest = null;
    return null;
  }

  /** Puts back a token that `use` accepted but whose admin could not be stored. */
  restore(token: string): void {
    this.#digest ??= digestOf(token);
  }
}

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
