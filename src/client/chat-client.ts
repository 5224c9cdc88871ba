/**
 * ChatClient: a Parley connection, over socket.io-client. Isomorphic: the desktop app runs it in
 * the main process, the web client in the page. It turns what people type into a server origin,
 * joins with a nickname, reports its status in words, acknowledges every request with a timeout,
 * and after a dropped connection rejoins by itself and catches up on missed messages.
 *
 * Delivery guarantees (docs/PROTOCOL.md, "Delivery guarantees"): own messages wait in an outbox
 * until the server acknowledges them and are resent with the same clientId after every
 * reconnect; every message id is delivered to listeners once, in increasing order, across the
 * `session` events and the `message` events; after a reconnect the client pages through
 * everything it missed before it reports itself connected.
 */
import { nanoid } from 'nanoid';
import { io, type Socket } from 'socket.io-client';
import type {
  ChatEvent,
  ConnectionStatus,
  OutboxEntry,
  OutboxStore,
  Unsubscribe,
} from '../shared/api';
import { parseJoinUrl } from '../shared/join-url';
import {
  downloadFile,
  uploadFile,
  type DownloadOptions,
  type FileSource,
  type TransferOptions,
} from './file-transfer';
import { LIMITS, LOBBY } from '../shared/limits';
import type {
  ChatMessage,
  ClientToServerEvents,
  FileAttachment,
  JoinedRoom,
  JoinedSession,
  RoomInfo,
  ServerToClientEvents,
} from '../shared/protocol';
import { fail, ok, type ErrorCode, type Result } from '../shared/result';
import { ackedRequest } from './acked-request';
import {
  describeIssues,
  messageTextSchema,
  nicknameKey,
  nicknameSchema,
  roomNameSchema,
} from '../shared/schemas';

type ParleyClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

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

export interface ChatClientOptions {
  ackTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Makes client message ids; default nanoid (21 URL-safe characters). */
  createId?: () => string;
  /** Reconnection back-off, in ms (socket.io-client's reconnectionDelay / reconnectionDelayMax). */
  reconnectDelayMs?: number;
  reconnectDelayMaxMs?: number;
  /** Keeps the outbox between runs (per server and nickname); default: memory only. */
  outboxStore?: OutboxStore | null;
  /** Where failures to keep the outbox are reported; default console.error. */
  onError?: (error: unknown) => void;
  clock?: () => number;
  /**
   * Asked before every connect to an https:// origin, with the certificate fingerprint a join link
   * gave (else null): how to trust the server's certificate, or a refusal (`certificate_changed`)
   * that connect() returns without connecting. Default none: the runtime's own checks.
   */
  secureTransport?:
    | ((url: string, fingerprint: string | null) => Promise<Result<{ transport: SecureTransport }>>)
    | null;
}

/** Refusals that sending again cannot fix: the entry fails and waits for the person. */
const FINAL_REFUSALS: ReadonlySet<ErrorCode> = new Set([
  'invalid_payload',
  'not_in_room',
  'unknown_room',
  'user_offline',
  'rate_limited',
  'internal',
  'unknown_event',
]);
/** How long one reconnection attempt's handshake may take before the next attempt. */
const RECONNECT_HANDSHAKE_TIMEOUT_MS = 3_000;
/** How often a failed catch-up page is asked for again before giving up until the next join. */
const CATCH_UP_ATTEMPTS = 5;

export interface ConnectOptions {
  /** The room's passphrase, for servers that ask for one (`passphrase_required`). */
  passphrase?: string;
  /** The certificate fingerprint a join link carried (`fp`), for secureTransport. */
  fingerprint?: string | null;
}

const DISCONNECTED: ConnectionStatus = { state: 'disconnected', url: null, reason: null };

