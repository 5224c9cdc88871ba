/**
 * The event handlers of one connection, built from injected dependencies (roster, message log,
 * rate limiters). Every payload is parsed with its schema before anything else; every outcome
 * goes back through the acknowledgement as `{ ok: true, … }` or `{ ok: false, error }`.
 */
import type { Server, Socket } from 'socket.io';
import type { RateLimiterMemory } from 'rate-limiter-flexible';
import type { ZodType } from 'zod';
import { LIMITS, LOBBY, PROTOCOL_VERSION } from '../shared/limits';
import {
  CLIENT_EVENTS,
  type ClientToServerEvents,
  type InterServerEvents,
  type ServerToClientEvents,
  type FileAttachment,
  type JoinedRoom,
  type RoomInfo,
  type SocketData,
  type User,
} from '../shared/protocol';
import { fail, ok, type Result } from '../shared/result';
import {
  describeIssues,
  directOpenPayloadSchema,
  historyFetchPayloadSchema,
  nicknameKey,
  roomCreatePayloadSchema,
  roomJoinPayloadSchema,
  roomLeavePayloadSchema,
  joinPayloadSchema,
  sendMessagePayloadSchema,
  typingPayloadSchema,
} from '../shared/schemas';
import type { MessageLog } from './message-log';
import { verifyPassphrase, type PassphraseHash } from './passphrase';
import type { Throttle } from './throttle';
import { isMember, otherMember, type RoomDirectory } from './rooms';
import type { StoredRoom } from './message-store';
import type { Roster } from './roster';
import type { RoomOutbox } from './room-outbox';
import { registerFileEvents, type FileService } from './file-handlers';

export type ParleyServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
export type ParleySocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

export interface HandlerDependencies {
  io: ParleyServer;
  roster: Roster;
  log: MessageLog;
  /** Room events go through it: presence in batches, everything in the order it happened. */
  outbox: RoomOutbox;
  /** The outbox of any room (the lobby's is `outbox`). */
  outboxFor: (room: string) => RoomOutbox;
  rooms: RoomDirectory;
  /** Notes that a room's member count changed (sent to everyone every few seconds). */
  countChanged: (room: string) => void;
  limiters: Limiters;
  serverName: string;
  /** Stops reading from connections that keep sending what is refused. */
  throttle: Throttle;
  /** The room's passphrase as an scrypt hash; null when anyone may join. */
  passphrase: PassphraseHash | null;
  onError: (error: unknown) => void;
  isRateLimitExempt: (address: string) => boolean;
  /** Stored files, who may read them, and the upload limits. */
  files: FileService;
}

export interface Limiters {
  message: RateLimiterMemory;
  messagePerAddress: RateLimiterMemory;
  typing: RateLimiterMemory;
  history: RateLimiterMemory;
  /** Room creation, joins and leaves, and opening direct conversations, per connection. */
  rooms: RateLimiterMemory;
  join: RateLimiterMemory;
  /** Wrong passphrases per address; used up = joins refused until the window ends. */
  wrongPassphrase: RateLimiterMemory;
  /** Addresses the host removed someone from: blocked for LIMITS.kickCooldownSeconds. */
  kicked: RateLimiterMemory;
  /** Uploads started, per connection. */
  fileBegin: RateLimiterMemory;
  fileBeginPerAddress: RateLimiterMemory;
  /** File chunks sent and read (and uploads ended or cancelled), per connection. */
  fileChunk: RateLimiterMemory;
  fileChunkPerAddress: RateLimiterMemory;
}

type AnyAck = (result: Result) => void;

export interface Hooks {
  onError: (error: unknown) => void;
  /** True once the connection is being dropped (see Throttle). */
  silenced: () => boolean;
  /** A request was refused as malformed, unknown or over its rate limit (see Throttle). */
  onRefused: () => void;
}

/** Refusals that count towards a connection's budget (see throttle.ts). */
const REFUSALS: ReadonlySet<string> = new Set(['invalid_payload', 'unknown_event', 'rate_limited']);

/** A rate limit: the limiter and the key it counts under (the connection or the address). */
export type Limit = { limiter: RateLimiterMemory; key: string } | null;

export interface EventSpec<T> {
  schema: ZodType<T>;
  /** Rate limits; the event is refused when any of them is used up. */
  limits: Limit[];
  handle: (payload: T) => Result | Promise<Result>;
}

