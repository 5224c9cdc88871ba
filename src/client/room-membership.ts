/**
 * The session and the rooms ChatClient is in: joins the server (again after a reconnect, with
 * `since` and the resume token), then every other room it was in, each with what was missed there,
 * and keeps the list of rooms as they are joined, opened, left or vanish.
 */
import type { ChatEvent } from '../shared/api';
import { LOBBY } from '../shared/limits';
import type { JoinedRoom, JoinedSession, PeoplePage, RoomInfo, RoomPage } from '../shared/protocol';
import { fail, ok, type Result } from '../shared/result';
import {
  describeIssues,
  nicknameSchema,
  peoplePagePayloadSchema,
  roomDeletePayloadSchema,
  roomListPayloadSchema,
  roomNameSchema,
  type PeoplePagePayload,
  type RoomListPayload,
} from '../shared/schemas';
import type { Request } from './acked-request';
import { joinProof, type DeviceKey } from './device-key';
import type { ParleyClientSocket } from './connection';
import type { RoomCursors } from './room-cursors';

export interface RoomMembershipOptions {
  request: Request;
  emit: (event: ChatEvent) => void;
  cursors: RoomCursors;
  /** The socket in use now (a join on a replaced socket does not count). */
  currentSocket: () => ParleyClientSocket | null;
  /** A (re)join is complete: every room is caught up. */
  joined: (rejoining: boolean) => void;
  /** Proves who this is when joining (see device-key.ts). */
  deviceKey: DeviceKey;
  /** The challenge the server gave the connection unasked (session:hello), or null. */
  takeChallenge: () => string | null;
}

export class RoomMembership {
  readonly #options: RoomMembershipOptions;
  #session: JoinedSession | null = null;
  #nickname = '';
  #passphrase: string | undefined;
  /** An admin link's token, until a join used it. */
  #adminToken: string | undefined;
  /** A device link code for the next join only: once linked, the key joins as the person. */
  #link: string | undefined;
  /** The host the server was reached at (what the join proof is made for). */
  #host = '';
  /** Rooms joined besides the lobby (rejoined after every reconnect). */
  readonly #rooms = new Map<string, RoomInfo>();

  constructor(options: RoomMembershipOptions) {
    this.#options = options;
  }

  get session(): JoinedSession | null {
    return this.#session;
  }

