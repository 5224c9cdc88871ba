/**
 * The full-text index of stored messages: each message's words (its text and its file's name,
 * folded: shared/search-text.ts) in a radix tree (MiniSearch's SearchableMap) from word to the
 * ids of the messages holding it, in id order, so that a prefix finds every word it starts; and
 * with each id the message itself, so that a search answers without reading the history store.
 *
 * Results come newest first (chat search is about "when did we say…", not a relevance rank):
 * a search takes the query word with the fewest messages, walks the id lists of the words it
 * starts from their newest end at once (a merge), checks the other words and the filters on
 * each, and stops once a page is full, so a common word costs little more than a rare one.
 * MiniSearch's own search scores every match of every word first: over 50,000 messages a common
 * prefix took about a second (bench/search.ts). Who may read what is the caller's `readable`.
 */
import SearchableMap from 'minisearch/SearchableMap';
import type { ChatMessage } from '../../shared/protocol';
import { foldWord, searchTerms } from '../../shared/search-text';

/**
 * The words a message is indexed under, folded, each once. Made again when they are needed (to
 * remove the message, to check a search's other words) rather than kept with every message:
 * indexing is on every message's way, and what it keeps alive costs the garbage collector on
 * every later message (bench/search.ts measured both).
 */
function termsOf(message: ChatMessage): string[] {
  const text = message.file ? `${message.text} ${message.file.name}` : message.text;
  return [...new Set(searchTerms(text))];
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

export class SearchIndex {
  /** Word → ids of the messages holding it, ascending: a radix tree, for prefixes... */
  readonly #words = new SearchableMap<number[]>();
  /**
   * ...and the same lists by exact word: indexing a message finds most of its words here (a
   * plain Map is several times faster than the tree); only a new word goes into the tree.
   */
  readonly #exact = new Map<string, number[]>();
  /** Each message as indexed (without a reply's quote). */
  readonly #messages = new Map<number, ChatMessage>();
  /** The ids of each room's messages (to forget a deleted room at once). */
  readonly #byRoom = new Map<string, Set<number>>();

  get size(): number {
    return this.#messages.size;
  }

  /** Every message in the index (for saving it), in no particular order. */
  messages(): ChatMessage[] {
    return [...this.#messages.values()];
  }

  /** Adds a message, or replaces the one with its id (an edit, or one added twice). */
  add(message: ChatMessage): void {
    if (this.#messages.has(message.id)) this.remove(message.id);
    for (const term of termsOf(message)) {
      let ids = this.#exact.get(term);
      if (!ids) {
        ids = [];
        this.#exact.set(term, ids);
        this.#words.set(term, ids);
      }
      insertSorted(ids, message.id);
    }
    // Without the quote of the message it answers: that one may be deleted later, and its
    // text must then be gone from the saved index too (the log erases the quote; see PROTOCOL §18).
    this.#messages.set(message.id, message.reply ? withoutQuote(message) : message);
    this.#roomIds(message.room).add(message.id);
  }

  remove(messageId: number): void {
    const indexed = this.#messages.get(messageId);
    if (!indexed) return;
    for (const term of termsOf(indexed)) {
      const ids = this.#exact.get(term);
      if (!ids) continue;
      const at = lowerBound(ids, messageId);
      if (ids[at] === messageId) ids.splice(at, 1);
      if (ids.length === 0) {
        this.#words.delete(term);
        this.#exact.delete(term);
      }
    }
    this.#messages.delete(messageId);
    const room = this.#byRoom.get(indexed.room);
    room?.delete(messageId);
    if (room?.size === 0) this.#byRoom.delete(indexed.room);
  }

  /** Forgets every message of a room (it was deleted). */
  removeRoom(room: string): void {
    for (const id of [...(this.#byRoom.get(room) ?? [])]) this.remove(id);
  }

  /** The rooms that have messages in the index. */
  rooms(): string[] {
    return [...this.#byRoom.keys()];
  }

  search(request: SearchRequest): SearchHits {
    const terms = [...new Set(searchTerms(request.text))];
    const none: SearchHits = { messages: [], hasMore: false, terms };
    if (terms.length === 0) return none;
    // Each term's matches: the id lists of every word it starts.
    const matches = terms.map((term) => {
      const lists: number[][] = [];
      let count = 0;
      this.#words.atPrefix(term).forEach((_word, ids) => {
        lists.push(ids);
        count += ids.length;
      });
      return { term, lists, count };
    });
    matches.sort((a, b) => a.count - b.count);
    const narrowest = matches[0]!;
    if (narrowest.count === 0) return none;
    const others = matches.slice(1).map(({ term }) => term);
    const roomIds = request.room === undefined ? undefined : this.#byRoom.get(request.room);
    if (request.room !== undefined && !roomIds) return none;
    const author = request.author === undefined ? undefined : foldWord(request.author.trim());

    const found: ChatMessage[] = [];
    for (const id of newestFirst(narrowest.lists, request.before ?? Number.POSITIVE_INFINITY)) {
      if (roomIds && !roomIds.has(id)) continue;
      const message = this.#messages.get(id)!;
      if (
        author !== undefined &&
        foldWord(message.author.nickname) !== author &&
        message.author.id !== request.author
      ) {
        continue;
      }
      if (others.length > 0) {
        const words = termsOf(message);
        if (!others.every((term) => words.some((word) => word.startsWith(term)))) continue;
      }
      if (!request.readable(message.room)) continue;
      found.push(message);
      if (found.length > request.limit) break;
    }
    return {
      messages: found.slice(0, request.limit),
      hasMore: found.length > request.limit,
      terms,
    };
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

/** The first position in ascending `ids` whose id is `id` or more. */
function lowerBound(ids: readonly number[], id: number): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ids[middle]! < id) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Puts `id` into ascending `ids` (new messages have the highest ids: usually at the end). */
function insertSorted(ids: number[], id: number): void {
  if (ids.length === 0 || ids[ids.length - 1]! < id) {
    ids.push(id);
    return;
  }
  const at = lowerBound(ids, id);
  if (ids[at] !== id) ids.splice(at, 0, id);
}

/**
 * The ids of ascending `lists` below `before`, merged newest first, each once: a max-heap of the
 * lists' next ids, so that only as many ids are looked at as the caller takes.
 */
function* newestFirst(lists: readonly (readonly number[])[], before: number): Generator<number> {
  // heap[i]: [list index, position of its next id]; ordered by that id, largest on top.
  const heap: Array<[number, number]> = [];
  const idAt = ([list, position]: [number, number]) => lists[list]![position]!;
  const up = (index: number) => {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (idAt(heap[parent]!) >= idAt(heap[index]!)) return;
      [heap[parent], heap[index]] = [heap[index]!, heap[parent]!];
      index = parent;
    }
  };
  const down = (index: number) => {
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let largest = index;
      if (left < heap.length && idAt(heap[left]!) > idAt(heap[largest]!)) largest = left;
      if (right < heap.length && idAt(heap[right]!) > idAt(heap[largest]!)) largest = right;
      if (largest === index) return;
      [heap[largest], heap[index]] = [heap[index]!, heap[largest]!];
      index = largest;
    }
  };
  lists.forEach((ids, list) => {
    const position = lowerBound(ids, before) - 1;
    if (position >= 0) {
      heap.push([list, position]);
      up(heap.length - 1);
    }
  });
  let last = Number.POSITIVE_INFINITY;
  while (heap.length > 0) {
    const top = heap[0]!;
    const id = idAt(top);
    if (id !== last) {
      last = id;
      yield id;
    }
    if (top[1] > 0) {
      top[1]--;
      down(0);
    } else {
      const tail = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = tail;
        down(0);
      }
    }
  }
}

/** A reply as the index keeps it: the quote goes (it may be deleted later; see add). */
function withoutQuote(message: ChatMessage): ChatMessage {
  const { reply: _quote, ...kept } = message;
  return kept;
}
