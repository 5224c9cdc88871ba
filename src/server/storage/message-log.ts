/**
 * The server's message log, for every room and direct conversation: assigns the server id (one
 * sequence for the whole server) and time, keeps each room's recent messages in memory for joins
 * and catch-up, remembers each room's client ids so that a resent message is answered with the
 * original (never stored twice), and — with a store — writes messages to disk in group commits:
 * every message that arrives while a write is in flight goes into the next single batch. A room's
 * history is read from the store the first time the room is used (`ensure`).
 * Over 450 lines, one job: replies and changes (edit, delete, reaction, pin) are entries of the
 * same log, numbered and written in the same group commits as messages, so they live here too.
 */
import type { ChatMessage, FileAttachment, MessageChange, User } from '../../shared/protocol';
import { LIMITS } from '../../shared/limits';
import {
  applyChange,
  quoteOf,
  withEditErased,
  withQuoteErased,
} from '../../shared/message-changes';
import { MessageRefused } from './history-store';
import type { MessageStore, PageQuery, RelatedWrites } from './level-message-store';

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
  /**
   * Files that deleted messages carried and no message kept carries (ids): free to go. A
   * message's delete waits for what it returns before it is acknowledged.
   */
  onFilesUnreferenced?: (fileIds: string[]) => void | Promise<void>;
}

export interface AppendResult {
  message: ChatMessage;
  /** False when the client id was seen before and the original message is returned. */
  created: boolean;
  /** Resolves once the message is on disk (at once without a store). */
  durable: Promise<void>;
}

const DONE = Promise.resolve();

