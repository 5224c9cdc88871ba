/**
 * ChatClient: a Parley connection, over socket.io-client. Isomorphic: the desktop app runs it in
 * the main process, the web client in the page. It turns what people type into a server origin,
 * joins with a nickname, reports its status in words, acknowledges every request with a timeout,
 * and after a dropped connection rejoins by itself and catches up on missed messages.
 */
import { nanoid } from 'nanoid';
import { io, type Socket } from 'socket.io-client';
import type { ChatEvent, ConnectionStatus, Unsubscribe } from '../shared/api';
import { parseJoinUrl } from '../shared/join-url';
import { LIMITS } from '../shared/limits';
import type {
  ChatMessage,
  ClientToServerEvents,
  JoinedSession,
  ServerToClientEvents,
} from '../shared/protocol';
import { fail, ok, type Result } from '../shared/result';
import { describeIssues, messageTextSchema, nicknameSchema } from '../shared/schemas';

type ParleyClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ChatClientOptions {
  ackTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Makes client message ids; default nanoid (21 URL-safe characters). */
  createId?: () => string;
  /** Reconnection back-off, in ms (socket.io-client's reconnectionDelay / reconnectionDelayMax). */
  reconnectDelayMs?: number;
  reconnectDelayMaxMs?: number;
}

const DISCONNECTED: ConnectionStatus = { state: 'disconnected', url: null, reason: null };

export class ChatClient {
  readonly #options: Required<ChatClientOptions>;
  readonly #listeners = new Set<(event: ChatEvent) => void>();
  #socket: ParleyClientSocket | null = null;
  #status: ConnectionStatus = DISCONNECTED;
  #session: JoinedSession | null = null;
  #nickname = '';
  #lastMessageId = 0;
  #serverClosing = false;
  #dropReason = '';
  /** When the server was last heard from (a heartbeat ping or the connection), wall-clock ms. */
  #lastHeardAt = 0;

  constructor(options: ChatClientOptions = {}) {
    this.#options = {
      ackTimeoutMs: options.ackTimeoutMs ?? LIMITS.ackTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? LIMITS.connectTimeoutMs,
      // Not crypto.randomUUID: browsers offer it only in secure contexts, and LAN pages are plain http.
      createId: options.createId ?? (() => nanoid()),
      reconnectDelayMs: options.reconnectDelayMs ?? 500,
      reconnectDelayMaxMs: options.reconnectDelayMaxMs ?? 5_000,
    };
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  get session(): JoinedSession | null {
    return this.#session;
  }

