/**
 * The socket's lifecycle for ChatClient: asks how to trust an https server, opens the
 * socket.io-client connection (an unreachable server is an error, not endless retries), keeps the
 * status and its wording, notices drops, hands every reconnection to the owner to rejoin, and
 * skips the back-off on request (reconnectNow). What the chat does over the socket is the owner's.
 */
import { io, type Socket } from 'socket.io-client';
import type { ChatEvent, ConnectionStatus } from '../shared/api';
import {
  PRESENCE_LISTED_QUERY,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '../shared/protocol';
import { fail, ok, type ErrorCode, type Result } from '../shared/result';
import {
  describeConnectError,
  describeDisconnect,
  isCertificateError,
  serverRefusal,
} from './connection-wording';

export type ParleyClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * How to trust an https server's certificate, handed to socket.io-client's TLS options (Node
 * only: the desktop app pins certificates this way, see src/client/node/certificate-pin.ts;
 * browsers make their own checks).
 */
export interface SecureTransport {
  /** The certificates to trust instead of the system's (PEM). */
  ca?: string;
  /** Replaces Node's host-name check; an Error refuses the server. */
  checkServerIdentity?: (
    hostname: string,
    certificate: { fingerprint256: string },
  ) => Error | undefined;
}

/** Asked before connecting to an https origin: how to trust its certificate, or a refusal. */
export type SecureTransportSource = (
  url: string,
  fingerprint: string | null,
) => Promise<Result<{ transport: SecureTransport }>>;

export interface ConnectionOptions {
  connectTimeoutMs: number;
  reconnectDelayMs: number;
  reconnectDelayMaxMs: number;
  secureTransport: SecureTransportSource | null;
  emit: (event: ChatEvent) => void;
  /** Attaches the owner's own listeners to a socket that just connected for the first time. */
  listen: (socket: ParleyClientSocket) => void;
  /** Joins again after a reconnection; a refusal ends the connection with its reason. */
  rejoin: (socket: ParleyClientSocket) => Promise<Result>;
  /**
   * The connection ended for good, before its status says so: the server ended it or the session,
   * a rejoin was refused, or the certificate changed.
   */
  ended: () => void;
}

/** How long one reconnection attempt's handshake may take before the next attempt. */
const RECONNECT_HANDSHAKE_TIMEOUT_MS = 3_000;
/**
 * Rejoin refusals that pass: the server failed, or could not read or write its store, not the
 * person's join. Reconnecting tries again instead of giving up (other refusals end it).
 */
const PASSING_REFUSALS: ReadonlySet<ErrorCode> = new Set([
  'internal',
  'storage_full',
  'storage_unavailable',
]);

/**
 * Longer than the server's heartbeat allows (Engine.IO pingInterval 25 s + pingTimeout 20 s):
 * a "connected" socket that has not been pinged for this long is dead.
 */
const HEARTBEAT_LOST_MS = 50_000;

export class Connection {
  readonly #options: ConnectionOptions;
  #socket: ParleyClientSocket | null = null;
  #status: ConnectionStatus = { state: 'disconnected', url: null, reason: null };
  #serverClosing = false;
  #dropReason = '';
  /** When the server was last heard from (a heartbeat ping or the connection), wall-clock ms. */
  #lastHeardAt = 0;
  /** The challenge the server gave the current connection (session:hello), until a join takes it. */
  #challenge: string | null = null;

  constructor(options: ConnectionOptions) {
    this.#options = options;
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  /** The current socket (connected or not); null before a connect and after the end. */
  get socket(): ParleyClientSocket | null {
    return this.#socket;
  }

  /**
   * The challenge the server gave this connection unasked, once: null when it gave none (an
   * older server) or a join took it already — then the join asks for one.
   */
  takeChallenge(): string | null {
    const challenge = this.#challenge;
    this.#challenge = null;
    return challenge;
  }

  setStatus(status: ConnectionStatus): void {
    this.#status = status;
    this.#options.emit({ type: 'status', status });
  }

  /**
   * How to trust the server at `url`: asked of secureTransport for https origins; a refusal
   * leaves the status disconnected with its reason.
   */
  async trust(
    url: string,
    secure: boolean,
    fingerprint: string | null,
  ): Promise<Result<{ transport: SecureTransport }>> {
    const secureTransport = this.#options.secureTransport;
    if (!secure || !secureTransport) return ok({ transport: {} });
    const trusted = await secureTransport(url, fingerprint);
    if (!trusted.ok) this.setStatus({ state: 'disconnected', url, reason: trusted.error.message });
    return trusted;
  }

  /** Opens the socket and waits for its first connection; from then on follows it. */
  async open(
    url: string,
    transport: SecureTransport,
  ): Promise<Result<{ socket: ParleyClientSocket }>> {
    const socket: ParleyClientSocket = io(url, {
      transports: ['websocket'],
      // Joins and leaves come in presence:changes, one event per batch (server-events.ts), and
      // only of the people listed (the pages loaded): room:counts says how many there are.
      query: PRESENCE_LISTED_QUERY,
      reconnection: true,
      reconnectionDelay: this.#options.reconnectDelayMs,
      reconnectionDelayMax: this.#options.reconnectDelayMaxMs,
      timeout: this.#options.connectTimeoutMs,
      autoConnect: false,
      forceNew: true,
      // Kept for every reconnection too: a certificate swapped later is refused as well.
      ...transport,
    });
    this.#socket = socket;
    // Comes before each connection's `connect` (socket.io-client hands out what came before the
    // connect first), so a join finds it; gone with the connection.
    socket.on('session:hello', ({ challenge }) => (this.#challenge = challenge));
    socket.on('disconnect', () => (this.#challenge = null));

    const reached = await this.#firstConnection(socket, url);
    if (!reached.ok) {
      this.stop(socket, url, reached.error.message);
      return reached;
    }

    // Reconnection attempts give up on a silent handshake sooner than the first connection does:
    // a connection cut during its handshake can close without an error, and the next attempt
    // should not wait out the whole first-connection timeout.
    socket.io.timeout(Math.min(this.#options.connectTimeoutMs, RECONNECT_HANDSHAKE_TIMEOUT_MS));
    this.#watch(socket, url);
    return ok({ socket });
  }

  /** Closes `socket` for good and reports the status as disconnected, with `reason`. */
  stop(socket: ParleyClientSocket, url: string, reason: string): void {
    this.teardown(socket);
    this.setStatus({ state: 'disconnected', url, reason });
  }

  teardown(socket: ParleyClientSocket): void {
    socket.removeAllListeners();
    socket.io.removeAllListeners();
    socket.disconnect();
    if (this.#socket === socket) this.#socket = null;
  }

  /**
   * Skips the reconnection back-off (see ChatClient.reconnectNow): only when reconnecting, or
   * "connected" without a heartbeat for longer than the server allows.
   */
  reconnectNow(): void {
    const socket = this.#socket;
    if (!socket) return;
    if (socket.connected && Date.now() - this.#lastHeardAt <= HEARTBEAT_LOST_MS) return;
    // socket.io-client has no public "retry now": disconnect() closes the manager, which cancels
    // its pending back-off timer, and connect() opens a new transport at once. A connection
    // that went quiet is dropped the same way (reported as lost, see describeDisconnect). The
    // 'connect' handler of #watch then rejoins and catches up, as after any reconnection.
    socket.disconnect();
    socket.connect();
  }

  /** Waits for the first connection; an unreachable server is an error, not endless retries. */
  #firstConnection(socket: ParleyClientSocket, url: string): Promise<Result> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => finish(fail('unreachable', `No answer from ${url} in time.`)),
        this.#options.connectTimeoutMs,
      );
      const finish = (result: Result) => {
        clearTimeout(timer);
        socket.off('connect', onConnect);
        socket.off('connect_error', onError);
        resolve(result);
      };
      const onConnect = () => finish(ok({}));
      const onError = (error: Error) => finish(fail('unreachable', describeConnectError(error)));
      socket.on('connect', onConnect);
      socket.on('connect_error', onError);
      socket.connect();
    });
  }

  /** The connection is over for good: no more reconnecting, and the session with it. */
  #end(socket: ParleyClientSocket, url: string, reason: string): void {
    this.teardown(socket);
    this.#options.ended();
    this.setStatus({ state: 'disconnected', url, reason });
  }

  /** Follows a joined connection: drops, reconnections, and the end. */
  #watch(socket: ParleyClientSocket, url: string): void {
    this.#lastHeardAt = Date.now();
    socket.io.on('ping', () => (this.#lastHeardAt = Date.now()));
    this.#options.listen(socket);
    socket.on('server:closing', ({ reason }) => {
      this.#serverClosing = true;
      this.#options.emit({
        type: 'notice',
        text: `${reason} Parley will reconnect when it is back.`,
      });
    });
    socket.on('session:ended', (error) => this.#end(socket, url, error.message));
    // Refused by the server while reconnecting (it is full): socket.io-client stops retrying.
    socket.on('connect_error', (error) => {
      const refusal = serverRefusal(error);
      if (refusal !== null) this.#end(socket, url, refusal);
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') {
        this.#end(socket, url, 'The server ended the connection.');
        return;
      }
      this.#dropReason = this.#serverClosing ? 'The server shut down.' : describeDisconnect(reason);
      this.setStatus({ state: 'reconnecting', url, reason: this.#dropReason });
    });
    socket.io.on('reconnect_error', (error) => {
      // The server now presents a certificate other than the one trusted: retrying cannot help,
      // and it may be someone intercepting the connection. Stop and say so.
      if (!isCertificateError(error)) return;
      this.#end(
        socket,
        url,
        "The server's certificate is no longer the one Parley trusted for it: it changed, or " +
          'someone is intercepting the connection. Parley stopped reconnecting.',
      );
    });
    socket.io.on('reconnect_attempt', (attempt) => {
      this.setStatus({
        state: 'reconnecting',
        url,
        reason: `${this.#dropReason} Reconnecting (attempt ${attempt})…`,
      });
    });
    socket.on('connect', () => {
      this.#lastHeardAt = Date.now();
      this.#serverClosing = false;
      const connection = socket.id;
      void this.#options.rejoin(socket).then((joined) => {
        // A connection that dropped while rejoining is reconnecting again, or is connected anew
        // and rejoining on its own: not a refusal.
        if (joined.ok || this.#socket !== socket || !socket.connected) return;
        if (socket.id !== connection) return;
        if (PASSING_REFUSALS.has(joined.error.code)) {
          // The server could not reach its store just now (its database restarting, say): the
          // next try may well work. This connection goes, and the back-off tries again.
          socket.io.engine.close();
          return;
        }
        this.#end(socket, url, joined.error.message);
      });
    });
  }
}
