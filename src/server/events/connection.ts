/**
 * One connection as the event handlers see it: the server's parts they share (roster, history,
 * rooms, broadcasters, limits), and the few things about rooms that several domains need — who
 * is in a room, a page of its history for a (re)join, entering it, whether one may post in it,
 * and publishing a message (stored first, then shown). Built once per connection.
 * Over 450 lines, one job: RoomViews (what needs no socket, also used by the server itself) and
 * Connection (the same, seen from one socket) are the one view of rooms every domain shares.
 */
import type { Limiter } from '../rate-limits';
import { LIMITS, LOBBY } from '../../shared/limits';
import type {
  ChatMessage,
  FileAttachment,
  JoinedRoom,
  PeoplePage,
  RoomInfo,
  User,
} from '../../shared/protocol';
import { fail, type Failure } from '../../shared/result';
import type { RoomBroadcaster } from '../broadcast-batcher';
import type { Cluster } from '../cluster/cluster';
import type { ConnectionLimits } from '../connection-limits';
import type { FloodContainment } from '../flood-containment';
import {
  MessageRefused,
  type AppendRequest,
  type HistoryStore,
  type StoredRoom,
} from '../storage/history-store';
import type { MessageSearch } from '../search/message-search';
import { mentionsIn } from '../mentions';
import type { Moderation } from '../moderation';
import type { LinkCodes } from '../link-codes';
import type { PresenceBoard } from '../presence';
import type { People } from '../people';
import { listsPresence } from '../presence-changes';
import { otherPerson, type RoomDirectory } from '../rooms';
import { pageOfPeople, type PeopleRequest, type Roster, type Session } from '../roster';
import type { ParleyServer, ParleySocket } from '../socket-types';
import type { EventHandlers, Limit } from './bind-events';
import type { FileService } from './file-events';

/** The server's parts, shared by every connection. */
export interface ServerParts {
  io: ParleyServer;
  /** The caps on connections and the join timeout (connection-limits.ts). */
  connectionLimits: ConnectionLimits;
  roster: Roster;
  /** Everyone who ever joined: their device keys and the nickname bound to each. */
  people: People;
  /** One-time codes that link a new device to a person. */
  linkCodes: LinkCodes;
  /** Everyone's online, away or busy, and status line. */
  presence: PresenceBoard;
  history: HistoryStore;
  /** The index of stored messages: told of each new one after its acknowledgement. */
  search: MessageSearch;
  rooms: RoomDirectory;
  /** Room events go through it: presence in batches, everything in the order it happened. */
  broadcasterFor: (room: string) => RoomBroadcaster;
  /** The other nodes of a cluster (cluster/cluster.ts); null on a single server. */
  cluster: Pick<Cluster, 'send'> | null;
  /** The sockets in `room`: on every node of a cluster (cluster/cluster.ts), else this one's. */
  membersOf: (room: string) => ReadonlySet<string> | undefined;
  /**
   * A log entry (a message or a change) was stored: the room is shown it and the search index
   * learns it. On a single server at once; in a cluster through each node's ordered read of the
   * room (cluster/room-tail.ts). Resolves once this node's sockets have it.
   */
  entryStored: (room: string, entry: ChatMessage) => Promise<void>;
  /** Notes that a room's member count changed (sent to everyone every few seconds). */
  countChanged: (room: string) => void;
  limiters: Limiters;
  serverName: string;
  /** Stops reading from connections that keep sending what is refused. */
  containment: FloodContainment;
  /** Who may enter (passphrase, removed people), who may moderate, and removing someone. */
  moderation: Moderation;
  onError: (error: unknown) => void;
  isRateLimitExempt: (address: string) => boolean;
  /** True for a connection from the host (the server's own machine): it may delete any room. */
  isHost: (address: string) => boolean;
  /**
   * True when `user` (connected from `address`) may delete anyone's message in `room`: the host
   * today; the one place where moderator roles plug in.
   */
  mayModerate: (user: User, address: string, room: string) => boolean;
  /** The most named rooms the server holds (the lobby included). */
  maxRooms: number;
  /** People a join acknowledgement lists at most (LIMITS.joinPeoplePage unless set lower). */
  joinPeoplePage: number;
  /** A room was deleted: the server forgets what it kept for it (its broadcaster, its count). */
  roomDeleted: (room: string) => void;
  /** Stored files, who may read them, and the upload limits. */
  files: FileService;
}