  onEvent(listener: (event: ChatEvent) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Connects to the server at `address` (as typed by a person) and joins with `nickname`. */
  async connect(address: string, nickname: string): Promise<Result<{ session: JoinedSession }>> {
    const target = parseJoinUrl(address);
    if (!target.ok) return target;
    const name = nicknameSchema.safeParse(nickname);
    if (!name.success) return fail('invalid_payload', describeIssues(name.error, nickname));

    await this.disconnect();
    this.#nickname = name.data;
    this.#lastMessageId = 0;
    this.#setStatus({ state: 'connecting', url: target.url, reason: null });

    const socket: ParleyClientSocket = io(target.url, {
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay: this.#options.reconnectDelayMs,
      reconnectionDelayMax: this.#options.reconnectDelayMaxMs,
      timeout: this.#options.connectTimeoutMs,
      autoConnect: false,
      forceNew: true,
    });
    this.#socket = socket;

    const reached = await this.#firstConnection(socket, target.url);
    if (!reached.ok) {
      this.#teardown(socket);
      this.#setStatus({ state: 'disconnected', url: target.url, reason: reached.error.message });
      return reached;
    }

    const joined = await this.#join(socket);
    if (!joined.ok) {
      this.#teardown(socket);
      this.#setStatus({ state: 'disconnected', url: target.url, reason: joined.error.message });
      return joined;
    }
    this.#watch(socket, target.url);
    return ok({ session: joined.session });
  }

  async disconnect(): Promise<void> {
    const socket = this.#socket;
    if (!socket) return;
    this.#teardown(socket);
    this.#session = null;
    this.#setStatus({ state: 'disconnected', url: this.#status.url, reason: 'You left.' });
  }

  /** Sends a message; pass the same `clientId` again to retry it without ever duplicating it. */
  async send(
    text: string,
    clientId: string = this.#options.createId(),
  ): Promise<Result<{ message: ChatMessage }>> {
    const checked = messageTextSchema.safeParse(text);
    if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, text));
    const socket = this.#socket;
    if (!socket?.connected || !this.#session) {
      return fail('not_connected', 'Not connected to a server: the message was not sent.');
    }
    return this.#request(() =>
      socket.timeout(this.#options.ackTimeoutMs).emitWithAck('message:send', { clientId, text }),
    );
  }

  /**
   * Skips the reconnection back-off: after the computer wakes from sleep or the network changes,
   * try the server now instead of when the back-off timer says. Does nothing unless a joined
   * session is reconnecting, or is "connected" but has not heard the server's heartbeat for
   * longer than the server allows (a connection that died while the computer slept).
   */
  reconnectNow(): void {
    const socket = this.#socket;
    if (!socket || !this.#session) return;
    if (socket.connected && Date.now() - this.#lastHeardAt <= HEARTBEAT_LOST_MS) return;
    // socket.io-client has no public "retry now": disconnect() closes the manager, which cancels
    // its pending back-off timer, and connect() opens a new transport at once. A connection
    // that went quiet is dropped the same way (reported as lost, see describeDisconnect). The
    // 'connect' handler of #watch then rejoins and catches up, as after any reconnection.
    socket.disconnect();
    socket.connect();
  }

  async setTyping(typing: boolean): Promise<void> {
    const socket = this.#socket;
    if (!socket?.connected || !this.#session) return;
    socket.emit('typing:set', { typing });
  }

  #emit(event: ChatEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  #setStatus(status: ConnectionStatus): void {
    this.#status = status;
    this.#emit({ type: 'status', status });
  }

  #teardown(socket: ParleyClientSocket): void {
    socket.removeAllListeners();
    socket.io.removeAllListeners();
    socket.disconnect();
    if (this.#socket === socket) this.#socket = null;
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

  async #join(socket: ParleyClientSocket): Promise<Result<{ session: JoinedSession }>> {
    const payload = {
      nickname: this.#nickname,
      ...(this.#session
        ? { since: this.#lastMessageId, resumeToken: this.#session.resumeToken }
        : {}),
    };
    const result = await this.#request(() =>
      socket.timeout(this.#options.ackTimeoutMs).emitWithAck('session:join', payload),
    );
    if (!result.ok) return result;
    const session: JoinedSession = {
      self: result.self,
      room: result.room,
      users: result.users,
      messages: result.messages,
      resumeToken: result.resumeToken,
      serverName: result.serverName,
      protocolVersion: result.protocolVersion,
    };
    this.#session = session;
    this.#noteMessages(session.messages);
    this.#emit({ type: 'session', session });
    this.#setStatus({ state: 'connected', url: this.#status.url, reason: null });
    return ok({ session });
  }

  /** Runs an acknowledged request; a missing ack becomes a `timeout` error. */
  async #request<T extends object>(send: () => Promise<Result<T>>): Promise<Result<T>> {
    try {
      return await send();
    } catch {
      return fail(
        'timeout',
        'The server did not answer in time. Check your connection and try again.',
      );
    }
  }

  #noteMessages(messages: ChatMessage[]): void {
    for (const message of messages) {
      if (message.id > this.#lastMessageId) this.#lastMessageId = message.id;
    }
  }

  /** Follows a joined connection: incoming events, drops, and rejoining after a reconnect. */
  #watch(socket: ParleyClientSocket, url: string): void {
    this.#lastHeardAt = Date.now();
    socket.io.on('ping', () => (this.#lastHeardAt = Date.now()));
    socket.on('message:created', (message) => {
      this.#noteMessages([message]);
      this.#emit({ type: 'message', message });
    });
    socket.on('presence:joined', ({ user }) => this.#emit({ type: 'user-joined', user }));
    socket.on('presence:left', ({ user }) => this.#emit({ type: 'user-left', user }));
    socket.on('typing:updated', ({ user, typing }) => this.#emit({ type: 'typing', user, typing }));
    socket.on('server:closing', ({ reason }) => {
      this.#serverClosing = true;
      this.#emit({ type: 'notice', text: `${reason} Parley will reconnect when it is back.` });
    });
    socket.on('session:ended', (error) => {
      this.#teardown(socket);
      this.#session = null;
      this.#setStatus({ state: 'disconnected', url, reason: error.message });
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') {
        this.#teardown(socket);
        this.#session = null;
        this.#setStatus({ state: 'disconnected', url, reason: 'The server ended the connection.' });
        return;
      }
      this.#dropReason = this.#serverClosing ? 'The server shut down.' : describeDisconnect(reason);
      this.#setStatus({ state: 'reconnecting', url, reason: this.#dropReason });
    });
    socket.io.on('reconnect_attempt', (attempt) => {
      this.#setStatus({
        state: 'reconnecting',
        url,
        reason: `${this.#dropReason} Reconnecting (attempt ${attempt})…`,
      });
    });
    socket.on('connect', () => {
      this.#lastHeardAt = Date.now();
      this.#serverClosing = false;
      void this.#join(socket).then((joined) => {
        if (joined.ok || this.#socket !== socket) return;
        this.#teardown(socket);
        this.#session = null;
        this.#setStatus({ state: 'disconnected', url, reason: joined.error.message });
      });
    });
  }
}

/**
 * Longer than the server's heartbeat allows (Engine.IO pingInterval 25 s + pingTimeout 20 s):
 * a "connected" socket that has not been pinged for this long is dead.
 */
const HEARTBEAT_LOST_MS = 50_000;

function describeConnectError(error: Error): string {
  const text = `${error.message} ${String((error as { description?: unknown }).description ?? '')}`;
  if (/ECONNREFUSED/i.test(text))
    return 'Nothing is answering at that address: is the server running, and is the port right?';
  if (/ENOTFOUND|EAI_AGAIN/i.test(text)) return 'That host name could not be found.';
  if (/ETIMEDOUT|timeout/i.test(text)) return 'The server did not answer in time.';
  if (/EHOSTUNREACH|ENETUNREACH/i.test(text))
    return 'That address cannot be reached from this network.';
  if (/certificate|CERT|SSL|TLS/i.test(text))
    return "The server's secure connection could not be verified.";
  return `Could not connect to the server (${error.message}).`;
}

function describeDisconnect(reason: string): string {
  switch (reason) {
    // 'io client disconnect' reaches here only when reconnectNow() dropped a quiet connection.
    case 'transport close':
    case 'transport error':
    case 'io client disconnect':
      return 'Connection to the server was lost.';
    case 'ping timeout':
      return 'The server stopped answering.';
    default:
      return `Disconnected (${reason}).`;
  }
}
