/**
 * Who is online: one session per socket, and every session of each person (their linked devices
 * online together; the same device joining again takes over its own older session: see
 * session-events.ts). All sessions of a person show the same nickname, unique among people by its
 * skeleton (nameSkeleton: other cases and look-alikes are the same name).
 *
 * People are listed in the order they came online, a page at a time (`page`): each person has a
 * place in that order (`Session.order`) that no later person shares, so a page's end stays a
 * valid place to go on from however many people come and go in between.
 */
import type { PeoplePage, User } from '../shared/protocol';
import { nameSkeleton } from '../shared/name-skeleton';

export interface Session {
  socketId: string;
  /** `id` is the person's identity. */
  user: User;
  /** The device key this session proved (raw Ed25519, base64url). */
  deviceKey: string;
  joinedAt: number;
  /**
   * The person's place in the join order: the same for all their sessions, kept by a session that
   * takes over its own older one, larger for everyone who comes online later.
   */
  order: number;
  /** The cluster node it is connected to when another one (cluster/cluster.ts); else absent. */
  node?: string;
}

/** Told of this node's own sessions as they come and go (the cluster tells the other nodes). */
export interface RosterObserver {
  added(session: Session): void;
  removed(session: Session): void;
}

/**
 * A frozen copy of `user`, made field by field: in V8 `Object.freeze({ ...user })` gives every
 * copy a hidden class of its own (about 270 bytes more for each person online; heap snapshots of
 * a join storm, issue 17), where copies made like this share one.
 */
export function frozenUser(user: User): User {
  const copy: User = { id: user.id, nickname: user.nickname };
  if (user.role !== undefined) copy.role = user.role;
  return Object.freeze(copy);
}

export class Roster {
  readonly #bySocket = new Map<string, Session>();
  /** Each online person's identity id, by the skeleton of their nickname. */
  readonly #byNickname = new Map<string, string>();
  /**
   * Each online person's sessions, oldest first: the session itself while they have one (most
   * people: an array each was a tenth of a kilobyte per person online, issue 17's memory).
   */
  readonly #byUser = new Map<string, Session | Session[]>();
  /** People (their first session) in join order, kept as they come and go (no sort per join). */
  readonly #inJoinOrder: Session[] = [];
  /** users(), kept until the roster changes: every join acknowledgement carries it. */
  #users: readonly User[] | null = null;
  /** Sessions beyond each person's first: 0 when nobody has two devices online. */
  #extraSessions = 0;
  /** The last place in the join order given out. */
  #lastOrder = 0;
  #observer: RosterObserver | null = null;

  observe(observer: RosterObserver): void {
    this.#observer = observer;
  }

  /** Sessions (connections), not people. */
  get size(): number {
    return this.#bySocket.size;
  }

  /** True when someone has more than one session: counting sockets then counts them twice. */
  get hasSharedPeople(): boolean {
    return this.#extraSessions > 0;
  }

  get(socketId: string): Session | undefined {
    return this.#bySocket.get(socketId);
  }

  /** A session of the person with this identity id (their first), if they are online. */
  byUserId(userId: string): Session | undefined {
    const sessions = this.#byUser.get(userId);
    return Array.isArray(sessions) ? sessions[0] : sessions;
  }

  /** Every session of the person with this identity id (empty when they are away). */
  sessionsOf(userId: string): readonly Session[] {
    const sessions = this.#byUser.get(userId);
    if (sessions === undefined) return [];
    return Array.isArray(sessions) ? sessions : [sessions];
  }

  holderOf(nickname: string): Session | undefined {
    const userId = this.#byNickname.get(nameSkeleton(nickname));
    return userId === undefined ? undefined : this.byUserId(userId);
  }

  /**
   * Adds a session for `user` with `deviceKey`. The person's other sessions must show the same
   * nickname (the caller checks). `previous` (a session that this one takes over, which the caller
   * removed) hands over its place in the join order.
   */
  add(
    socketId: string,
    user: User,
    deviceKey: string,
    previous?: Session,
    remote?: { node: string; joinedAt: number },
  ): Session {
    const first = this.byUserId(user.id);
    const session: Session = {
      socketId,
      user: frozenUser(user),
      deviceKey,
      joinedAt: remote?.joinedAt ?? previous?.joinedAt ?? Date.now(),
      order: first?.order ?? previous?.order ?? ++this.#lastOrder,
      ...(remote && { node: remote.node }),
    };
    this.#bySocket.set(socketId, session);
    if (!remote) this.#observer?.added(session);
    if (first) {
      this.#byUser.set(user.id, [...this.sessionsOf(user.id), session]);
      this.#extraSessions++;
      return session;
    }
    this.#byUser.set(user.id, session);
    this.#byNickname.set(nameSkeleton(user.nickname), user.id);
    if (previous) {
      // A resume goes back to its place in the join order (the caller removed `previous`).
      const place = this.#inJoinOrder.findIndex((other) => other.order > session.order);
      this.#inJoinOrder.splice(place === -1 ? this.#inJoinOrder.length : place, 0, session);
    } else {
      this.#inJoinOrder.push(session);
    }
    this.#users = null;
    return session;
  }