/** A reply or change entry (see appendRelated). */
interface RelatedRequest {
  text: string;
  replyTo?: number | undefined;
  change?: MessageChange | undefined;
  mentions?: User[] | undefined;
}

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
  readonly #onFilesUnreferenced: ((fileIds: string[]) => void | Promise<void>) | undefined;
  /** Messages written since old ones were last deleted (see #trimSoon). */
  #writtenSinceTrim = 0;
  #trimming: Promise<void> = DONE;
  #queue: ChatMessage[] = [];
  /** What the queued replies and changes also write (see appendRelated). */
  #related: RelatedWrites = emptyRelated();
  /** Per room: the replies and changes in progress, one at a time (see appendRelated). */
  readonly #chains = new Map<string, Promise<void>>();
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
    mentions?: User[],
  ): AppendResult {
    const history = this.#history(room);
    const existing = history.byClientKey.get(clientKey(author, clientId));
    // A resend of a message still being written waits for that write too.
    if (existing) {
      return { message: existing, created: false, durable: this.#pending.get(existing) ?? DONE };
    }
    return this.#add(history, room, author, clientId, {
      text,
      ...(file ? { file: { ...file } } : {}),
      ...(mentions?.length ? { mentions } : {}),
    });
  }

  /** Stores a new entry with the next id (and what it changes in the same write). */
  #add(
    history: RoomHistory,
    room: string,
    author: User,
    clientId: string,
    fields: Pick<ChatMessage, 'text' | 'file' | 'change' | 'reply' | 'mentions'>,
    related?: (message: ChatMessage) => RelatedWrites,
  ): AppendResult {
    const message: ChatMessage = {
      id: ++this.#lastId,
      clientId,
      room,
      author: { ...author },
      ...fields,
      sentAt: this.#clock(),
    };
    history.messages.push(message);
    if (history.messages.length > this.#capacity * 2) {
      history.messages = history.messages.slice(-this.#capacity);
      history.complete = false;
    }
    this.#remember(history, message);
    const writes = related?.(message);
    const durable = this.#persist(message, writes);
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
    if (!writes || durable !== DONE) return { message, created: true, durable };
    // Without a store it is "durable" at once: what it changed shows now. (With one, the batch
    // write applies it: see #persist.)
    return { message, created: true, durable: this.#applied(writes) };
  }

  /**
   * A reply (`replyTo`) or a change entry (`change`): like append, and the message it names must
   * be in the room (not a change entry, not deleted), else MessageRefused. A change updates that
   * message in the same durable write; a delete also erases its edit entries' texts and its
   * replies' quotes, and releases its file. One at a time per room, each after the previous one
   * is durable, so that each reads the state the previous one left.
   */
  appendRelated(
    room: string,
    author: User,
    clientId: string,
    request: RelatedRequest,
  ): Promise<AppendResult> {
    const previous = this.#chains.get(room) ?? DONE;
    const run = previous.then(() => this.#appendRelated(room, author, clientId, request));
    const settled = run.then(
      (result) => result.durable.catch(() => {}),
      () => {},
    );
    this.#chains.set(room, settled);
    void settled.then(() => {
      if (this.#chains.get(room) === settled) this.#chains.delete(room);
    });
    return run;
  }

  async #appendRelated(
    room: string,
    author: User,
    clientId: string,
    request: RelatedRequest,
  ): Promise<AppendResult> {
    await this.ensure(room);
    const history = this.#history(room);
    const key = clientKey(author, clientId);
    const known = history.byClientKey.get(key);
    if (known) return { message: known, created: false, durable: this.#pending.get(known) ?? DONE };
    const { change, replyTo } = request;
    const targetId = change?.target ?? replyTo;
    if (targetId === undefined) throw new Error('appendRelated needs a change or a replyTo.');
    const target = await this.find(room, targetId);
    if (!target || target.change) {
      throw new MessageRefused(`There is no message ${targetId} in this room.`);
    }
    if (target.deleted) throw new MessageRefused(`Message ${targetId} was deleted.`);
    // A delete reads what it must erase before it takes its id.
    const erased: ChatMessage[] = [];
    if (change?.kind === 'delete') {
      for (const edit of target.edits ?? []) {
        const entry = await this.find(room, edit.entry);
        if (entry) erased.push(withEditErased(entry));
      }
      for (const reply of await this.#replies(room, target.id)) erased.push(withQuoteErased(reply));
    }
    const again = history.byClientKey.get(key);
    if (again) return { message: again, created: false, durable: this.#pending.get(again) ?? DONE };
    if (!change) {
      return this.#add(history, room, author, clientId, {
        text: request.text,
        reply: quoteOf(target),
        ...(request.mentions?.length ? { mentions: request.mentions } : {}),
      });
    }
    return this.#add(history, room, author, clientId, { text: '', change }, (entry) => {
      const updated = applyChange(target, entry);
      const deleted = change.kind === 'delete';
      return {
        rewrites: [
          { before: target, after: updated },
          ...erased.map((after) => ({ before: after, after })),
        ],
        released: deleted && target.file ? [{ fileId: target.file.id, room, id: target.id }] : [],
        erase: deleted,
      };
    });
  }

  /** Replies to message `id` of `room` (in memory and on disk). */
  async #replies(room: string, id: number): Promise<ChatMessage[]> {
    const byId = new Map<number, ChatMessage>();
    for (const replyId of (await this.#store?.replies(room, id)) ?? []) {
      const reply = await this.find(room, replyId);
      if (reply) byId.set(reply.id, reply);
    }
    for (const message of this.#history(room).messages) {
      if (message.reply?.id === id && !this.#isPending(message)) byId.set(message.id, message);
    }
    return [...byId.values()];
  }

  /**
   * Once changes are durable: memory shows the messages they rewrote (at once, before any other
   * entry of their batch is acknowledged: acknowledgements and broadcasts keep the id order), and
   * the files of deleted messages are released.
   */
  #applied(writes: RelatedWrites): Promise<void> {
    const byRoom = new Map<string, Map<number, ChatMessage>>();
    for (const { after } of writes.rewrites) {
      const rewritten = byRoom.get(after.room) ?? new Map<number, ChatMessage>();
      rewritten.set(after.id, after);
      byRoom.set(after.room, rewritten);
    }
    for (const [room, byId] of byRoom) {
      const history = this.#rooms.get(room);
      if (!history) continue;
      history.messages = history.messages.map((message) => byId.get(message.id) ?? message);
      for (const after of byId.values()) {
        const key = clientKey(after.author, after.clientId);
        if (history.byClientKey.get(key)?.id === after.id) history.byClientKey.set(key, after);
      }
    }
    return writes.released.length === 0 ? DONE : this.#release(writes);
  }

  async #release(writes: RelatedWrites): Promise<void> {
    const fileIds = writes.released.map(({ fileId }) => fileId);
    if (fileIds.length === 0) return;
    try {
      const unreferenced = this.#store
        ? await this.#store.unreferenced(fileIds)
        : fileIds.filter((fileId) =>
            [...this.#rooms.values()].every((other) =>
              other.messages.every((message) => message.file?.id !== fileId),
            ),
          );
      if (unreferenced.length > 0) await this.#onFilesUnreferenced?.(unreferenced);
    } catch (error) {
      // The change is stored; a file left behind is found again by the next trim.
      this.#onError(error);
    }
  }

  /**
   * Message `id` of `room` as stored now (not one still on its way to disk), or null.
   */
  async find(room: string, id: number): Promise<ChatMessage | null> {
    await this.ensure(room);
    const { messages } = this.#history(room);
    const held = messages.find((message) => message.id === id);
    if (held) return this.#isPending(held) ? null : held;
    const oldest = messages[0];
    if (!this.#store || (oldest !== undefined && id > oldest.id)) return null;
    return this.#store.get(room, id);
  }

  /** The messages of `room` pinned now, oldest first. */
  async pinned(room: string): Promise<ChatMessage[]> {
    await this.ensure(room);
    const byId = new Map<number, ChatMessage>();
    for (const id of (await this.#store?.pins(room)) ?? []) {
      const message = await this.find(room, id);
      if (message?.pinned) byId.set(id, message);
    }
    for (const message of this.#history(room).messages) {
      if (message.pinned && !this.#isPending(message)) byId.set(message.id, message);
      else if (!message.pinned) byId.delete(message.id);
    }
    return [...byId.values()].sort((a, b) => a.id - b.id);
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

  #persist(message: ChatMessage, related?: RelatedWrites): Promise<void> {
    const store = this.#store;
    if (!store) return DONE;
    this.#queue.push(message);
    if (related) {
      this.#related.rewrites.push(...related.rewrites);
      this.#related.released.push(...related.released);
      this.#related.erase ||= related.erase;
    }
    this.#nextWrite ??= this.#lastWrite
      .catch(() => {}) // a failed batch was reported to its own messages
      .then(() => {
        const batch = this.#queue;
        const writes = this.#related;
        this.#queue = [];
        this.#related = emptyRelated();
        this.#nextWrite = null;
        // The batch counts as written once its changes show in memory too (see #applied).
        this.#lastWrite = store.write(batch, writes).then(() => this.#applied(writes));
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

function emptyRelated(): RelatedWrites {
  return { rewrites: [], released: [], erase: false };
}

/** A resend is the same author (the person: their identity, whatever they are called now) and id. */
function clientKey(author: User, clientId: string): string {
  return `${author.id}\u0000${clientId}`;
}
