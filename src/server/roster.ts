/**
 * Who is online: one session per socket, nicknames unique by their skeleton (nameSkeleton: other
 * cases and look-alikes are the same name), and resume tokens that let a reconnecting client take
 * its nickname back from a connection the server still thinks is up.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { User } from '../shared/protocol';
import { nameSkeleton } from '../shared/name-skeleton';

export interface Session {
  socketId: string;
  user: User;
  resumeToken: string;
  joinedAt: number;
}

export class Roster {
  readonly #bySocket = new Map<string, Session>();
  readonly #byNickname = new Map<string, Session>();
  /** Sessions in join order, kept as people come and go (no sort per join). */
  readonly #inJoinOrder: Session[] = [];
  /** users(), kept until the roster changes: every join acknowledgement carries it. */
  #users: readonly User[] | null = null;

  get size(): number {
    return this.#bySocket.size;
  }

  get(socketId: string): Session | undefined {
    return this.#bySocket.get(socketId);
  }

  /** The session of the user with this id, if they are online. */
  byUserId(userId: string): Session | undefined {
    for (const session of this.#bySocket.values()) if (session.user.id === userId) return session;
    return undefined;
  }

  holderOf(nickname: string): Session | undefined {
    return this.#byNickname.get(nameSkeleton(nickname));
  }

  /** True when `token` is the resume token of the session holding `nickname`. */
  canResume(nickname: string, token: string | undefined): boolean {
    const holder = this.holderOf(nickname);
    if (!holder || token === undefined) return false;
    const expected = Buffer.from(holder.resumeToken);
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /**
   * Adds a session. `previous` (a resumed session) hands over its user (id and nickname as others
   * know it), its token and its place in the join order.
   */
  add(socketId: string, nickname: string, previous?: Session): Session {
    const session: Session = {
      socketId,
      user: Object.freeze(previous ? { ...previous.user } : { id: randomUUID(), nickname }),
      resumeToken: previous?.resumeToken ?? randomBytes(24).toString('base64url'),
      joinedAt: previous?.joinedAt ?? Date.now(),
    };
    this.#bySocket.set(socketId, session);
    this.#byNickname.set(nameSkeleton(nickname), session);
    if (previous) {
      // A resume goes back to its place in the join order (the caller removed `previous`).
      const place = this.#inJoinOrder.findIndex((other) => other.joinedAt > session.joinedAt);
      this.#inJoinOrder.splice(place === -1 ? this.#inJoinOrder.length : place, 0, session);
    } else {
      this.#inJoinOrder.push(session);
    }
    this.#users = null;
    return session;
  }

  remove(socketId: string): Session | undefined {
    const session = this.#bySocket.get(socketId);
    if (!session) return undefined;
    this.#bySocket.delete(socketId);
    this.#users = null;
    const place = this.#inJoinOrder.indexOf(session);
    if (place !== -1) this.#inJoinOrder.splice(place, 1);
    if (this.#byNickname.get(nameSkeleton(session.user.nickname)) === session) {
      this.#byNickname.delete(nameSkeleton(session.user.nickname));
    }
    return session;
  }

  /** Everyone online, in join order. The same frozen list until the roster changes. */
  users(): readonly User[] {
    this.#users ??= Object.freeze(this.#inJoinOrder.map((session) => session.user));
    return this.#users;
  }
}