  /**
   * `user` (an id online) shows differently now (renamed, another role): every session of theirs
   * says so, in the same place in the join order. Returns their sessions (none: they are away).
   */
  update(user: User): readonly Session[] {
    const sessions = this.sessionsOf(user.id);
    if (sessions.length === 0) return [];
    const shown = frozenUser(user);
    const oldSkeleton = nameSkeleton(sessions[0]!.user.nickname);
    if (this.#byNickname.get(oldSkeleton) === user.id) this.#byNickname.delete(oldSkeleton);
    this.#byNickname.set(nameSkeleton(user.nickname), user.id);
    for (const session of sessions) session.user = shown;
    this.#users = null;
    return sessions;
  }

  remove(socketId: string): Session | undefined {
    const session = this.#bySocket.get(socketId);
    if (!session) return undefined;
    this.#bySocket.delete(socketId);
    if (session.node === undefined) this.#observer?.removed(session);
    const rest = this.sessionsOf(session.user.id).filter((other) => other !== session);
    const place = this.#inJoinOrder.indexOf(session);
    if (rest.length > 0) {
      this.#byUser.set(session.user.id, rest.length === 1 ? rest[0]! : rest);
      this.#extraSessions--;
      // The person stays where they were in the join order, under their next session.
      if (place !== -1) this.#inJoinOrder[place] = rest[0]!;
      return session;
    }
    this.#byUser.delete(session.user.id);
    this.#users = null;
    if (place !== -1) this.#inJoinOrder.splice(place, 1);
    const skeleton = nameSkeleton(session.user.nickname);
    if (this.#byNickname.get(skeleton) === session.user.id) this.#byNickname.delete(skeleton);
    return session;
  }

  /** Everyone online (each person once), in join order. The same frozen list until it changes. */
  users(): readonly User[] {
    this.#users ??= Object.freeze(this.#inJoinOrder.map((session) => session.user));
    return this.#users;
  }

  /** How many people are online (each once, however many devices). */
  get people(): number {
    return this.#inJoinOrder.length;
  }

  /** A page of everyone online (each person once), in join order: see pageOfPeople. */
  page(request: PeopleRequest): PeoplePage {
    return pageOfPeople(this.#inJoinOrder, request);
  }
}

/** What a page of people asks for: see `people:page` in docs/PROTOCOL.md. */
export interface PeopleRequest {
  /** The `next` of the page before: people whose place in the join order is after it. */
  after?: number | undefined;
  /** Only people whose nickname contains it, ignoring case (empty: everyone). */
  query?: string | undefined;
  limit: number;
}

/**
 * A page of `people` (sessions in join order, each person once): those after `after` that match
 * the query, at most `limit`; `total` counts every match, `next` is set when more follow. Without
 * a query a page costs the page, not the crowd (its start is found by halving): a join storm asks
 * for one per join.
 */
export function pageOfPeople(people: readonly Session[], request: PeopleRequest): PeoplePage {
  const { after = 0, limit } = request;
  const query = request.query?.trim().toLowerCase() ?? '';
  let low = 0;
  let high = people.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (people[middle]!.order <= after) low = middle + 1;
    else high = middle;
  }
  const users: User[] = [];
  let next: number | undefined;
  if (query === '') {
    const end = Math.min(people.length, low + limit);
    for (let index = low; index < end; index++) users.push(people[index]!.user);
    if (end < people.length) next = people[end - 1]!.order;
    return { users, total: people.length, ...(next === undefined ? {} : { next }) };
  }
  let total = 0;
  let lastOrder = after;
  let more = false;
  for (let index = 0; index < people.length; index++) {
    const session = people[index]!;
    if (!session.user.nickname.toLowerCase().includes(query)) continue;
    total++;
    if (index < low) continue;
    if (users.length < limit) {
      users.push(session.user);
      lastOrder = session.order;
    } else {
      more = true;
    }
  }
  if (more) next = lastOrder;
  return { users, total, ...(next === undefined ? {} : { next }) };
}