export interface Limiters {
  message: Limiter;
  messagePerAddress: Limiter;
  typing: Limiter;
  presence: Limiter;
  history: Limiter;
  /** Searches, per connection. */
  search: Limiter;
  /** Room creation, joins and leaves, and opening direct conversations, per connection. */
  rooms: Limiter;
  /** Rooms made per address (all its connections together). */
  roomCreatePerAddress: Limiter;
  join: Limiter;
  /** Join challenges, per connection. */
  challenge: Limiter;
  /** Device link codes asked for, per connection. */
  linkCode: Limiter;
  /** Wrong device link codes, per address (every address: a code is guessed otherwise). */
  wrongLinkCode: Limiter;
  /** Read positions stored, per connection. */
  read: Limiter;
  /** Uploads started, per connection. */
  fileBegin: Limiter;
  fileBeginPerAddress: Limiter;
  /** File chunks sent and read (and uploads ended or cancelled), per connection. */
  fileChunk: Limiter;
  fileChunkPerAddress: Limiter;
  /** Moderation requests (`role:set`, `person:remove`, `name:set`), per connection. */
  moderation: Limiter;
}

/** The limiters counted per connection: forgotten when it closes. */
export const PER_CONNECTION_LIMITERS = [
  'message',
  'typing',
  'presence',
  'history',
  'search',
  'rooms',
  'challenge',
  'linkCode',
  'read',
  'fileBegin',
  'fileChunk',
  'moderation',
] as const satisfies ReadonlyArray<keyof Limiters>;

/**
 * Tells the named rooms among `rooms` that `user` left, and forgets their presence: a connection
 * that closed (removed from the roster already), or a session its person took over under another
 * name. A person still there on another device has not left: not where that device is, and not
 * the server.
 */
export function announceLeft(parts: ServerParts, session: Session, rooms: Iterable<string>): void {
  const { user, order } = session;
  if (parts.roster.sessionsOf(user.id).length === 0) parts.presence.forget(user.id);
  for (const id of rooms) {
    if (parts.rooms.get(id)?.kind !== 'room') continue;
    if (hasDeviceIn(parts, user.id, id)) continue;
    void parts.broadcasterFor(id).queue('presence:left', { room: id, user }, { order });
  }
}

/**
 * Notes how far `target` lists `room`'s people — up to `next` in the join order, or (undefined)
 * everyone — when it asked to hear the joins and leaves of those only (PresenceWindow).
 */
export function noteListed(target: ParleySocket, room: string, next: number | undefined): void {
  if (!listsPresence(target)) return;
  if (next !== undefined) (target.data.listed ??= {})[room] = next;
  else if (target.data.listed) delete target.data.listed[room];
}

/** True when one of the person's sessions (but `except`, a socket id) is in `room`. */
export function hasDeviceIn(
  parts: Pick<ServerParts, 'membersOf' | 'roster'>,
  person: string,
  room: string,
  except?: string,
): boolean {
  const members = parts.membersOf(room);
  if (!members) return false;
  return parts.roster
    .sessionsOf(person)
    .some((session) => session.socketId !== except && members.has(session.socketId));
}

/**
 * How many people are in `room` (a person with two devices there counts once). Counting the
 * sockets is enough while nobody has two devices online, which keeps a join storm cheap.
 */
export function peopleIn(parts: Pick<ServerParts, 'membersOf' | 'roster'>, room: string): number {
  const members = parts.membersOf(room);
  if (!members) return 0;
  if (!parts.roster.hasSharedPeople) return members.size;
  const people = new Set<string>();
  for (const socketId of members) people.add(parts.roster.get(socketId)?.user.id ?? socketId);
  return people.size;
}

/**
 * What several domains need to know or do about rooms, from the server's parts alone (no
 * connection): how a room looks to someone, who is in it, a page of its history for a (re)join,
 * putting a socket in it, and bringing both people of a direct conversation into it. A cluster
 * node uses it for messages stored on other nodes (chat-server.ts). A class, so that its methods
 * are shared: every Connection is one, and a closure per method per connection cost a kilobyte of
 * each idle connection (issue 17's memory per connection).
 */
export class RoomViews {
  constructor(readonly parts: ServerParts) {}

  /** A room as `viewer` (an identity id) sees it: a direct conversation is named after the other. */
  info(room: StoredRoom, viewer: string): RoomInfo {
    if (room.kind === 'direct') {
      const peer = otherPerson(room, viewer);
      return {
        id: room.id,
        kind: room.kind,
        name: this.nicknameOf(peer, room),
        peer,
        peerOnline: this.parts.roster.sessionsOf(peer).length > 0,
        members: peopleIn(this.parts, room.id),
      };
    }
    return {
      id: room.id,
      kind: room.kind,
      name: room.name,
      members: peopleIn(this.parts, room.id),
      ...(room.createdBy === undefined ? {} : { createdBy: room.createdBy }),
      ...(room.creator === undefined ? {} : { creator: room.creator }),
    };
  }

