/**
 * The server's message log, for every room and direct conversation: assigns the server id (one
 * sequence for the whole server) and time, keeps each room's recent messages in memory for joins
 * and catch-up, remembers each room's client ids so that a resent message is answered with the
 * original (never stored twice), and — with a store — writes messages to disk in group commits:
 * every message that arrives while a write is in flight goes into the next single batch. A room's
 * history is read from the store the first time the room is used (`ensure`).
 */
import type { ChatMessage, FileAttachment, User } from '../../shared/protocol';
import { LIMITS } from '../../shared/limits';
import type { MessageStore, PageQuery } from './level-message-store';

export interface MessageLogOptions {
  /** Messages kept in memory for joins and catch-up. */
  capacity: number;
  /** Client ids remembered for de-duplication (a bounded, oldest-first window). */
  dedupeWindow?: number;
  clock?: () => number;
  /** Where messages last; without one, history lives only as long as the process. */
  store?: MessageStore;
  /** The most messages a room keeps on disk; older ones are deleted. Default no limit. */
  retention?: number | null;
  /** Where a failure to delete old messages is reported. */
  onError?: (error: unknown) => void;
  /** Files that deleted old messages carried and no message kept carries (ids): free to go. */
  onFilesUnreferenced?: (fileIds: string[]) => void;
}

export interface AppendResult {
  message: ChatMessage;
  /** False when the client id was seen before and the original message is returned. */
  created: boolean;
  /** Resolves once the message is on disk (at once without a store). */
  durable: Promise<void>;
}

const DONE = Promise.resolve();

interface RoomHistory {
  /** The newest messages, oldest first (up to twice the capacity between trims). */
  messages: ChatMessage[];
  /** True while `messages` holds the room's whole history (nothing older is only on disk). */
  complete: boolean;
  /** Client ids seen in this room, oldest first (a bounded window). */
  byClientKey: Map<string, ChatMessage>;
}

export class MessageLog {
  readonly #capacity: number;
  readonly #dedupeWindow: number;
  readonly #clock: () => number;
  readonly #store: MessageStore | undefined;
  readonly #rooms = new Map<string, RoomHistory>();
  readonly #loading = new Map<string, Promise<RoomHistory>>();
  #lastId = 0;
  readonly #retention: number | null;
  readonly #onError: (error: unknown) => void;
  readonly #onFilesUnreferenced: ((fileIds: string[]) => void) | undefined;
  /** Messages written since old ones were last deleted (see #trimSoon). */
  #writtenSinceTrim = 0;
  #trimming: Promise<void> = DONE;
  #queue: ChatMessage[] = [];
  /** Messages whose write has not finished, with it. */
  readonly #pending = new Map<ChatMessage, Promise<void>>();
  #nextWrite: Promise<void> | null = null;
  #lastWrite: Promise<void> = DONE;

  constructor(options: MessageLogOptions) {
    this.#capacity = options.capacity;
    this.#dedupeWindow = options.dedupeWindow ?? Math.max(LIMITS.dedupeWindow, options.capacity);
    this.#clock = options.clock ?? Date.now;
    this.#store = options.store;
    this.#retention = options.retention ?? null;
    this.#onError = options.onError ?? (() => {});
    this.#onFilesUnreferenced = options.onFilesUnreferenced;
  }

  /** A log that continues what `store` holds: the same ids, history and client ids. */
  static async open(
    room: string | null,
    options: MessageLogOptions & { store: MessageStore },
  ): Promise<MessageLog> {
    const log = new MessageLog(options);
    log.#lastId = await options.store.lastId();
    if (room !== null) await log.ensure(room);
    return log;
  }

  /** True once `room`'s history is ready (see ensure); always without a store. */
  isReady(room: string): boolean {
    return !this.#store || this.#rooms.has(room);
  }

