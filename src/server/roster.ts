/**
 * Who is online: one session per socket and one per person (a person who joins again, from this
 * device or another, takes over their session: see session-events.ts), nicknames unique by their
 * skeleton (nameSkeleton: other cases and look-alikes are the same name).
 */
import type { User } from '../shared/protocol';
import { nameSkeleton } from '../shared/name-skeleton';

export interface Session {
  socketId: string;
  /** `id` is the person's identity. */
  user: User;
  joinedAt: number;
}

export class Roster {
  readonly #bySocket = new Map<string, Session>();
  readonly #byNickname = new Map<string, Session>();
  readonly #byUser = new Map<string, Session>();
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

  /** The session of the person with this identity id, if they are online. */
  byUserId(userId: string): Session | undefined {
    return this.#byUser.get(userId);
  }

  holderOf(nickname: string): Session | undefined {
    return this.#byNickname.get(nameSkeleton(nickname));
  }

  /**
   * Adds a session for `user`. `previous` (their session that this one takes over, which the
   * caller removed) hands over its place in the join order.
   */
  add(socketId: string, user: User, previous?: Session): Session {
    const session: Session = {
      socketId,
      user: Object.freeze({ ...user }),
      joinedAt: previous?.joinedAt ?? Date.now(),
    };
    this.#bySocket.set(socketId, session);
    this.#byNickname.set(nameSkeleton(user.nickname), session);
    this.#byUser.set(user.id, session);
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

  /** `user` (an id online) shows differently now (renamed, another role): their session says so. */
  update(user: User): Session | undefined {
    const session = this.#byUser.get(user.id);
    if (!session) return undefined;
    this.remove(session.socketId);
    return this.add(session.socketId, user, session);
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
    if (this.#byUser.get(session.user.id) === session) this.#byUser.delete(session.user.id);
    return session;
  }

  /** Everyone online, in join order. The same frozen list until the roster changes. */
  users(): readonly User[] {
    this.#users ??= Object.freeze(this.#inJoinOrder.map((session) => session.user));
    return this.#users;
  }
}