  /** Rooms joined besides the lobby. */
  get rooms(): readonly RoomInfo[] {
    return [...this.#rooms.values()];
  }

  /**
   * Who to join as next, with which passphrase (kept in memory only), at which host (URL.host of
   * the server's address); `once`: an admin link's token and a device link code, for the first
   * successful join only.
   */
  start(
    nickname: string,
    passphrase: string | undefined,
    host: string,
    once: { adminToken?: string | undefined; link?: string | undefined } = {},
  ): void {
    this.#rooms.clear();
    this.#nickname = nickname;
    this.#passphrase = passphrase;
    this.#adminToken = once.adminToken;
    this.#host = host;
    this.#link = once.link;
  }

  /** The session is over (left, ended by the server). */
  forgetSession(): void {
    this.#session = null;
  }

  /** The socket when it is connected and a session is joined, else null. */
  joinedSocket(): ParleyClientSocket | null {
    const socket = this.#options.currentSocket();
    return socket?.connected && this.#session ? socket : null;
  }

  /**
   * Joins (or rejoins, with `since`), proving the device key, then pages through whatever else was
   * missed; live messages that arrive meanwhile are held and delivered after, so that listeners
   * see every id once and in order. Only then is the join complete.
   */
  async join(socket: ParleyClientSocket): Promise<Result<{ session: JoinedSession }>> {
    const { cursors, emit } = this.#options;
    const rejoining = this.#session !== null;
    cursors.hold();
    try {
      let result = await this.#requestSession(socket, this.#options.takeChallenge());
      // A proof signed for a connection that dropped meanwhile reached the next one (whose own
      // join then found its challenge used up): once more, with a challenge of this connection.
      if (!result.ok && result.error.code === 'identity_unproven') {
        result = await this.#requestSession(socket, null);
      }
      if (!result.ok) return result;
      // Used: the role is stored with this person now.
      this.#adminToken = undefined;
      this.#link = undefined;
      const session: JoinedSession = {
        self: result.self,
        room: result.room,
        ...peopleOf(result),
        presence: result.presence,
        messages: cursors.unseen(LOBBY, result.messages),
        hasMore: result.hasMore,
        hasOlder: result.hasOlder,
        rooms: result.rooms,
        roomCount: result.roomCount,
        directs: result.directs,
        readPositions: result.readPositions,
        host: result.host,
        serverName: result.serverName,
        protocolVersion: result.protocolVersion,
      };
      this.#session = session;
      if (!rejoining) cursors.markOldest(LOBBY, session.messages);
      emit({ type: 'session', session });
      if (result.hasMore) await cursors.catchUp(socket, LOBBY);
      // Back in every other room, with what was missed there; and into this person's direct
      // conversations the join listed (written to while away, or opened on another device).
      for (const direct of session.directs) {
        if (!this.#rooms.has(direct.id)) this.#rooms.set(direct.id, direct);
      }
      for (const room of [...this.#rooms.keys()]) {
        const rejoined = await this.#requestJoin(socket, room);
        if (!rejoined.ok) {
          // Deleted while this client was away.
          if (rejoined.error.code === 'unknown_room') this.roomDeleted(room);
          continue;
        }
        this.roomJoined(rejoined);
        if (rejoined.hasMore) await cursors.catchUp(socket, room);
      }
    } finally {
      cursors.release();
    }
    if (this.#options.currentSocket() !== socket || !socket.connected) {
      return fail('not_connected', 'The connection dropped while joining.');
    }
    this.#options.joined(rejoining);
    return ok({ session: this.#session! });
  }

  /** See ChatClient.createRoom. */
  async createRoom(name: string): Promise<Result<{ room: RoomInfo }>> {
    const checked = roomNameSchema.safeParse(name);
    if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, name));
    const socket = this.joinedSocket();
    if (!socket) return fail('not_connected', 'Not connected.');
    return this.#options.request(socket, 'room:create', { name: checked.data });
  }

  /** See ChatClient.joinRoom. */
  async joinRoom(room: string): Promise<Result<{ joined: JoinedRoom }>> {
    const socket = this.joinedSocket();
    if (!socket) return fail('not_connected', 'Not connected.');
    return this.#enterRoom(socket, this.#requestJoin(socket, room));
  }

  /** See ChatClient.openDirect. */
  async openDirect(nickname: string): Promise<Result<{ joined: JoinedRoom }>> {
    const checked = nicknameSchema.safeParse(nickname);
    if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, nickname));
    const socket = this.joinedSocket();
    if (!socket) return fail('not_connected', 'Not connected.');
    return this.#enterRoom(
      socket,
      this.#options.request(socket, 'dm:open', { nickname: checked.data }),
    );
  }

  async leaveRoom(room: string): Promise<Result> {
    const socket = this.joinedSocket();
    if (!socket) return fail('not_connected', 'Not connected.');
    const result = await this.#options.request(socket, 'room:leave', { room });
    if (result.ok || result.error.code === 'not_in_room') {
      this.#rooms.delete(room);
      this.#options.emit({ type: 'room-left', room });
    }
    return result;
  }

