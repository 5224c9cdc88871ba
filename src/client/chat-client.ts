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
 *
 * A facade over parts with one job each, wired here: Connection (the socket's lifecycle and
 * status), RoomMembership (the session and the rooms joined), RoomCursors (what each room has
 * delivered, catching up and scrolling back), Outbox (own messages until acknowledged),
 * FileOutbox (own files until sent), server-events.ts (what the server pushes) and
 * file-transfer.ts.
 */
import { nanoid } from 'nanoid';
import type {
  ChatEvent,
  ConnectionStatus,
  ModerationReply,
  ModerationRequest,
  OutboxEntry,
  PeopleQuery,
  PresenceStatus,
  RoomListQuery,
  SearchQuery,
  Unsubscribe,
} from '../shared/api';
import { parseJoinUrl } from '../shared/join-url';
import {
  downloadFile,
  type DownloadOptions,
  type FileSource,
  type TransferOptions,
} from './file-transfer';
import { FileOutbox } from './file-outbox';
import { LIMITS, LOBBY } from '../shared/limits';
import type {
  ChatMessage,
  FileAttachment,
  JoinedRoom,
  JoinedSession,
  LinkCode,
  MessageChange,
  PeoplePage,
  Presence,
  ReadPosition,
  RoomInfo,
  RoomPage,
  SearchPage,
} from '../shared/protocol';
import { fail, ok, type Result } from '../shared/result';
import { timedRequest, type Request } from './acked-request';
import {
  describeIssues,
  messageTextSchema,
  nicknameKey,
  nicknameSchema,
  presenceSetPayloadSchema,
  searchQueryPayloadSchema,
  type PresenceSetPayload,
} from '../shared/schemas';
import type { ChatClientOptions, ConnectOptions } from './chat-client-options';
import { Connection } from './connection';
import { Outbox } from './outbox';
import { RoomCursors } from './room-cursors';
import { RoomMembership } from './room-membership';
import { memoryDeviceKey } from './device-key';
import { forwardServerEvents } from './server-events';
import { sendModeration } from './moderation-requests';

export type { SecureTransport } from './connection';
export type { ChatClientOptions, ConnectOptions } from './chat-client-options';

export class ChatClient {
  readonly #ackTimeoutMs: number;
  readonly #request: Request;
  readonly #createId: () => string;
  readonly #listeners = new Set<(event: ChatEvent) => void>();
  readonly #connection: Connection;
  readonly #membership: RoomMembership;
  readonly #cursors: RoomCursors;
  readonly #outbox: Outbox;
  readonly #files: FileOutbox;
  /** The presence this person chose, set again after every join; null: plain online. */
  #presence: PresenceSetPayload | null = null;