  /** Makes `room`'s history ready (read from the store the first time); call before using it. */
  ensure(room: string): Promise<void> {
    if (this.#rooms.has(room)) return DONE;
    let loading = this.#loading.get(room);
    if (!loading) {
      loading = this.#load(room).finally(() => this.#loading.delete(room));
      this.#loading.set(room, loading);
    }
    return loading.then(() => undefined);
  }

  async #load(room: string): Promise<RoomHistory> {
    const history: RoomHistory = { messages: [], complete: true, byClientKey: new Map() };
    if (this.#store) {
      const { messages } = await this.#store.load(room, this.#dedupeWindow);
      for (const message of messages) this.#remember(history, message);
      history.messages = messages.slice(-this.#capacity);
      history.complete = messages.length < this.#dedupeWindow && messages.length <= this.#capacity;
    }
    this.#rooms.set(room, history);
    if (this.#retention !== null) await this.#trim(room);
    return history;
  }

  /** A room's history; rooms not made ready yet count as empty (see ensure). */
  #history(room: string): RoomHistory {
    let history = this.#rooms.get(room);
    if (!history) {
      if (this.#store) throw new Error(`Room ${room} was used before ensure().`);
      history = { messages: [], complete: true, byClientKey: new Map() };
      this.#rooms.set(room, history);
    }
    return history;
  }

  get lastId(): number {
    return this.#lastId;
  }

  /**
   * Adds a message unless this author already sent one with this client id. The key includes the
   * author's nickname so that one person cannot shadow another's ids. `file`: a stored file the
   * message carries (then `text` may be empty).
   */
  append(
    room: string,
    author: User,
    clientId: string,
    text: string,
    file?: FileAttachment,
  ): AppendResult {
    const history = this.#history(room);
    const existing = history.byClientKey.get(clientKey(author, clientId));
    // A resend of a message still being written waits for that write too.
    if (existing) {
      return { message: existing, created: false, durable: this.#pending.get(existing) ?? DONE };
    }

    const message: ChatMessage = {
      id: ++this.#lastId,
      clientId,
      room,
      author: { ...author },
      text,
      ...(file ? { file: { ...file } } : {}),
      sentAt: this.#clock(),
    };
    history.messages.push(message);
    if (history.messages.length > this.#capacity * 2) {
      history.messages = history.messages.slice(-this.#capacity);
      history.complete = false;
    }
    this.#remember(history, message);
    const durable = this.#persist(message);
    if (durable !== DONE) {
      this.#pending.set(message, durable);
      // A write that fails leaves no trace: not in memory, not in the dedupe set (a resend is a
      // new message), and its id is never handed out again (the sequence only grows).
      durable.then(
        () => this.#pending.delete(message),
        () => {
          this.#pending.delete(message);
          this.#forget(message);
        },
      );
    }
    return { message, created: true, durable };
  }

  /** True while `message` is on its way to disk: readers do not see it yet. */
  #isPending = (message: ChatMessage): boolean => this.#pending.has(message);

  #forget(message: ChatMessage): void {
    const history = this.#rooms.get(message.room);
    if (!history) return;
    const index = history.messages.indexOf(message);
    if (index !== -1) history.messages.splice(index, 1);
    const key = clientKey(message.author, message.clientId);
    if (history.byClientKey.get(key) === message) history.byClientKey.delete(key);
  }

  /**
   * One page of history: up to `limit` messages right after `after` (catching up after a
   * reconnect) or right before `before` (scrolling back), oldest first, and whether more
   * messages lie beyond the page in that direction. Served from memory when memory holds them,
   * else from the store, merged with what is still on its way to disk.
   */
  async page(
    room: string,
    query: PageQuery,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
    await this.ensure(room);
    const history = this.#history(room);
    // Messages still on their way to disk are not history yet (their write may fail); everyone
    // in the room gets them by broadcast once they are stored.
    const inMemory = history.messages.filter(
      (message) =>
        (query.before === undefined ? message.id > query.after : message.id < query.before) &&
        !this.#isPending(message),
    );
    const oldest = history.messages[0];
    const memoryCovers =
      !this.#store ||
      history.complete ||
      (query.before === undefined
        ? oldest !== undefined && oldest.id <= query.after
        : inMemory.length > limit);
    let candidates = inMemory;
    if (!memoryCovers && this.#store) {
      const stored = await this.#store.page(room, query, limit + 1);
      const byId = new Map<number, ChatMessage>();
      for (const message of [...stored, ...inMemory]) byId.set(message.id, message);
      candidates = [...byId.values()].sort((a, b) => a.id - b.id);
    }
    const hasMore = candidates.length > limit;
    const messages =
      query.before === undefined ? candidates.slice(0, limit) : candidates.slice(-limit);
    return { messages, hasMore };
  }

  /** True when the room holds a message older than `id` (in memory or on disk). */
  hasBefore(room: string, id: number): boolean {
    const history = this.#history(room);
    const oldest = history.messages[0];
    if (oldest !== undefined && oldest.id < id) return true;
    return !history.complete;
  }

  /** The newest stored messages (not those still on their way to disk, see page). */
  latest(room: string, limit: number): ChatMessage[] {
    const { messages } = this.#history(room);
    const stored =
      this.#pending.size === 0 ? messages : messages.filter((m) => !this.#isPending(m));
    return stored.slice(-Math.min(limit, this.#capacity));
  }

  /**
   * Deletes a room: what is on its way to disk is written first, then the room and its messages
   * go from the store and from memory. The id sequence is untouched (ids are never reused).
   */
  async deleteRoom(room: string): Promise<void> {
    await this.flush().catch(() => {}); // a failed write left nothing to delete
    await this.#trimming;
    if (this.#store) {
      const { unreferenced } = await this.#store.deleteRoom(room);
      if (unreferenced.length > 0) this.#onFilesUnreferenced?.(unreferenced);
    }
    this.#rooms.delete(room);
  }

  /** Resolves once every message appended so far is on disk. */
  async flush(): Promise<void> {
    await (this.#nextWrite ?? this.#lastWrite);
  }

  async close(): Promise<void> {
    await this.flush().catch(() => {});
    await this.#trimming;
    await this.#store?.close();
  }

  #remember(history: RoomHistory, message: ChatMessage): void {
    history.byClientKey.set(clientKey(message.author, message.clientId), message);
    if (history.byClientKey.size > this.#dedupeWindow) {
      // Maps iterate in insertion order: the first key is the oldest.
      const oldest = history.byClientKey.keys().next().value;
      if (oldest !== undefined) history.byClientKey.delete(oldest);
    }
  }

  #persist(message: ChatMessage): Promise<void> {
    const store = this.#store;
    if (!store) return DONE;
    this.#queue.push(message);
    this.#nextWrite ??= this.#lastWrite
      .catch(() => {}) // a failed batch was reported to its own messages
      .then(() => {
        const batch = this.#queue;
        this.#queue = [];
        this.#nextWrite = null;
        this.#lastWrite = store.write(batch);
        void this.#lastWrite.then(
          () => this.#trimSoon(batch),
          () => {},
        );
        return this.#lastWrite;
      });
    return this.#nextWrite;
  }

  /**
   * Deletes the oldest messages beyond the retention limit, now and then (every tenth of the
   * limit, at most every 1000 messages) and off the path of delivery: nothing waits for it.
   */
  #trimSoon(batch: ChatMessage[]): void {
    if (this.#retention === null) return;
    this.#writtenSinceTrim += batch.length;
    if (this.#writtenSinceTrim < Math.min(1000, Math.max(1, Math.ceil(this.#retention / 10)))) {
      return;
    }
    this.#writtenSinceTrim = 0;
    const rooms = new Set(batch.map((message) => message.room));
    this.#trimming = this.#trimming.then(async () => {
      for (const room of rooms) await this.#trim(room);
    });
  }

  async #trim(room: string): Promise<void> {
    const retention = this.#retention;
    if (retention === null || !this.#store) return;
    try {
      const { trimmed, unreferenced } = await this.#store.trim(room, retention);
      if (unreferenced.length > 0) this.#onFilesUnreferenced?.(unreferenced);
      if (trimmed) {
        const history = this.#rooms.get(room);
        if (history) {
          history.complete = false;
          if (history.messages.length > retention) {
            history.messages = history.messages.slice(-retention);
          }
        }
      }
    } catch (error) {
      this.#onError(error);
    }
  }
}

/** A resend is the same author (the person: their identity, whatever they are called now) and id. */
function clientKey(author: User, clientId: string): string {
  return `${author.id}\u0000${clientId}`;
}