  /**
   * What a person is called now: online, their session's name; else the name bound to them;
   * else (released) the name a direct conversation kept for them.
   */
  nicknameOf(person: string, room?: StoredRoom): string {
    const online = this.parts.roster.byUserId(person)?.user.nickname;
    if (online !== undefined) return online;
    const bound = this.parts.people.get(person)?.nickname;
    if (bound) return bound;
    const index = room?.people?.indexOf(person) ?? -1;
    return (index === -1 ? undefined : room?.members[index]) ?? 'someone';
  }

  /**
   * A page of the people in `room` (each once, whichever of their devices are there) in the
   * order they came online. The lobby is everyone online: the roster pages it without looking
   * at anyone else; another room's people are gathered and put in order first.
   */
  peoplePage(room: string, request: PeopleRequest): PeoplePage {
    if (room === LOBBY) return this.parts.roster.page(request);
    return pageOfPeople(this.#sessionsIn(room), request);
  }

  /**
   * The people a (re)join of `room` lists: everyone when they fit on one page, else the first
   * of them with `self` (the joiner) at the end, where a person who just came is anyway; the
   * pages that follow list them again in their own place (clients keep each person once). Notes
   * how far `target`, which gets this list, now lists the room (noteListed).
   */
  firstPeople(
    target: ParleySocket,
    room: string,
    self: User,
  ): Pick<JoinedRoom, 'users' | 'userCount' | 'usersNext'> {
    const limit = this.parts.joinPeoplePage;
    const first = this.peoplePage(room, { limit });
    const people = { users: first.users, userCount: first.total };
    if (first.next === undefined || first.users.some((user) => user.id === self.id)) {
      noteListed(target, room, first.next);
      return first.next === undefined ? people : { ...people, usersNext: first.next };
    }
    const others = this.peoplePage(room, { limit: limit - 1 });
    noteListed(target, room, others.next);
    return { users: [...others.users, self], userCount: first.total, usersNext: others.next! };
  }

  /** A page of a room's history for a (re)join: the latest, or the first after `since`. */
  async historyFor(room: string, since: number | undefined) {
    const { history } = this.parts;
    const { messages, hasMore } =
      since === undefined
        ? { messages: await history.latest(room, LIMITS.joinHistoryLength), hasMore: false }
        : await history.page(room, { after: since }, LIMITS.historyPageLength);
    const oldest = messages[0];
    const hasOlder = oldest === undefined ? false : await history.hasBefore(room, oldest.id);
    return { messages, hasMore, hasOlder };
  }

  /**
   * Puts `target` in `room`, unless it is there already; announced to the others unless the
   * person is there on another device.
   */
  enter(target: ParleySocket, room: StoredRoom, user: User): void {
    if (target.rooms.has(room.id)) return;
    const there = hasDeviceIn(this.parts, user.id, room.id, target.id);
    void target.join(room.id);
    this.parts.countChanged(room.id);
    if (room.kind === 'room' && !there) {
      const order = this.parts.roster.get(target.id)?.order;
      void this.parts
        .broadcasterFor(room.id)
        .queue('presence:joined', { room: room.id, user }, { joiner: target.id, order });
    }
  }

  /**
   * Puts every device of both people of a direct conversation in it (the other person closed
   * it or reconnected without it; another device of the writer's never opened it): each gets
   * `dm:opened` with its history, as when it was first opened, so that what follows reaches
   * every device. Nothing for a room, for devices in it already, or for a person away (the
   * join lists it for them).
   */
  async bringPeerIn(roomId: string, user: User, hereOnly = false): Promise<void> {
    const { parts } = this;
    const room = parts.rooms.get(roomId);
    if (room?.kind !== 'direct') return;
    // The other nodes of a cluster bring in their own devices of the two.
    if (!hereOnly) parts.cluster?.send({ t: 'bring', room: roomId, user });
    const outside = [user.id, otherPerson(room, user.id)].flatMap((person) =>
      parts.roster.sessionsOf(person).flatMap((session) => {
        const target = parts.io.sockets.sockets.get(session.socketId);
        return target && !target.rooms.has(room.id) ? [{ target, session }] : [];
      }),
    );
    if (outside.length === 0) return;
    const page = await this.historyFor(room.id, undefined);
    for (const { target, session } of outside) this.enter(target, room, session.user);
    for (const { target, session } of outside) {
      target.emit('dm:opened', {
        room: this.info(room, session.user.id),
        ...this.firstPeople(target, room.id, session.user),
        ...page,
      });
    }
  }

  /** The sessions of the people in `room`, each person once, in the order they came online. */
  #sessionsIn(room: string): Session[] {
    const seen = new Set<string>();
    const sessions: Session[] = [];
    for (const id of this.parts.membersOf(room) ?? []) {
      const member = this.parts.roster.get(id);
      if (!member || seen.has(member.user.id)) continue;
      seen.add(member.user.id);
      sessions.push(member);
    }
    return sessions.sort((one, other) => one.order - other.order);
  }
}