  constructor(options: ChatClientOptions = {}) {
    const ackTimeoutMs = options.ackTimeoutMs ?? LIMITS.ackTimeoutMs;
    this.#ackTimeoutMs = ackTimeoutMs;
    const request = timedRequest(ackTimeoutMs);
    this.#request = request;
    // Not crypto.randomUUID: browsers offer it only in secure contexts, and LAN pages are plain http.
    this.#createId = options.createId ?? (() => nanoid());
    const emit = (event: ChatEvent) => this.#emit(event);
    const currentSocket = () => this.#connection.socket;
    this.#connection = new Connection({
      connectTimeoutMs: options.connectTimeoutMs ?? LIMITS.connectTimeoutMs,
      reconnectDelayMs: options.reconnectDelayMs ?? 500,
      reconnectDelayMaxMs: options.reconnectDelayMaxMs ?? 5_000,
      secureTransport: options.secureTransport ?? null,
      emit,
      listen: (socket) =>
        forwardServerEvents(socket, {
          emit,
          deliver: (message) => this.#cursors.deliver(message),
          roomJoined: (joined) => this.#membership.roomJoined(joined),
          roomDeleted: (room, roomCount) => this.#membership.roomDeleted(room, roomCount),
        }),
      rejoin: (socket) => this.#membership.join(socket),
      ended: () => this.#membership.forgetSession(),
    });
    this.#cursors = new RoomCursors({
      request,
      emit,
      currentSocket,
      joinedSocket: () => this.#membership.joinedSocket(),
    });
    this.#membership = new RoomMembership({
      request,
      emit,
      cursors: this.#cursors,
      currentSocket,
      deviceKey: options.deviceKey ?? memoryDeviceKey(),
      takeChallenge: () => this.#connection.takeChallenge(),
      joined: (rejoining) => {
        this.#connection.setStatus({ state: 'connected', url: this.status.url, reason: null });
        // After a rejoin, what the drop cut off goes again; after a first join, what was stored.
        // Waiting files go after the waiting messages: what was written before a file comes
        // before it (an upload takes longer than a message).
        const flushed =
          rejoining || this.#outbox.entries.length > 0 ? this.#outbox.flush() : Promise.resolve();
        void flushed.then(() => this.#files.resume());
        // A join starts online (a resume keeps what was set, and setting it again is harmless).
        if (this.#presence) void this.#sendPresence(this.#presence);
      },
    });
    this.#outbox = new Outbox({
      request,
      createId: this.#createId,
      clock: options.clock ?? Date.now,
      store: options.outboxStore ?? null,
      onError: options.onError ?? ((error: unknown) => console.error('[parley]', error)),
      emit,
      sendingSocket: () => (this.#cursors.catchingUp ? null : this.#membership.joinedSocket()),
      deliver: (message) => this.#cursors.deliver(message),
    });
    this.#files = new FileOutbox({
      createId: this.#createId,
      ackTimeoutMs,
      sendingSocket: () => (this.#cursors.catchingUp ? null : this.#membership.joinedSocket()),
      deliver: (message) => this.#cursors.deliver(message),
    });
  }

  get status(): ConnectionStatus {
    return this.#connection.status;
  }

  get session(): JoinedSession | null {
    return this.#membership.session;
  }

  /** Own messages the server has not acknowledged yet, oldest first. */
  get outbox(): readonly OutboxEntry[] {
    return this.#outbox.entries;
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
    this.#cursors.clear();
    this.#membership.start(
      name.data,
      options.passphrase === '' ? undefined : options.passphrase,
      new URL(target.url).host,
      {
        adminToken: options.adminToken,
        link: options.link === undefined || options.link.trim() === '' ? undefined : options.link,
      },
    );
    this.#connection.setStatus({ state: 'connecting', url: target.url, reason: null });
    const trusted = await this.#connection.trust(target.url, target.secure, fingerprint);
    if (!trusted.ok) return trusted;
    await this.#outbox.load(`${target.url} ${nicknameKey(name.data)}`);
    this.#files.open();

    const opened = await this.#connection.open(target.url, trusted.transport);
    if (!opened.ok) return opened;
    const joined = await this.#membership.join(opened.socket);
    if (!joined.ok) {
      this.#connection.stop(opened.socket, target.url, joined.error.message);
      return joined;
    }
    return ok({ session: joined.session });
  }

  async disconnect(): Promise<void> {
    const socket = this.#connection.socket;
    if (!socket) return;
    this.#connection.teardown(socket);
    this.#membership.forgetSession();
    // What is still in the outbox stays in the store for the next visit; this run forgets it.
    this.#outbox.forget();
    this.#files.forget();
    this.#connection.setStatus({
      state: 'disconnected',
      url: this.status.url,
      reason: 'You left.',
    });
  }

  /**
   * Puts a message in the outbox and sends it when the connection allows: at once when connected,
   * else after the reconnect; it is resent after every reconnect until acknowledged. Fails only
   * for text the server would refuse, or before any server was joined.
   */
  post(text: string, room: string = LOBBY, replyTo?: number): Result<{ entry: OutboxEntry }> {
    return this.#outbox.post(text, room, replyTo);
  }

  /**
   * Puts a change to an earlier message (edit, delete, reaction, pin) in the outbox, sent and
   * resent like a message (`message:change`; the server applies it once). The server's change
   * entry comes back as a `message` event; apply it with mergeLog (message-changes.ts).
   */
  changeMessage(change: MessageChange, room: string = LOBBY): Result<{ entry: OutboxEntry }> {
    return this.#outbox.change(change, room);
  }

  /** The messages pinned in a room now. */
  async pinnedMessages(room: string = LOBBY): Promise<Result<{ messages: ChatMessage[] }>> {
    const socket = this.#membership.joinedSocket();
    if (!socket) return fail('not_connected', 'Not connected.');
    return this.#request(socket, 'room:pins', room === LOBBY ? {} : { room });
  }

  /**
   * Loads the page before the oldest message held (scrolling back), delivered as a `history`
   * event; one request at a time (a second call while one runs gets the same answer).
   */
  loadOlder(room: string = LOBBY): Promise<Result<{ count: number; hasOlder: boolean }>> {
    return this.#cursors.loadOlder(room);
  }

  /** Rooms joined besides the lobby. */
  get rooms(): readonly RoomInfo[] {
    return this.#membership.rooms;
  }

  /** Creates a room (it does not join it). */
  createRoom(name: string): Promise<Result<{ room: RoomInfo }>> {
    return this.#membership.createRoom(name);
  }

  /** Joins a room (again, after a reconnect: then with what was missed). */
  joinRoom(room: string): Promise<Result<{ joined: JoinedRoom }>> {
    return this.#membership.joinRoom(room);
  }

  /** Opens the direct conversation with someone online (both are in it from then on). */
  openDirect(nickname: string): Promise<Result<{ joined: JoinedRoom }>> {
    return this.#membership.openDirect(nickname);
  }

  /**
   * Sends a file to a room (see file-outbox.ts): it arrives as a message with the file attached,
   * also delivered as a `message` event. Chosen while the connection is down, or cut off by a lost
   * connection, it waits and goes (once) when the connection is back; `options.signal` cancels
   * it, waiting or under way. Fails before any server was joined, and when the person leaves.
   */
  sendFile(
    source: FileSource,
    room: string = LOBBY,
    options: TransferOptions = {},
  ): Promise<Result<{ message: ChatMessage }>> {
    return this.#files.send(source, room, options);
  }

  /** Fetches a file posted in a room this client is in (bytes, or chunk by chunk: onChunk). */
  async downloadFile(
    file: FileAttachment,
    options: DownloadOptions = {},
  ): Promise<Result<{ bytes: Uint8Array | null }>> {
    const socket = this.#membership.joinedSocket();
    if (!socket) return fail('not_connected', 'Not connected.');
    return downloadFile(socket, file, { ...options, ackTimeoutMs: this.#ackTimeoutMs });
  }

  /**
   * A moderation request (see ModerationRequest): checked here as the server would, then sent.
   * The server says whether this person may (`not_allowed`); everyone is told what changed.
   */
  async moderate(request: ModerationRequest): Promise<Result<ModerationReply>> {
    const socket = this.#membership.joinedSocket();
    if (!socket) return fail('not_connected', 'Not connected.');
    return sendModeration(this.#request, socket, request);
  }

  leaveRoom(room: string): Promise<Result> {
    return this.#membership.leaveRoom(room);
  }

  /** Deletes a room with its messages: its creator or the host only (see `room:delete`). */
  deleteRoom(room: string): Promise<Result> {
    return this.#membership.deleteRoom(room);
  }

  /** A page of the server's rooms, searched by name (the join lists only the first page). */
  listRooms(query: RoomListQuery = {}): Promise<Result<RoomPage>> {
    return this.#membership.listRooms(query);
  }

  /**
   * A page of the people in a room this client is in, in join order, searched by nickname (the
   * join replies list the first page only; `usersNext` says where the rest start).
   */
  listPeople(query: PeopleQuery = {}): Promise<Result<PeoplePage>> {
    return this.#membership.listPeople(query);
  }

  /**
   * Searches the messages of every room this person may read (see `search:query`): newest
   * first, with snippets; page back with `before` (the last result's message id).
   */
  async search(query: SearchQuery): Promise<Result<SearchPage>> {
    const checked = searchQueryPayloadSchema.safeParse(query);
    if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, query));
    const socket = this.#membership.joinedSocket();
    if (!socket) return fail('not_connected', 'Not connected.');
    return this.#request(socket, 'search:query', checked.data);
  }

  /** Sends a failed outbox entry again, with its original clientId. */
  retry(clientId: string): Result {
    return this.#outbox.retry(clientId);
  }

  /** Removes an outbox entry, unless it is on its way to the server right now. */
  discard(clientId: string): Result {
    return this.#outbox.discard(clientId);
  }

  /** Sends a message; pass the same `clientId` again to retry it without ever duplicating it. */
  async send(
    text: string,
    clientId: string = this.#createId(),
  ): Promise<Result<{ message: ChatMessage }>> {
    const checked = messageTextSchema.safeParse(text);
    if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, text));
    const socket = this.#membership.joinedSocket();
    if (!socket) {
      return fail('not_connected', 'Not connected to a server: the message was not sent.');
    }
    return this.#request(socket, 'message:send', { clientId, text });
  }

  /** Resolves once every outbox change so far has been handed to the store. */
  saved(): Promise<void> {
    return this.#outbox.saved();
  }

  /**
   * Skips the reconnection back-off: after the computer wakes from sleep or the network changes,
   * try the server now instead of when the back-off timer says. Does nothing unless a joined
   * session is reconnecting, or is "connected" but has not heard the server's heartbeat for
   * longer than the server allows (a connection that died while the computer slept).
   */
  /** A one-time code that links another device to this person (`device:link-code`). */
  async linkCode(): Promise<Result<LinkCode>> {
    const socket = this.#membership.joinedSocket();
    if (!socket) return fail('not_connected', 'Not connected: link a device once you are back.');
    return this.#request(socket, 'device:link-code', {});
  }

  /** This person has read `room` up to message `id` (`room:read`: their other devices follow). */
  async markRead(room: string, id: number): Promise<Result<ReadPosition>> {
    const socket = this.#membership.joinedSocket();
    if (!socket) return fail('not_connected', 'Not connected.');
    return this.#request(socket, 'room:read', { room, id });
  }

  reconnectNow(): void {
    if (this.#membership.session) this.#connection.reconnectNow();
  }

  async setTyping(typing: boolean, room: string = LOBBY): Promise<void> {
    const socket = this.#membership.joinedSocket();
    if (!socket) return;
    socket.emit('typing:set', room === LOBBY ? { typing } : { room, typing });
  }

  /**
   * Says how this person shows to others, with a status line (none when `text` is left out or
   * empty). Kept for later joins: a reconnect or a new connection sets it again.
   */
  async setPresence(
    status: PresenceStatus,
    text?: string,
  ): Promise<Result<{ presence: Presence }>> {
    const payload = { status, ...(text === undefined ? {} : { text }) };
    const checked = presenceSetPayloadSchema.safeParse(payload);
    if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, payload));
    const plain = checked.data.status === 'online' && !checked.data.text;
    this.#presence = plain ? null : payload;
    return this.#sendPresence(payload);
  }

  async #sendPresence(payload: PresenceSetPayload): Promise<Result<{ presence: Presence }>> {
    const socket = this.#membership.joinedSocket();
    if (!socket)
      return fail('not_connected', 'Not connected: it is set once the connection is back.');
    return this.#request(socket, 'presence:set', payload);
  }

  #emit(event: ChatEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