  /** See ChatClient.deleteRoom. */
  async deleteRoom(room: string): Promise<Result> {
    const checked = roomDeletePayloadSchema.safeParse({ room });
    if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, { room }));
    const socket = this.joinedSocket();
    if (!socket) return fail('not_connected', 'Not connected.');
    // Everyone joined (this client too) is told by `room:deleted`: see roomDeleted.
    return this.#options.request(socket, 'room:delete', checked.data);
  }

  /** See ChatClient.listRooms. */
  async listRooms(query: RoomListPayload): Promise<Result<RoomPage>> {
    const checked = roomListPayloadSchema.safeParse(query);
    if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, query));
    const socket = this.joinedSocket();
    if (!socket) return fail('not_connected', 'Not connected.');
    return this.#options.request(socket, 'room:list', checked.data);
  }

  /**
   * Signs `given` (the challenge the connection came with) or a challenge asked for now, and asks
   * to join with it. Nothing is sent when the connection changed while the proof was made: it was
   * made for the one before.
   */
  async #requestSession(socket: ParleyClientSocket, given: string | null) {
    const { cursors, request } = this.#options;
    const connection = socket.id;
    const challenge =
      given === null
        ? await request(socket, 'session:challenge', {})
        : ({ ok: true, challenge: given } as const);
    if (!challenge.ok) {
      return challenge.error.code === 'unknown_event'
        ? fail(
            'protocol_mismatch',
            'This server runs an older version of Parley (protocol 1); it cannot be joined from this one.',
          )
        : challenge;
    }
    const key = await joinProof(this.#options.deviceKey, challenge.challenge, this.#host);
    if (socket.id !== connection || !socket.connected) {
      return fail('not_connected', 'The connection dropped while joining.');
    }
    return request(socket, 'session:join', {
      nickname: this.#nickname,
      key,
      ...(this.#passphrase === undefined ? {} : { passphrase: this.#passphrase }),
      ...(this.#adminToken === undefined ? {} : { adminToken: this.#adminToken }),
      ...(this.#link === undefined ? {} : { link: this.#link }),
      ...(this.#session ? { since: cursors.newest(LOBBY) ?? 0 } : {}),
    });
  }

  /** See ChatClient.listPeople. */
  async listPeople(query: PeoplePagePayload): Promise<Result<PeoplePage>> {
    const checked = peoplePagePayloadSchema.safeParse(query);
    if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, query));
    const socket = this.joinedSocket();
    if (!socket) return fail('not_connected', 'Not connected.');
    return this.#options.request(socket, 'people:page', checked.data);
  }

  /**
   * The server deleted a room (or a rejoin found it gone): it is not rejoined after a reconnect,
   * and listeners drop it. `roomCount`: the rooms left, when the server said.
   */
  roomDeleted(room: string, roomCount?: number): void {
    // Left first, as by `leaveRoom`, for listeners that follow what is joined.
    if (this.#rooms.delete(room)) this.#options.emit({ type: 'room-left', room });
    this.#options.emit({
      type: 'room-deleted',
      room,
      ...(roomCount === undefined ? {} : { roomCount }),
    });
  }

  /** `room:join`, with what was missed there when this client has been in it before. */
  #requestJoin(socket: ParleyClientSocket, room: string): Promise<Result<JoinedRoom>> {
    const since = this.#options.cursors.newest(room);
    return this.#options.request(socket, 'room:join', {
      room,
      ...(since === undefined ? {} : { since }),
    });
  }

  /** Takes in the reply to `room:join` or `dm:open`, then catches up on the rest. */
  async #enterRoom(
    socket: ParleyClientSocket,
    reply: Promise<Result<JoinedRoom>>,
  ): Promise<Result<{ joined: JoinedRoom }>> {
    const result = await reply;
    if (!result.ok) return result;
    const joined = this.roomJoined(result);
    if (result.hasMore) await this.#options.cursors.catchUp(socket, joined.room.id);
    return ok({ joined });
  }

  /** Takes in a joined room's first page (a reply, or `dm:opened`) and tells the listeners. */
  roomJoined(reply: JoinedRoom): JoinedRoom {
    const { cursors } = this.#options;
    const joined: JoinedRoom = {
      room: reply.room,
      ...peopleOf(reply),
      messages: cursors.unseen(reply.room.id, reply.messages),
      hasMore: reply.hasMore,
      hasOlder: reply.hasOlder,
    };
    cursors.markOldest(reply.room.id, joined.messages);
    if (reply.room.id !== LOBBY) this.#rooms.set(reply.room.id, reply.room);
    this.#options.emit({ type: 'room-joined', joined });
    return joined;
  }
}

/**
 * The people a join reply lists, with how many there are and where the rest start (people:page).
 * A server older than paging lists everyone and sends no count.
 */
function peopleOf(
  reply: Pick<JoinedRoom, 'users' | 'userCount' | 'usersNext'>,
): Pick<JoinedRoom, 'users' | 'userCount' | 'usersNext'> {
  const count = (reply as { userCount?: number }).userCount ?? reply.users.length;
  return {
    users: reply.users,
    userCount: count,
    ...(reply.usersNext === undefined ? {} : { usersNext: reply.usersNext }),
  };
}
