/**
 * What connections may hold: how many the server keeps at once, in all and per network address,
 * and how long one may stay without joining. Over a cap, a new connection is refused in the
 * Socket.IO handshake with a reason the client can show (`connect_error`, whose `data` is an
 * ErrorInfo with code `server_full`) and its transport is closed; a connection that has not joined
 * in time gets `session:ended` (`join_timeout`) and is closed. With the caps on uploads
 * (upload-quotas.ts) this keeps the server's file descriptors (often 1024) enough for everyone,
 * whatever one address holds open.
 */
import type { Server as NetServer } from 'node:net';
import { LIMITS } from '../shared/limits';
import type { ErrorInfo } from '../shared/result';
import type { ParleyServer, ParleySocket } from './socket-types';
import { checkWholeNumber } from './errors';

/** What createChatServer's `connections` option may set. */
export interface ConnectionSettings {
  /** Connections held at once, from everywhere. */
  maxConnections: number;
  /** Connections held at once from one address (exempt addresses are not counted). */
  connectionsPerAddress: number;
  /** A connection that has not joined this long after connecting is closed, ms. */
  joinTimeoutMs: number;
}

/** `given` over the LIMITS defaults; a ChatServerError names a setting that is not a whole number ≥ 1. */
export function connectionSettings(given: Partial<ConnectionSettings> = {}): ConnectionSettings {
  const settings: ConnectionSettings = {
    maxConnections: LIMITS.maxConnections,
    connectionsPerAddress: LIMITS.connectionsPerAddress,
    joinTimeoutMs: LIMITS.joinTimeoutMs,
    ...given,
  };
  for (const [name, value] of Object.entries(settings)) {
    checkWholeNumber(`connections.${name}`, value, 1);
  }
  return settings;
}

export interface ConnectionLimitOptions extends ConnectionSettings {
  isExempt: (address: string) => boolean;
  /** True once the connection has joined (it has a session). */
  isJoined: (socketId: string) => boolean;
}

/** TCP connections allowed above the connection cap (see `limitConnections`). */
const TCP_HEADROOM = 100;

/** What the limits need to hear of a connection after it is accepted. */
export interface ConnectionLimits {
  /** `socket` joined: it no longer needs to by a deadline. */
  joined(socket: ParleySocket): void;
  /**
   * `socket` disconnected (also when a client leaves the namespace and keeps the transport, to
   * connect again on it): it no longer counts. Told by the connection's one disconnect listener
   * (register-connection.ts): a listener of its own made each connection's listeners an array.
   */
  disconnected(socket: ParleySocket): void;
}

/** Applies the caps and the join timeout to `io`, which serves over `server`. */
export function limitConnections(
  io: ParleyServer,
  server: NetServer,
  options: ConnectionLimitOptions,
): ConnectionLimits {
  const perAddress = new Map<string, number>();
  let total = 0;
  // The last guard of file descriptors: past this many TCP connections (refusals on their way
  // out, web page loads), new ones are dropped unread.
  server.maxConnections = options.maxConnections + TCP_HEADROOM;
  // A transport that never connects to the namespace is closed as soon as an unjoined one is.
  io.connectTimeout(options.joinTimeoutMs);
  const deadlines = new JoinDeadlines(options.joinTimeoutMs, (socket) =>
    endUnjoined(socket, options),
  );
  /** The sockets counted and not released yet. */
  const counted = new WeakSet<ParleySocket>();
  const release = (socket: ParleySocket) => {
    if (!counted.delete(socket)) return;
    deadlines.delete(socket);
    total -= 1;
    const address = socket.handshake.address;
    if (options.isExempt(address)) return;
    const left = (perAddress.get(address) ?? 1) - 1;
    if (left > 0) perAddress.set(address, left);
    else perAddress.delete(address);
  };

  io.use((socket, next) => {
    const address = socket.handshake.address;
    const exempt = options.isExempt(address);
    const refusal = whyRefused(total, exempt ? 0 : (perAddress.get(address) ?? 0), options);
    if (refusal) {
      next(Object.assign(new Error(refusal.message), { data: refusal }));
      // Socket.IO sends the refusal on the next tick; the transport closes once it is written.
      setImmediate(() => socket.conn.close());
      return;
    }
    total += 1;
    if (!exempt) perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    counted.add(socket);
    deadlines.add(socket);
    // Released when it disconnects (`disconnected`) — or, when the transport closed before
    // Socket.IO had finished accepting the socket (on the next tick), by then: such a socket never
    // disconnects. No listener of its own: a closure and a listener per connection cost each a
    // few hundred bytes.
    setImmediate(() => {
      if (!socket.connected) release(socket);
    });
    next();
  });
  return { joined: (socket) => deadlines.delete(socket), disconnected: release };
}

/**
 * When each connection must have joined by: one timer for all of them, not one per connection (a
 * join storm of thousands made as many timers, each kept for the whole timeout). Every connection
 * gets the same timeout, so the deadlines come in the order the connections did: the timer waits
 * for the first, and each time it fires it hands over those that are due and waits for the next.
 * A connection that closes leaves at once (nothing keeps a closed socket alive).
 */
class JoinDeadlines {
  /**
   * Each waiting connection and its deadline (performance.now(), whole ms: a small integer is
   * kept in the map itself, a fraction in an object of its own), in the order they came.
   */
  readonly #due = new Map<ParleySocket, number>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly timeoutMs: number,
    private readonly onDue: (socket: ParleySocket) => void,
  ) {}

  add(socket: ParleySocket): void {
    this.#due.set(socket, Math.ceil(performance.now()) + this.timeoutMs);
    if (this.#timer === null) this.#wait(this.timeoutMs);
  }

  delete(socket: ParleySocket): void {
    this.#due.delete(socket);
  }

  #wait(ms: number): void {
    this.#timer = setTimeout(() => this.#fire(), ms);
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = null;
    const now = performance.now();
    for (const [socket, deadline] of this.#due) {
      if (deadline > now) {
        this.#wait(deadline - now);
        return;
      }
      this.#due.delete(socket);
      this.onDue(socket);
    }
  }
}

function whyRefused(
  total: number,
  fromAddress: number,
  options: ConnectionLimitOptions,
): ErrorInfo | null {
  if (total >= options.maxConnections) {
    return {
      code: 'server_full',
      message: `The server is full: it has as many connections as it allows (${options.maxConnections}). Try again later.`,
    };
  }
  if (fromAddress >= options.connectionsPerAddress) {
    return {
      code: 'server_full',
      message: `This device has ${options.connectionsPerAddress} connections to the server already, the most it allows. Close some, then try again.`,
    };
  }
  return null;
}

function endUnjoined(socket: ParleySocket, options: ConnectionLimitOptions): void {
  if (!socket.connected || options.isJoined(socket.id)) return;
  socket.emit('session:ended', {
    code: 'join_timeout',
    message: `The connection was closed because it did not join within ${Number((options.joinTimeoutMs / 1000).toFixed(1))} s. Connect again to join.`,
  });
  socket.disconnect(true);
}