/**
 * Wires one event: takes the ack off the arguments (it may be missing or not a function), parses
 * the payload, applies the rate limit, runs the handler and acknowledges whatever it returns.
 */
export function on<T>(
  socket: ParleySocket,
  event: keyof ClientToServerEvents,
  spec: EventSpec<T>,
  hooks: Hooks,
): void {
  const { onError } = hooks;
  // The typed maps describe well-behaved clients; here every argument is untrusted.
  (socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void }).on(
    event,
    (...args: unknown[]) => {
      // A connection being dropped for flooding: what it sent meanwhile is not handled.
      if (hooks.silenced()) return;
      const last = args.at(-1);
      const reply: AnyAck = typeof last === 'function' ? (last as AnyAck) : () => {};
      if (typeof last === 'function') args.pop();
      const ack: AnyAck = (result) => {
        if (!result.ok && REFUSALS.has(result.error.code)) hooks.onRefused();
        reply(result);
      };
      void (async () => {
        try {
          if (args.length !== 1) {
            ack(fail('invalid_payload', `${event} takes exactly one payload object.`));
            return;
          }
          // Checked before the schema: a binary attachment arrives as a Buffer, which zod would
          // take for an object and walk index by index (64 KiB of them), and an array would get
          // zod's own wording.
          if (!isPlainObject(args[0])) {
            ack(fail('invalid_payload', 'Payload must be an object.'));
            return;
          }
          const parsed = spec.schema.safeParse(args[0]);
          if (!parsed.success) {
            ack(fail('invalid_payload', describeIssues(parsed.error, args[0])));
            return;
          }
          if (!(await consumeAll(spec.limits))) {
            ack(fail('rate_limited', 'You are sending too fast. Wait a moment and try again.'));
            return;
          }
          ack(await spec.handle(parsed.data));
        } catch (error) {
          onError(error);
          ack(fail('internal', 'The server could not handle this request.'));
        }
      })();
    },
  );
}

/** What JSON makes of `{…}`: not null, an array, a Buffer or any other class's instance. */
function isPlainObject(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}

/** Whole seconds until `limiter` lets `key` through again; 0 when it does now. */
async function blockedFor(limiter: RateLimiterMemory, key: string): Promise<number> {
  const state = await limiter.get(key);
  if (!state || state.remainingPoints > 0) return 0;
  return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
}

async function consumeAll(limits: readonly Limit[]): Promise<boolean> {
  for (const limit of limits) {
    if (limit && !(await consume(limit.limiter, limit.key))) return false;
  }
  return true;
}

async function consume(limiter: RateLimiterMemory, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (rejection) {
    if (rejection instanceof Error) throw rejection;
    return false; // rate-limiter-flexible rejects with a RateLimiterRes when the limit is hit
  }
}

