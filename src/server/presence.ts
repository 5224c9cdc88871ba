/**
 * Everyone's presence (online, away, busy, a status line), by user id. Server-wide, like the
 * roster: a person shows the same in every room. It lasts as long as the session: a resume keeps
 * it, a new join starts online.
 */
import type { Presence } from '../shared/protocol';

export class PresenceBoard {
  readonly #byUser = new Map<string, Presence>();
  readonly #clock: () => number;
  /** all(), kept until something changes: every join acknowledgement carries it. */
  #all: Readonly<Record<string, Presence>> | null = null;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** A person who joined shows online, unless they are back in a session that had a presence. */
  enter(userId: string): void {
    if (this.#byUser.has(userId)) return;
    this.#byUser.set(userId, Object.freeze({ status: 'online', since: this.#clock() }));
    this.#all = null;
  }

  /** Sets the whole presence; an empty status line is none. */
  set(userId: string, status: Presence['status'], text: string | undefined): Presence {
    const presence: Presence = Object.freeze({
      status,
      ...(text ? { text } : {}),
      since: this.#clock(),
    });
    this.#byUser.set(userId, presence);
    this.#all = null;
    return presence;
  }

  forget(userId: string): void {
    if (this.#byUser.delete(userId)) this.#all = null;
  }

  /** Everyone's presence by user id. The same frozen object until something changes. */
  all(): Readonly<Record<string, Presence>> {
    this.#all ??= Object.freeze(Object.fromEntries(this.#byUser));
    return this.#all;
  }
}
