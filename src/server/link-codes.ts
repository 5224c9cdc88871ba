/**
 * One-time codes that link a new device to a person (`device:link-code`, then `session:join`
 * with `link`). A code is short enough to type (LIMITS.linkCodeLength characters of an alphabet
 * without look-alikes), lasts LIMITS.linkCodeTtlMs, works once, and only for the person who asked
 * for it; asking again replaces the person's previous code. Wrong guesses are limited per address
 * by the caller (session-events.ts): a code has ~50 bits, and an address gets a few tries.
 */
import { customAlphabet } from 'nanoid';
import { LIMITS, LINK_CODE_ALPHABET } from '../shared/limits';

const makeCode = customAlphabet(LINK_CODE_ALPHABET, LIMITS.linkCodeLength);

interface Issued {
  person: string;
  expiresAt: number;
}

export class LinkCodes {
  readonly #byCode = new Map<string, Issued>();
  readonly #byPerson = new Map<string, string>();
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** A new code for `person` (their previous one stops working), and when it expires. */
  issue(person: string): { code: string; expiresAt: number } {
    this.#forgetExpired();
    const previous = this.#byPerson.get(person);
    if (previous !== undefined) this.#byCode.delete(previous);
    let code = makeCode();
    while (this.#byCode.has(code)) code = makeCode();
    const expiresAt = this.#clock() + LIMITS.linkCodeTtlMs;
    this.#byCode.set(code, { person, expiresAt });
    this.#byPerson.set(person, code);
    return { code, expiresAt };
  }

  /** The person a code links to, if it is live (unused, not expired); it stays usable. */
  personOf(code: string): string | undefined {
    const issued = this.#byCode.get(code);
    if (!issued) return undefined;
    if (issued.expiresAt <= this.#clock()) {
      this.#drop(code, issued);
      return undefined;
    }
    return issued.person;
  }

  /** Uses a code up: true when it was live (it works only once). */
  use(code: string): boolean {
    const person = this.personOf(code);
    if (person === undefined) return false;
    this.#drop(code, this.#byCode.get(code)!);
    return true;
  }

  #drop(code: string, issued: Issued): void {
    this.#byCode.delete(code);
    if (this.#byPerson.get(issued.person) === code) this.#byPerson.delete(issued.person);
  }

  #forgetExpired(): void {
    const now = this.#clock();
    for (const [code, issued] of this.#byCode) {
      if (issued.expiresAt <= now) this.#drop(code, issued);
    }
  }
}
