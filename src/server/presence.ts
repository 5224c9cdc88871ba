/**
 * Everyone's presence (online, away, busy, a status line), by user id. Server-wide, like the
 * roster: a person shows the same in every room. It lasts as long as the session: a resume keeps
 * it, a new join starts online.
 *
 * Only presences that are not plain online are kept: whoever is online with no other presence
 * here is plain online (what a client assumes of anyone the join reply does not list), so a storm
 * of joins stores nothing here (issue 17: it had been an entry and an object per person).
 */
import type { Presence } from '../shared/protocol';

/** Online with no status line: what a client assumes of anyone its join reply does not list. */
const isPlainOnline = (presence: Presence) =>
  presence.status === 'online' && presence.text === undefined;

export class PresenceBoard {
  /** The presences that are not plain online, by user id. */
  readonly #listed = new Map<string, Presence>();
  readonly #clock: () => number;
  /** listed(), kept until one of them changes: every join acknowledgement carries it. */
  #listedObject: Readonly<Record<string, Presence>> | null = null;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** Sets the whole presence; an empty status line is none. */
  set(userId: string, status: Presence['status'], text: string | undefined): Presence {
    const presence: Presence = Object.freeze({
      status,
      ...(text ? { text } : {}),
      since: this.#clock(),
    });
    if (!isPlainOnline(presence)) {
      this.#listed.set(userId, presence);
      this.#listedObject = null;
    } else if (this.#listed.delete(userId)) {
      this.#listedObject = null;
    }
    return presence;
  }

  /** The person's presence when it is not plain online (or they are away); else undefined. */
  get(userId: string): Presence | undefined {
    return this.#listed.get(userId);
  }

  forget(userId: string): void {
    if (this.#listed.delete(userId)) this.#listedObject = null;
  }

  /**
   * The presence of everyone who is not plain online (away, busy, or a status line), by user id;
   * anyone left out is online. The same frozen object until one of them changes. Listing
   * everyone made each join reply grow with the crowd: a join storm of n people sent n² entries.
   */
  listed(): Readonly<Record<string, Presence>> {
    this.#listedObject ??= Object.freeze(Object.fromEntries(this.#listed));
    return this.#listedObject;
  }
}
