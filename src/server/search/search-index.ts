/**
 * The full-text index of stored messages (MiniSearch): each message's words (its text and its
 * file's name) with prefix matching and accents folded (shared/search-text.ts), and with it the
 * message itself, its room and its author (identity id and folded nickname), so that a search
 * answers without reading the history store. Results come newest first and page by message id.
 * It holds no rules about who may read what: the caller says which rooms count.
 */
import MiniSearch, { type Options } from 'minisearch';
import type { ChatMessage } from '../../shared/protocol';
import { foldWord, searchTerms } from '../../shared/search-text';

interface IndexedMessage {
  id: number;
  /** The words searched: the text, and the name of a file sent with it. */
  words: string;
  message: ChatMessage;
  /** The author's nickname as compared (folded). */
  authorKey: string;
}

export interface SearchRequest {
  text: string;
  /** Which rooms may be searched (a room the asker may read). */
  readable: (room: string) => boolean;
  room?: string | undefined;
  /** A nickname (accents and case ignored) or an identity id. */
  author?: string | undefined;
  /** Only messages with a smaller id. */
  before?: number | undefined;
  limit: number;
}

export interface SearchHits {
  /** Newest first. */
  messages: ChatMessage[];
  hasMore: boolean;
  /** The search's terms as compared (folded), for marking matches. */
  terms: string[];
}

const OPTIONS: Options<IndexedMessage> = {
  fields: ['words'],
  storeFields: ['message', 'authorKey'],
  tokenize: (text) => text.split(' '),
  processTerm: (term) => (term === '' ? null : term),
  searchOptions: { prefix: true, combineWith: 'AND' },
};

export class SearchIndex {
  #index: MiniSearch<IndexedMessage>;
  /** The ids of each room's messages (to forget a deleted room at once). */
  readonly #byRoom = new Map<string, Set<number>>();

  private constructor(index: MiniSearch<IndexedMessage>) {
    this.#index = index;
  }

  static empty(): SearchIndex {
    return new SearchIndex(new MiniSearch(OPTIONS));
  }

  /** An index saved with toJSON(); throws when it is not one. */
  static fromJSON(saved: unknown): SearchIndex {
    if (typeof saved !== 'object' || saved === null) throw new Error('not an index');
    const index = new SearchIndex(
      MiniSearch.loadJS(saved as Parameters<typeof MiniSearch.loadJS>[0], OPTIONS),
    );
    const stored = (saved as { storedFields?: Record<string, { message?: unknown }> }).storedFields;
    for (const fields of Object.values(stored ?? {})) {
      const message = fields.message as ChatMessage | undefined;
      if (typeof message?.id !== 'number' || typeof message.room !== 'string') {
        throw new Error('a stored message has no id or room');
      }
      index.#roomIds(message.room).add(message.id);
    }
    return index;
  }

  get size(): number {
    return this.#index.documentCount;
  }

  /** Adds a message, or replaces the one with its id (an edit, or one added twice). */
  add(message: ChatMessage): void {
    const document: IndexedMessage = {
      id: message.id,
      words: searchTerms(`${message.text} ${message.file?.name ?? ''}`).join(' '),
      message,
      authorKey: foldWord(message.author.nickname),
    };
    if (this.#index.has(message.id)) this.#index.replace(document);
    else this.#index.add(document);
    this.#roomIds(message.room).add(message.id);
  }

  remove(messageId: number): void {
    if (!this.#index.has(messageId)) return;
    const room = (this.#index.getStoredFields(messageId)?.message as ChatMessage).room;
    this.#index.discard(messageId);
    this.#byRoom.get(room)?.delete(messageId);
  }

  /** Forgets every message of a room (it was deleted). */
  removeRoom(room: string): void {
    const ids = this.#byRoom.get(room);
    if (!ids) return;
    this.#index.discardAll([...ids]);
    this.#byRoom.delete(room);
  }

  /** The rooms that have messages in the index. */
  rooms(): string[] {
    return [...this.#byRoom.keys()];
  }

  search(request: SearchRequest): SearchHits {
    const terms = searchTerms(request.text);
    if (terms.length === 0) return { messages: [], hasMore: false, terms };
    const author = request.author === undefined ? undefined : foldWord(request.author.trim());
    const before = request.before ?? Number.POSITIVE_INFINITY;
    const found = this.#index.search(terms.join(' '), {
      filter: (result) => {
        const message = result.message as ChatMessage;
        if (message.id >= before) return false;
        if (request.room !== undefined && message.room !== request.room) return false;
        if (
          author !== undefined &&
          result.authorKey !== author &&
          message.author.id !== request.author
        ) {
          return false;
        }
        return request.readable(message.room);
      },
    });
    const messages = found
      .map((result) => result.message as ChatMessage)
      .sort((a, b) => b.id - a.id);
    return {
      messages: messages.slice(0, request.limit),
      hasMore: messages.length > request.limit,
      terms,
    };
  }

  /** What `fromJSON` reads back. */
  toJSON(): unknown {
    return this.#index.toJSON();
  }

  #roomIds(room: string): Set<number> {
    let ids = this.#byRoom.get(room);
    if (!ids) {
      ids = new Set();
      this.#byRoom.set(room, ids);
    }
    return ids;
  }
}