/** One connection as the event handlers see it (see the top of this file). */
export class Connection extends RoomViews {
  readonly address: string;
  /** The room this connection last said it was typing in; null when not typing. */
  #typingIn: string | null = null;
  /**
   * Its handlers, by domain, made at its first event of each (register-connection.ts): most
   * connections of a large room only read, and keep none.
   */
  handlersByDomain: Map<unknown, Partial<EventHandlers>> | null = null;
  /** The rooms it was in when it began to disconnect (Socket.IO forgets them by `disconnect`). */
  roomsAtDisconnect: readonly string[] = [];

  constructor(
    readonly socket: ParleySocket,
    parts: ServerParts,
  ) {
    super(parts);
    this.address = socket.handshake.address;
  }

  perConnection(limiter: Limiter): Limit {
    return { limiter, key: this.socket.id };
  }

  /** Joins and messages also count per address: a new connection must not reset them. */
  perAddress(limiter: Limiter): Limit {
    return this.parts.isRateLimitExempt(this.address) ? null : { limiter, key: this.address };
  }

  get typingIn(): string | null {
    return this.#typingIn;
  }

  setTyping(user: User, room: string, value: boolean): void {
    const { parts, socket } = this;
    const typingIn = this.#typingIn;
    if (typingIn !== null && typingIn !== room) {
      void parts
        .broadcasterFor(typingIn)
        .emit('typing:updated', { room: typingIn, user, typing: false }, { except: socket.id });
    }
    this.#typingIn = value ? room : null;
    void parts
      .broadcasterFor(room)
      .emit('typing:updated', { room, user, typing: value }, { except: socket.id });
  }

  /**
   * Why a message cannot be posted in `roomId` now (null: it can). A direct message to someone
   * who is away is stored: they get it when they come back.
   */
  cannotPost(roomId: string): Failure<'unknown_room' | 'not_in_room'> | null {
    if (!this.parts.rooms.get(roomId)) return fail('unknown_room', 'There is no such room.');
    if (!this.socket.rooms.has(roomId)) return fail('not_in_room', 'Join the room first.');
    return null;
  }

  /**
   * Stores a message and then shows it to the room (once, however often it is resent). The
   * caller checked the room (cannotPost); a room deleted since (while a file was being stored,
   * or a peer brought in) is refused here, right before the message is stored, so that nothing
   * is ever written under a deleted room's id.
   */
  async publish(
    user: User,
    roomId: string,
    clientId: string,
    text: string,
    file?: FileAttachment,
  ): Promise<Failure<'unknown_room'> | { ok: true; message: ChatMessage }> {
    return this.#publishEntry(user, roomId, {
      room: roomId,
      author: user,
      clientId,
      text,
      file,
    });
  }

  /**
   * Like publish, for a reply or a change entry: refused (`unknown_message`) when the message
   * it names is not in the room (or was deleted).
   */
  async publishRelated(
    user: User,
    roomId: string,
    clientId: string,
    text: string,
    related: Pick<AppendRequest, 'replyTo' | 'change'>,
  ): Promise<Failure<'unknown_room' | 'unknown_message'> | { ok: true; message: ChatMessage }> {
    const request = { room: roomId, author: user, clientId, text, ...related };
    try {
      return await this.#publishEntry(user, roomId, request);
    } catch (error) {
      if (error instanceof MessageRefused) return fail(error.code, error.message);
      throw error;
    }
  }

  async #publishEntry(
    user: User,
    roomId: string,
    request: AppendRequest,
  ): Promise<Failure<'unknown_room'> | { ok: true; message: ChatMessage }> {
    const { parts } = this;
    await this.bringPeerIn(roomId, user);
    if (!parts.rooms.get(roomId)) return fail('unknown_room', 'The room was deleted.');
    const appended = parts.history.append(withMentions(request, parts.people));
    if (this.#typingIn === roomId && !request.change) this.setTyping(user, roomId, false);
    // Stored first, then shown: an id anyone has seen is never handed out again, even when
    // the server is killed right after.
    const stored = await appended;
    const { message, created } = stored;
    // Shown (and indexed) before it is acknowledged, so that the sender gets the broadcast first.
    if (created) await parts.entryStored(roomId, message);
    return { ok: true, message };
  }
}

/** `request` with the people its text (or its edit's new text) mentions, as the server sees them. */
function withMentions(request: AppendRequest, people: People): AppendRequest {
  const { change } = request;
  if (change?.kind === 'edit') {
    const { mentions: _claimed, ...edit } = change;
    const mentions = mentionsIn(edit.text, people);
    return { ...request, change: mentions.length > 0 ? { ...edit, mentions } : edit };
  }
  if (change) return request;
  const mentions = mentionsIn(request.text, people);
  return mentions.length > 0 ? { ...request, mentions } : request;
}