export class ChatClient {
  readonly #options: Required<Omit<ChatClientOptions, 'outboxStore' | 'secureTransport'>>;
  readonly #secureTransport: ChatClientOptions['secureTransport'];
  readonly #outboxStore: OutboxStore | null;
  readonly #listeners = new Set<(event: ChatEvent) => void>();
  #socket: ParleyClientSocket | null = null;
  #status: ConnectionStatus = DISCONNECTED;
  #session: JoinedSession | null = null;
  #nickname = '';
  #passphrase: string | undefined;
  /** Per room: the newest message id delivered (catch-up starts after it). */
  readonly #newest = new Map<string, number>();
  /** Per room: the oldest message id delivered (scrolling back starts before it). */
  readonly #oldest = new Map<string, number>();
  /** Rooms joined besides the lobby (rejoined after every reconnect). */
  readonly #rooms = new Map<string, RoomInfo>();
  readonly #loadingOlder = new Map<string, Promise<Result<{ count: number; hasOlder: boolean }>>>();
  /** While a (re)join pages through missed messages, live ones wait here. */
  #catchingUp = false;
  #held: ChatMessage[] = [];
  #outbox: OutboxEntry[] = [];
  /** The outbox's key in the store (server origin and nickname); null before a connect. */
  #outboxKey: string | null = null;
  #saving: Promise<void> = Promise.resolve();
  #flushing = false;
  #inFlight: string | null = null;
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
      onError: options.onError ?? ((error: unknown) => console.error('[parley]', error)),
      clock: options.clock ?? Date.now,
    };
    this.#outboxStore = options.outboxStore ?? null;
    this.#secureTransport = options.secureTransport ?? null;
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  get session(): JoinedSession | null {
    return this.#session;
  }

  /** Own messages the server has not acknowledged yet, oldest first. */
  get outbox(): readonly OutboxEntry[] {
    return this.#outbox;
  }

  onEvent(listener: (event: ChatEvent) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Connects to the server at `address` (as typed by a person) and joins with `nickname`; see
   * ConnectOptions for the passphrase (kept in memory for rejoining, never stored) and a join
   * link's certificate fingerprint.
   */
  async connect(
    address: string,
    nickname: string,
    options: ConnectOptions = {},
  ): Promise<Result<{ session: JoinedSession }>> {
    const fingerprint = options.fingerprint ?? null;
    const target = parseJoinUrl(address);
    if (!target.ok) return target;
    const name = nicknameSchema.safeParse(nickname);
    if (!name.success) return fail('invalid_payload', describeIssues(name.error, nickname));

    await this.disconnect();
    this.#oldest.clear();
    this.#rooms.clear();
    this.#nickname = name.data;
    this.#passphrase = options.passphrase === '' ? undefined : options.passphrase;
    this.#newest.clear();
    this.#setStatus({ state: 'connecting', url: target.url, reason: null });
    let transport: SecureTransport = {};
    if (target.secure && this.#secureTransport) {
      const trusted = await this.#secureTransport(target.url, fingerprint);
      if (!trusted.ok) {
        this.#setStatus({ state: 'disconnected', url: target.url, reason: trusted.error.message });
        return trusted;
      }
      transport = trusted.transport;
    }
    await this.#loadOutbox(`${target.url} ${nicknameKey(name.data)}`);

    const socket: ParleyClientSocket = io(target.url, {
      transports: ['websocket'],
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

    const reached = await this.#firstConnection(socket, target.url);
    if (!reached.ok) {
      this.#teardown(socket);
      this.#setStatus({ state: 'disconnected', url: target.url, reason: reached.error.message });
      return reached;
    }

    // Reconnection attempts give up on a silent handshake sooner than the first connection does:
    // a connection cut during its handshake can close without an error, and the next attempt
    // should not wait out the whole first-connection timeout.
    socket.io.timeout(Math.min(this.#options.connectTimeoutMs, RECONNECT_HANDSHAKE_TIMEOUT_MS));
    this.#watch(socket, target.url);
    const joined = await this.#join(socket);
    if (!joined.ok) {
      this.#teardown(socket);
      this.#setStatus({ state: 'disconnected', url: target.url, reason: joined.error.message });
      return joined;
    }
    return ok({ session: joined.session });
  }

  async disconnect(): Promise<void> {
    const socket = this.#socket;
    if (!socket) return;
    this.#teardown(socket);
    this.#session = null;
    // What is still in the outbox stays in the store for the next visit; this run forgets it.
    this.#outbox = [];
    this.#outboxKey = null;
    this.#emit({ type: 'outbox', entries: [] });
    this.#setStatus({ state: 'disconnected', url: this.#status.url, reason: 'You left.' });
  }

  /**
   * Puts a message in the outbox and sends it when the connection allows: at once when connected,
   * else after the reconnect; it is resent after every reconnect until acknowledged. Fails only
   * for text the server would refuse, or before any server was joined.
   */
  post(text: string, room: string = LOBBY): Result<{ entry: OutboxEntry }> {
    const checked = messageTextSchema.safeParse(text);
    if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, text));
    if (this.#outboxKey === null) return fail('not_connected', 'Join a server first.');
    const entry: OutboxEntry = {
      clientId: this.#options.createId(),
      ...(room === LOBBY ? {} : { room }),
      text,
      state: 'sending',
      error: null,
      createdAt: this.#options.clock(),
    };
    this.#updateOutbox([...this.#outbox, entry]);
    void this.#flush();
    return ok({ entry });
  }

  /**
   * Loads the page before the oldest message held (scrolling back), delivered as a `history`
   * event; one request at a time (a second call while one runs gets the same answer).
   */
  loadOlder(room: string = LOBBY): Promise<Result<{ count: number; hasOlder: boolean }>> {
    let loading = this.#loadingOlder.get(room);
    if (!loading) {
      loading = this.#fetchOlder(room).finally(() => this.#loadingOlder.delete(room));
      this.#loadingOlder.set(room, loading);
    }
    return loading;
  }

  async #fetchOlder(room: string): Promise<Result<{ count: number; hasOlder: boolean }>> {
    const socket = this.#socket;
    if (!socket?.connected || !this.#session) {
      return fail('not_connected', 'Not connected: older messages cannot be loaded now.');
    }
    const before = this.#oldest.get(room);
    if (before === undefined) return ok({ count: 0, hasOlder: false });
    const page = await ackedRequest(() =>
      socket
        .timeout(this.#options.ackTimeoutMs)
        .emitWithAck('history:fetch', { room, before, limit: LIMITS.joinHistoryLength }),
    );
    if (!page.ok) return page;
    const first = page.messages[0];
    if (first) this.#oldest.set(room, first.id);
    this.#emit({ type: 'history', room, messages: page.messages, hasOlder: page.hasMore });
    return ok({ count: page.messages.length, hasOlder: page.hasMore });
  }

  /** Rooms joined besides the lobby. */
  get rooms(): readonly RoomInfo[] {
    return [...this.#rooms.values()];
  }

  /** Creates a room (it does not join it). */
  async createRoom(name: string): Promise<Result<{ room: RoomInfo }>> {
    const checked = roomNameSchema.safeParse(name);
    if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, name));
    const socket = this.#socket;
    if (!socket?.connected || !this.#session) return fail('not_connected', 'Not connected.');
    return ackedRequest(() =>
      socket.timeout(this.#options.ackTimeoutMs).emitWithAck('room:create', { name: checked.data }),
    );
  }

  /** Joins a room (again, after a reconnect: then with what was missed). */
  async joinRoom(room: string): Promise<Result<{ joined: JoinedRoom }>> {
    const socket = this.#socket;
    if (!socket?.connected || !this.#session) return fail('not_connected', 'Not connected.');
    return this.#enterRoom(socket, 'room:join', { room });
  }

  /** Opens the direct conversation with someone online (both are in it from then on). */
  async openDirect(nickname: string): Promise<Result<{ joined: JoinedRoom }>> {
    const checked = nicknameSchema.safeParse(nickname);
    if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, nickname));
    const socket = this.#socket;
    if (!socket?.connected || !this.#session) return fail('not_connected', 'Not connected.');
    return this.#enterRoom(socket, 'dm:open', { nickname: checked.data });
  }

  /**
   * Sends a file to a room (see file-transfer.ts): it arrives as a message with the file attached,
   * also delivered as a `message` event. Not kept in the outbox: a transfer cut off by a lost
   * connection fails (`not_connected`) and the person sends it again.
   */
  async sendFile(
    source: FileSource,
    room: string = LOBBY,
    options: TransferOptions = {},
  ): Promise<Result<{ message: ChatMessage }>> {
    const socket = this.#socket;
    if (!socket?.connected || !this.#session) return fail('not_connected', 'Not connected.');
    const result = await uploadFile(socket, source, room, {
      ...options,
      ackTimeoutMs: this.#options.ackTimeoutMs,
    });
    if (result.ok) this.#deliver(result.message);
    return result;
  }

  /** Fetches a file posted in a room this client is in (bytes, or chunk by chunk: onChunk). */
  async downloadFile(
    file: FileAttachment,
    options: DownloadOptions = {},
  ): Promise<Result<{ bytes: Uint8Array | null }>> {
    const socket = this.#socket;
    if (!socket?.connected || !this.#session) return fail('not_connected', 'Not connected.');
    return downloadFile(socket, file, { ...options, ackTimeoutMs: this.#options.ackTimeoutMs });
  }

  async leaveRoom(room: string): Promise<Result> {
    const socket = this.#socket;
    if (!socket?.connected || !this.#session) return fail('not_connected', 'Not connected.');
    const result = await ackedRequest(() =>
      socket.timeout(this.#options.ackTimeoutMs).emitWithAck('room:leave', { room }),
    );
    if (result.ok || result.error.code === 'not_in_room') {
      this.#rooms.delete(room);
      this.#emit({ type: 'room-left', room });
    }
    return result;
  }

  async #enterRoom(
    socket: ParleyClientSocket,
    event: 'room:join' | 'dm:open',
    payload: { room: string } | { nickname: string },
  ): Promise<Result<{ joined: JoinedRoom }>> {
    const room = 'room' in payload ? payload.room : null;
    const since = room === null ? undefined : this.#newest.get(room);
    const result = await ackedRequest<JoinedRoom>(() =>
      event === 'room:join'
        ? socket.timeout(this.#options.ackTimeoutMs).emitWithAck('room:join', {
            ...(payload as { room: string }),
            ...(since === undefined ? {} : { since }),
          })
        : socket
            .timeout(this.#options.ackTimeoutMs)
            .emitWithAck('dm:open', payload as { nickname: string }),
    );
    if (!result.ok) return result;
    const joined = this.#roomJoined(result);
    if (result.hasMore) await this.#catchUp(socket, joined.room.id);
    return ok({ joined });
  }

  /** Takes in a joined room's first page and tells the listeners. */
  #roomJoined(reply: JoinedRoom): JoinedRoom {
    const joined: JoinedRoom = {
      room: reply.room,
      users: reply.users,
      messages: this.#unseen(reply.room.id, reply.messages),
      hasMore: reply.hasMore,
      hasOlder: reply.hasOlder,
    };
    if (!this.#oldest.has(reply.room.id) && joined.messages[0]) {
      this.#oldest.set(reply.room.id, joined.messages[0].id);
    }
    if (reply.room.id !== LOBBY) this.#rooms.set(reply.room.id, reply.room);
    this.#emit({ type: 'room-joined', joined });
    return joined;
  }

  /** Sends a failed outbox entry again, with its original clientId. */
  retry(clientId: string): Result {
    const entry = this.#outbox.find((candidate) => candidate.clientId === clientId);
    if (!entry) return fail('invalid_payload', 'That message is no longer waiting to be sent.');
    if (entry.state === 'failed') {
      this.#updateOutbox(
        this.#outbox.map((candidate) =>
          candidate === entry ? { ...entry, state: 'sending', error: null } : candidate,
        ),
      );
    }
    void this.#flush();
    return ok({});
  }

  /** Removes an outbox entry, unless it is on its way to the server right now. */
  discard(clientId: string): Result {
    if (this.#inFlight === clientId) {
      return fail('invalid_payload', 'That message is being sent right now.');
    }
    this.#updateOutbox(this.#outbox.filter((entry) => entry.clientId !== clientId));
    return ok({});
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
    return ackedRequest(() =>
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

  async setTyping(typing: boolean, room: string = LOBBY): Promise<void> {
    const socket = this.#socket;
    if (!socket?.connected || !this.#session) return;
    socket.emit('typing:set', room === LOBBY ? { typing } : { room, typing });
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

  /**
   * Joins (or rejoins, with `since` and the resume token), then pages through whatever else was
   * missed; live messages that arrive meanwhile are held and delivered after, so that listeners
   * see every id once and in order. Only then is the client connected and the outbox sent.
   */
  async #join(socket: ParleyClientSocket): Promise<Result<{ session: JoinedSession }>> {
    const rejoining = this.#session !== null;
    const payload = {
      nickname: this.#nickname,
      ...(this.#passphrase === undefined ? {} : { passphrase: this.#passphrase }),
      ...(this.#session
        ? { since: this.#newest.get(LOBBY) ?? 0, resumeToken: this.#session.resumeToken }
        : {}),
    };
    this.#catchingUp = true;
    this.#held = [];
    try {
      const result = await ackedRequest(() =>
        socket.timeout(this.#options.ackTimeoutMs).emitWithAck('session:join', payload),
      );
      if (!result.ok) return result;
      const session: JoinedSession = {
        self: result.self,
        room: result.room,
        users: result.users,
        messages: this.#unseen(LOBBY, result.messages),
        hasMore: result.hasMore,
        hasOlder: result.hasOlder,
        rooms: result.rooms,
        resumeToken: result.resumeToken,
        serverName: result.serverName,
        protocolVersion: result.protocolVersion,
      };
      this.#session = session;
      const first = session.messages[0];
      if (!rejoining && first) this.#oldest.set(LOBBY, first.id);
      this.#emit({ type: 'session', session });
      if (result.hasMore) await this.#catchUp(socket, LOBBY);
      // Back in every other room, with what was missed there.
      for (const room of [...this.#rooms.keys()]) {
        const since = this.#newest.get(room);
        const rejoined = await ackedRequest<JoinedRoom>(() =>
          socket
            .timeout(this.#options.ackTimeoutMs)
            .emitWithAck('room:join', { room, ...(since === undefined ? {} : { since }) }),
        );
        if (!rejoined.ok) {
          if (rejoined.error.code === 'unknown_room') {
            this.#rooms.delete(room);
            this.#emit({ type: 'room-left', room });
          }
          continue;
        }
        this.#roomJoined(rejoined);
        if (rejoined.hasMore) await this.#catchUp(socket, room);
      }
    } finally {
      this.#catchingUp = false;
      const held = this.#held;
      this.#held = [];
      for (const message of held) this.#deliver(message);
    }
    if (this.#socket !== socket || !socket.connected) {
      return fail('not_connected', 'The connection dropped while joining.');
    }
    this.#setStatus({ state: 'connected', url: this.#status.url, reason: null });
    if (rejoining || this.#outbox.length > 0) void this.#flush();
    return ok({ session: this.#session! });
  }

  /** Fetches every message of `room` after the newest one held, page by page, to the end. */
  async #catchUp(socket: ParleyClientSocket, room: string): Promise<void> {
    let failures = 0;
    let more = true;
    while (more && socket.connected && this.#socket === socket) {
      const page = await ackedRequest(() =>
        socket
          .timeout(this.#options.ackTimeoutMs)
          .emitWithAck('history:fetch', { room, after: this.#newest.get(room) ?? 0 }),
      );
      if (!page.ok) {
        if (++failures >= CATCH_UP_ATTEMPTS) {
          this.#emit({
            type: 'notice',
            text: `Some missed messages could not be loaded (${page.error.message}).`,
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * failures));
        continue;
      }
      failures = 0;
      for (const message of page.messages) this.#accept(message);
      more = page.hasMore && page.messages.length > 0;
    }
  }

  /** Keeps the messages with ids after the newest one delivered in `room`; moves the mark. */
  #unseen(room: string, messages: ChatMessage[]): ChatMessage[] {
    const mark = this.#newest.get(room) ?? 0;
    const fresh = messages.filter((message) => message.id > mark);
    const newest = fresh.at(-1);
    if (newest) this.#newest.set(room, newest.id);
    return fresh;
  }

  /** A live message: held while catching up, else delivered unless already seen. */
  #deliver(message: ChatMessage): void {
    if (this.#catchingUp) this.#held.push(message);
    else this.#accept(message);
  }

  #accept(message: ChatMessage): void {
    if (message.id <= (this.#newest.get(message.room) ?? 0)) return;
    this.#newest.set(message.room, message.id);
    this.#emit({ type: 'message', message });
  }

  /**
   * Sends outbox entries one at a time, oldest first, so that they are stored in the order they
   * were written. Stops when the connection is not ready; the next (re)join starts it again.
   */
  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      for (;;) {
        const socket = this.#socket;
        if (!socket?.connected || !this.#session || this.#catchingUp) return;
        const entry = this.#outbox.find((candidate) => candidate.state === 'sending');
        if (!entry) return;
        this.#inFlight = entry.clientId;
        const result = await ackedRequest(() =>
          socket.timeout(this.#options.ackTimeoutMs).emitWithAck('message:send', {
            ...(entry.room === undefined ? {} : { room: entry.room }),
            clientId: entry.clientId,
            text: entry.text,
          }),
        );
        this.#inFlight = null;
        if (result.ok) {
          this.#deliver(result.message);
          this.#updateOutbox(this.#outbox.filter((candidate) => candidate !== entry));
        } else if (FINAL_REFUSALS.has(result.error.code)) {
          this.#updateOutbox(
            this.#outbox.map((candidate) =>
              candidate === entry ? { ...entry, state: 'failed', error: result.error } : candidate,
            ),
          );
        } else if (!socket.connected) {
          return; // resent after the reconnect
        }
        // A timeout on a live connection: loop and send it again (the server de-duplicates).
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #loadOutbox(key: string): Promise<void> {
    this.#outboxKey = key;
    let entries: OutboxEntry[] = [];
    try {
      entries = (await this.#outboxStore?.load(key)) ?? [];
    } catch (error) {
      this.#options.onError(error);
    }
    this.#outbox = entries;
    this.#emit({ type: 'outbox', entries });
  }

  #updateOutbox(entries: OutboxEntry[]): void {
    this.#outbox = entries;
    this.#emit({ type: 'outbox', entries });
    const store = this.#outboxStore;
    const key = this.#outboxKey;
    if (!store || key === null) return;
    // One write at a time, in order: the last one written is the newest state.
    this.#saving = this.#saving
      .then(() => store.save(key, entries))
      .catch((error: unknown) => this.#options.onError(error));
  }

  /** Resolves once every outbox change so far has been handed to the store. */
  async saved(): Promise<void> {
    await this.#saving;
  }

  /** Follows a joined connection: incoming events, drops, and rejoining after a reconnect. */
  #watch(socket: ParleyClientSocket, url: string): void {
    this.#lastHeardAt = Date.now();
    socket.io.on('ping', () => (this.#lastHeardAt = Date.now()));
    socket.on('message:created', (message) => this.#deliver(message));
    socket.on('room:created', ({ room }) => this.#emit({ type: 'room-created', room }));
    socket.on('room:counts', ({ counts }) => this.#emit({ type: 'room-counts', counts }));
    socket.on('dm:opened', (joined) => void this.#roomJoined(joined));
    socket.on('presence:joined', ({ room, user }) =>
      this.#emit({ type: 'user-joined', room, user }),
    );
    socket.on('presence:left', ({ room, user }) => this.#emit({ type: 'user-left', room, user }));
    socket.on('typing:updated', ({ room, user, typing }) =>
      this.#emit({ type: 'typing', room, user, typing }),
    );
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
    socket.io.on('reconnect_error', (error) => {
      // The server now presents a certificate other than the one trusted: retrying cannot help,
      // and it may be someone intercepting the connection. Stop and say so.
      if (!isCertificateError(error)) return;
      this.#teardown(socket);
      this.#session = null;
      this.#setStatus({
        state: 'disconnected',
        url,
        reason:
          "The server's certificate is no longer the one Parley trusted for it: it changed, or " +
          'someone is intercepting the connection. Parley stopped reconnecting.',
      });
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
        // A connection that dropped while rejoining is reconnecting again: not a refusal.
        if (joined.ok || this.#socket !== socket || !socket.connected) return;
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

/** The connection error's own words and its transport's (ws reports an ErrorEvent there). */
function connectErrorText(error: Error): string {
  const description = (error as { description?: unknown }).description;
  const inner =
    description instanceof Error
      ? description.message
      : typeof description === 'object' && description !== null
        ? String(
            (description as { message?: unknown }).message ??
              (description as { error?: { message?: unknown } }).error?.message ??
              '',
          )
        : String(description ?? '');
  return `${error.message} ${inner}`;
}

/** A TLS certificate Parley does not trust (self-signed, not the pinned one, expired, …). */
function isCertificateError(error: Error): boolean {
  return /certificate|CERT_|self[- ]signed/i.test(connectErrorText(error));
}

function describeConnectError(error: Error): string {
  const text = connectErrorText(error);
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