export function registerConnection(socket: ParleySocket, deps: HandlerDependencies): void {
  const { io, roster, log, outbox, limiters, onError } = deps;
  const hooks: Hooks = {
    onError,
    silenced: () => deps.throttle.isSilenced(socket.id),
    onRefused: () => void deps.throttle.refused(socket).catch(onError),
  };
  const perConnection = (limiter: RateLimiterMemory) => ({ limiter, key: socket.id });
  // Joins and messages also count per address: opening a new connection must not reset them.
  const address = socket.handshake.address;
  const perAddress = (limiter: RateLimiterMemory): Limit =>
    deps.isRateLimitExempt(address) ? null : { limiter, key: address };
  /** The room this connection last said it was typing in; null when not typing. */
  let typingIn: string | null = null;

  const setTyping = (user: User, room: string, value: boolean) => {
    if (typingIn !== null && typingIn !== room) {
      void deps
        .outboxFor(typingIn)
        .emit('typing:updated', { room: typingIn, user, typing: false }, { except: socket.id });
    }
    typingIn = value ? room : null;
    void deps
      .outboxFor(room)
      .emit('typing:updated', { room, user, typing: value }, { except: socket.id });
  };

  const memberCount = (room: string) => io.sockets.adapter.rooms.get(room)?.size ?? 0;
  const info = (room: StoredRoom, viewer: string): RoomInfo => ({
    id: room.id,
    kind: room.kind,
    name: room.kind === 'direct' ? otherMember(room, viewer) : room.name,
    members: memberCount(room.id),
  });
  const usersIn = (room: string): User[] =>
    [...(io.sockets.adapter.rooms.get(room) ?? [])].flatMap((id) => {
      const member = roster.get(id);
      return member ? [member.user] : [];
    });
  /** A page of a room's history for a (re)join: the latest, or the first after `since`. */
  const historyFor = async (room: string, since: number | undefined) => {
    await log.ensure(room);
    const { messages, hasMore } =
      since === undefined
        ? { messages: log.latest(room, LIMITS.joinHistoryLength), hasMore: false }
        : await log.page(room, { after: since }, LIMITS.historyPageLength);
    const oldest = messages[0];
    const hasOlder = oldest === undefined ? false : log.hasBefore(room, oldest.id);
    return { messages, hasMore, hasOlder };
  };
  /** Puts `target` in `room` (announced to the others), unless it is there already. */
  const enter = (target: ParleySocket, room: StoredRoom, user: User) => {
    if (target.rooms.has(room.id)) return;
    void target.join(room.id);
    deps.countChanged(room.id);
    if (room.kind === 'room') {
      void deps
        .outboxFor(room.id)
        .queue('presence:joined', { room: room.id, user }, { joiner: target.id });
    }
  };
  /** Rooms this connection is in, captured before Socket.IO forgets them on disconnect. */
  let roomsAtDisconnect: string[] = [];
  socket.on('disconnecting', () => {
    roomsAtDisconnect = [...socket.rooms].filter((room) => room !== socket.id);
  });

  /** The door: removed-by-the-host cooldown, then the passphrase (with its wrong-guess limit). */
  const admit = async (passphrase: string | undefined): Promise<Result | null> => {
    const kickedFor = await blockedFor(limiters.kicked, address);
    if (kickedFor > 0) {
      return fail(
        'kicked',
        `The host removed you from this room. You can join again in ${describeWait(kickedFor)}.`,
      );
    }
    if (!deps.passphrase) return null;
    const wait = await blockedFor(limiters.wrongPassphrase, address);
    if (wait > 0) {
      return fail(
        'rate_limited',
        `Too many wrong passphrases. Try again in ${describeWait(wait)}.`,
      );
    }
    if (passphrase === undefined) {
      return fail('passphrase_required', 'This room needs a passphrase to join.');
    }
    if (await verifyPassphrase(deps.passphrase, passphrase)) return null;
    await consume(limiters.wrongPassphrase, address);
    return fail('wrong_passphrase', 'That passphrase is not right.');
  };

  /** Why `user` cannot post in `roomId` now (null: it can). */
  const cannotPost = (user: User, roomId: string): Result | null => {
    const room = deps.rooms.get(roomId);
    if (!room) return fail('unknown_room', 'There is no such room.');
    if (!socket.rooms.has(roomId)) return fail('not_in_room', 'Join the room first.');
    if (room.kind === 'direct') {
      const other = otherMember(room, user.nickname);
      if (!roster.holderOf(other)) {
        return fail('user_offline', `${other} has left: they would not see it.`);
      }
    }
    return null;
  };
  /**
   * Puts the other person of a direct conversation back in it (they closed it, or reconnected
   * without it): they get `dm:opened` with its history, as when it was first opened, so that what
   * follows reaches them. Nothing for a room, or when they are in it already.
   */
  const bringPeerIn = async (roomId: string, user: User) => {
    const room = deps.rooms.get(roomId);
    if (room?.kind !== 'direct') return;
    const peer = roster.holderOf(otherMember(room, user.nickname));
    const peerSocket = peer ? io.sockets.sockets.get(peer.socketId) : undefined;
    if (!peer || !peerSocket || peerSocket.rooms.has(room.id)) return;
    const history = await historyFor(room.id, undefined);
    enter(peerSocket, room, peer.user);
    peerSocket.emit('dm:opened', {
      room: info(room, peer.user.nickname),
      users: usersIn(room.id),
      ...history,
    });
  };

  /** Stores a message and then shows it to the room (once, however often it is resent). */
  const publish = async (
    user: User,
    roomId: string,
    clientId: string,
    text: string,
    file?: FileAttachment,
  ) => {
    await log.ensure(roomId);
    await bringPeerIn(roomId, user);
    const { message, created, durable } = log.append(roomId, user, clientId, text, file);
    if (typingIn === roomId) setTyping(user, roomId, false);
    // Stored first, then shown: an id anyone has seen is never handed out again, even when
    // the server is killed right after.
    await durable;
    // While a batch of room events is open the broadcast joins it: the ack waits for it, so
    // that the sender still gets the broadcast first.
    if (created) await deps.outboxFor(roomId).emit('message:created', message);
    return message;
  };

  socket.onAny((event: string, ...args: unknown[]) => {
    if ((CLIENT_EVENTS as readonly string[]).includes(event) || hooks.silenced()) return;
    const last = args.at(-1);
    if (typeof last === 'function') {
      const name = String(event).slice(0, 64);
      (last as AnyAck)(fail('unknown_event', `"${name}" is not a Parley event.`));
    }
    hooks.onRefused();
  });

  on(
    socket,
    'session:join',
    {
      schema: joinPayloadSchema,
      limits: [perAddress(limiters.join)],
      handle: async (payload) => {
        if (roster.get(socket.id))
          return fail('already_joined', 'This connection has already joined.');
        const refused = await admit(payload.passphrase);
        if (refused) return refused;
        // The checks above wait: the connection may have closed, or joined, meanwhile.
        if (!socket.connected) return fail('internal', 'The connection closed while joining.');
        if (roster.get(socket.id))
          return fail('already_joined', 'This connection has already joined.');
        const holder = roster.holderOf(payload.nickname);
        let previous;
        if (holder) {
          if (!roster.canResume(payload.nickname, payload.resumeToken)) {
            return fail(
              'nickname_taken',
              `The nickname "${payload.nickname}" is taken. Choose another one.`,
            );
          }
          // The same person reconnecting before the server noticed the old connection drop.
          previous = roster.remove(holder.socketId);
          const stale = io.sockets.sockets.get(holder.socketId);
          stale?.emit('session:ended', {
            code: 'session_replaced',
            message: 'You joined again from another connection.',
          });
          stale?.disconnect(true);
        }
        const session = roster.add(socket.id, payload.nickname, previous);
        socket.data.user = session.user;
        socket.data.room = LOBBY;
        void socket.join(LOBBY);
        if (previous) {
          outbox.entered(socket.id);
        } else {
          void outbox.queue(
            'presence:joined',
            { room: LOBBY, user: session.user },
            { joiner: socket.id },
          );
        }
        // Read after joining the room, so nothing falls between the page and the broadcasts; a
        // message broadcast while the page is read may be in both (clients de-duplicate by id).
        deps.countChanged(LOBBY);
        const { messages, hasMore, hasOlder } = await historyFor(LOBBY, payload.since);
        return ok({
          self: session.user,
          room: LOBBY,
          users: roster.users(),
          messages,
          hasMore,
          hasOlder,
          rooms: deps.rooms.rooms().map((room) => info(room, session.user.nickname)),
          resumeToken: session.resumeToken,
          serverName: deps.serverName,
          protocolVersion: PROTOCOL_VERSION,
        });
      },
    },
    hooks,
  );

  on(
    socket,
    'message:send',
    {
      schema: sendMessagePayloadSchema,
      limits: [perConnection(limiters.message), perAddress(limiters.messagePerAddress)],
      handle: async (payload) => {
        const session = roster.get(socket.id);
        if (!session) return fail('not_joined', 'Join with a nickname before sending messages.');
        const roomId = payload.room ?? LOBBY;
        const refused = cannotPost(session.user, roomId);
        if (refused) return refused;
        const message = await publish(session.user, roomId, payload.clientId, payload.text);
        return ok({ message });
      },
    },
    hooks,
  );

  on(
    socket,
    'typing:set',
    {
      schema: typingPayloadSchema,
      limits: [perConnection(limiters.typing)],
      handle: (payload) => {
        const session = roster.get(socket.id);
        if (!session) return fail('not_joined', 'Join with a nickname first.');
        const room = payload.room ?? LOBBY;
        if (!socket.rooms.has(room)) return fail('not_in_room', 'Join the room first.');
        setTyping(session.user, room, payload.typing);
        return ok({});
      },
    },
    hooks,
  );

  on(
    socket,
    'history:fetch',
    {
      schema: historyFetchPayloadSchema,
      limits: [perConnection(limiters.history)],
      handle: async (payload) => {
        if (!roster.get(socket.id)) return fail('not_joined', 'Join with a nickname first.');
        const room = payload.room ?? LOBBY;
        if (!deps.rooms.get(room)) return fail('unknown_room', `There is no room "${room}".`);
        if (!socket.rooms.has(room)) return fail('not_in_room', 'Join the room first.');
        const limit = payload.limit ?? LIMITS.historyPageLength;
        const query =
          payload.before === undefined ? { after: payload.after ?? 0 } : { before: payload.before };
        return ok(await log.page(room, query, limit));
      },
    },
    hooks,
  );

  on(
    socket,
    'room:create',
    {
      schema: roomCreatePayloadSchema,
      limits: [perConnection(limiters.rooms)],
      handle: async (payload) => {
        const session = roster.get(socket.id);
        if (!session) return fail('not_joined', 'Join with a nickname first.');
        const room = await deps.rooms.create(payload.name, Date.now());
        if (!room) {
          return fail('room_exists', `A room named "${payload.name}" exists already.`);
        }
        const created = info(room, session.user.nickname);
        void outbox.emit('room:created', { room: created });
        return ok({ room: created });
      },
    },
    hooks,
  );

  on(
    socket,
    'room:join',
    {
      schema: roomJoinPayloadSchema,
      limits: [perConnection(limiters.rooms)],
      handle: async (payload) => {
        const session = roster.get(socket.id);
        if (!session) return fail('not_joined', 'Join with a nickname first.');
        const room = deps.rooms.get(payload.room);
        // A direct conversation of others is answered as if it did not exist.
        if (!room || (room.kind === 'direct' && !isMember(room, session.user.nickname))) {
          return fail('unknown_room', 'There is no such room.');
        }
        enter(socket, room, session.user);
        const history = await historyFor(room.id, payload.since);
        const joined: JoinedRoom = {
          room: info(room, session.user.nickname),
          users: usersIn(room.id),
          ...history,
        };
        return ok(joined);
      },
    },
    hooks,
  );

  on(
    socket,
    'room:leave',
    {
      schema: roomLeavePayloadSchema,
      limits: [perConnection(limiters.rooms)],
      handle: (payload) => {
        const session = roster.get(socket.id);
        if (!session) return fail('not_joined', 'Join with a nickname first.');
        const room = deps.rooms.get(payload.room);
        if (!room || !socket.rooms.has(room.id)) return fail('not_in_room', 'You are not in it.');
        if (typingIn === room.id) setTyping(session.user, room.id, false);
        void socket.leave(room.id);
        deps.countChanged(room.id);
        if (room.kind === 'room') {
          void deps
            .outboxFor(room.id)
            .queue('presence:left', { room: room.id, user: session.user });
        }
        return ok({});
      },
    },
    hooks,
  );

  on(
    socket,
    'dm:open',
    {
      schema: directOpenPayloadSchema,
      limits: [perConnection(limiters.rooms)],
      handle: async (payload) => {
        const session = roster.get(socket.id);
        if (!session) return fail('not_joined', 'Join with a nickname first.');
        if (nicknameKey(payload.nickname) === nicknameKey(session.user.nickname)) {
          return fail('invalid_payload', 'You cannot write to yourself.');
        }
        const peer = roster.holderOf(payload.nickname);
        if (!peer) return fail('user_offline', `${payload.nickname} is not online.`);
        const room = await deps.rooms.direct(session.user.nickname, peer.user.nickname, Date.now());
        const history = await historyFor(room.id, undefined);
        enter(socket, room, session.user);
        await bringPeerIn(room.id, session.user);
        return ok({ room: info(room, session.user.nickname), users: usersIn(room.id), ...history });
      },
    },
    hooks,
  );

  registerFileEvents(socket, {
    files: deps.files,
    on,
    hooks,
    limits: {
      begin: [perConnection(limiters.fileBegin), perAddress(limiters.fileBeginPerAddress)],
      chunk: [perConnection(limiters.fileChunk), perAddress(limiters.fileChunkPerAddress)],
    },
    user: () => roster.get(socket.id)?.user ?? null,
    cannotPost,
    publish,
  });

  socket.on('disconnect', () => {
    void limiters.message.delete(socket.id);
    void limiters.fileBegin.delete(socket.id);
    void limiters.fileChunk.delete(socket.id);
    void limiters.typing.delete(socket.id);
    void limiters.history.delete(socket.id);
    void limiters.rooms.delete(socket.id);
    deps.throttle.forget(socket.id);
    // A session taken over by a resume was already removed: no "left" notice for it.
    for (const room of roomsAtDisconnect) deps.countChanged(room);
    const session = roster.remove(socket.id);
    if (!session) return;
    if (typingIn !== null) setTyping(session.user, typingIn, false);
    for (const id of roomsAtDisconnect) {
      const room = deps.rooms.get(id);
      if (room?.kind !== 'room') continue;
      void deps.outboxFor(id).queue('presence:left', { room: id, user: session.user });
    }
  });
}

function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
