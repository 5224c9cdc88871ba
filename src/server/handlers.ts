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
  type SocketData,
  type User,
} from '../shared/protocol';
import { fail, ok, type Result } from '../shared/result';
import {
  describeIssues,
  historyFetchPayloadSchema,
  joinPayloadSchema,
  sendMessagePayloadSchema,
  typingPayloadSchema,
} from '../shared/schemas';
import type { MessageLog } from './message-log';
import { verifyPassphrase, type PassphraseHash } from './passphrase';
import type { Throttle } from './throttle';
import type { Roster } from './roster';
import type { RoomOutbox } from './room-outbox';

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
  limiters: Limiters;
  serverName: string;
  /** Stops reading from connections that keep sending what is refused. */
  throttle: Throttle;
  /** The room's passphrase as an scrypt hash; null when anyone may join. */
  passphrase: PassphraseHash | null;
  onError: (error: unknown) => void;
  isRateLimitExempt: (address: string) => boolean;
}

export interface Limiters {
  message: RateLimiterMemory;
  messagePerAddress: RateLimiterMemory;
  typing: RateLimiterMemory;
  history: RateLimiterMemory;
  join: RateLimiterMemory;
  /** Wrong passphrases per address; used up = joins refused until the window ends. */
  wrongPassphrase: RateLimiterMemory;
  /** Addresses the host removed someone from: blocked for LIMITS.kickCooldownSeconds. */
  kicked: RateLimiterMemory;
}

type AnyAck = (result: Result) => void;

interface Hooks {
  onError: (error: unknown) => void;
  /** A request was refused as malformed, unknown or over its rate limit (see Throttle). */
  onRefused: () => void;
}

/** Refusals that count towards a connection's budget (see throttle.ts). */
const REFUSALS: ReadonlySet<string> = new Set(['invalid_payload', 'unknown_event', 'rate_limited']);

/** A rate limit: the limiter and the key it counts under (the connection or the address). */
type Limit = { limiter: RateLimiterMemory; key: string } | null;

interface EventSpec<T> {
  schema: ZodType<T>;
  /** Rate limits; the event is refused when any of them is used up. */
  limits: Limit[];
  handle: (payload: T) => Result | Promise<Result>;
}

/**
 * Wires one event: takes the ack off the arguments (it may be missing or not a function), parses
 * the payload, applies the rate limit, runs the handler and acknowledges whatever it returns.
 */
function on<T>(
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
    onRefused: () => void deps.throttle.refused(socket).catch(onError),
  };
  const perConnection = (limiter: RateLimiterMemory) => ({ limiter, key: socket.id });
  // Joins and messages also count per address: opening a new connection must not reset them.
  const address = socket.handshake.address;
  const perAddress = (limiter: RateLimiterMemory): Limit =>
    deps.isRateLimitExempt(address) ? null : { limiter, key: address };
  let typing = false;

  const setTyping = (user: User, value: boolean) => {
    typing = value;
    void outbox.emit('typing:updated', { room: LOBBY, user, typing: value }, { except: socket.id });
  };

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

  socket.onAny((event: string, ...args: unknown[]) => {
    if ((CLIENT_EVENTS as readonly string[]).includes(event)) return;
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
        const { messages, hasMore } =
          payload.since === undefined
            ? { messages: log.latest(LIMITS.joinHistoryLength), hasMore: false }
            : await log.page(LOBBY, { after: payload.since }, LIMITS.historyPageLength);
        const oldest = messages[0];
        const hasOlder = oldest === undefined ? false : log.hasBefore(oldest.id);
        return ok({
          self: session.user,
          room: LOBBY,
          users: roster.users(),
          messages,
          hasMore,
          hasOlder,
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
        const { message, created, durable } = log.append(
          LOBBY,
          session.user,
          payload.clientId,
          payload.text,
        );
        if (typing) setTyping(session.user, false);
        // Stored first, then shown: an id anyone has seen is never handed out again, even when
        // the server is killed right after.
        await durable;
        // While a batch of room events is open the broadcast joins it: the ack waits for it, so
        // that the sender still gets the broadcast first.
        if (created) await outbox.emit('message:created', message);
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
        setTyping(session.user, payload.typing);
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
        if (room !== LOBBY) return fail('unknown_room', `There is no room "${room}".`);
        const limit = payload.limit ?? LIMITS.historyPageLength;
        const query =
          payload.before === undefined ? { after: payload.after ?? 0 } : { before: payload.before };
        return ok(await log.page(room, query, limit));
      },
    },
    hooks,
  );

  socket.on('disconnect', () => {
    void limiters.message.delete(socket.id);
    void limiters.typing.delete(socket.id);
    void limiters.history.delete(socket.id);
    deps.throttle.forget(socket.id);
    // A session taken over by a resume was already removed: no "left" notice for it.
    const session = roster.remove(socket.id);
    if (!session) return;
    if (typing) setTyping(session.user, false);
    void outbox.queue('presence:left', { room: LOBBY, user: session.user });
  });
}

function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
