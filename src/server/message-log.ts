/**
 * The room's message log: assigns the server id and time, keeps recent messages for catch-up, and
 * remembers client ids so that a resent message is answered with the original, never stored twice.
 * In memory for now; the interface is what a persistent store has to provide.
 */
import type { ChatMessage, User } from '../shared/protocol';

export interface MessageLogOptions {
  /** Messages kept for catch-up. */
  capacity: number;
  /** Client ids remembered for de-duplication (a bounded, oldest-first window). */
  dedupeWindow?: number;
  clock?: () => number;
}

export interface AppendResult {
  message: ChatMessage;
  /** False when the client id was seen before and the original message is returned. */
  created: boolean;
}

export class MessageLog {
  readonly #capacity: number;
  readonly #dedupeWindow: number;
  readonly #clock: () => number;
  #messages: ChatMessage[] = [];
  readonly #byClientKey = new Map<string, ChatMessage>();
  #lastId = 0;

  constructor(options: MessageLogOptions) {
    this.#capacity = options.capacity;
    this.#dedupeWindow = options.dedupeWindow ?? Math.max(10_000, options.capacity);
    this.#clock = options.clock ?? Date.now;
  }

  get lastId(): number {
    return this.#lastId;
  }

  /**
   * Adds a message unless this author already sent one with this client id. The key includes the
   * author's nickname so that one person cannot shadow another's ids.
   */
  append(room: string, author: User, clientId: string, text: string): AppendResult {
    const key = `${author.nickname.toLowerCase()}\u0000${clientId}`;
    const existing = this.#byClientKey.get(key);
    if (existing) return { message: existing, created: false };

    const message: ChatMessage = {
      id: ++this.#lastId,
      clientId,
      room,
      author: { ...author },
      text,
      sentAt: this.#clock(),
    };
    this.#messages.push(message);
    if (this.#messages.length > this.#capacity) {
      this.#messages = this.#messages.slice(-this.#capacity);
    }
    this.#byClientKey.set(key, message);
    if (this.#byClientKey.size > this.#dedupeWindow) {
      // Maps iterate in insertion order: the first key is the oldest.
      const oldest = this.#byClientKey.keys().next().value;
      if (oldest !== undefined) this.#byClientKey.delete(oldest);
    }
    return { message, created: true };
  }

  /** Messages with an id greater than `since`, oldest first, at most `limit` (the newest ones). */
  since(since: number, limit: number): ChatMessage[] {
    const start = this.#messages.findIndex((message) => message.id > since);
    if (start === -1) return [];
    return this.#messages.slice(Math.max(start, this.#messages.length - limit));
  }

  latest(limit: number): ChatMessage[] {
    return this.#messages.slice(-limit);
  }
}
