/**
 * The "Search messages" panel: the words, the room and author filters, the results a page at a
 * time (newest first, `search:query`), and choosing one, which opens its conversation at that
 * message (ConversationState.openAt). Keyboard moves between results are the panel's own
 * (`move`): the list is one tab stop, with the active result marked.
 */
import type { ParleyApi } from '../../../shared/api';
import type { SearchResult, TextRange } from '../../../shared/protocol';
import type { Result } from '../../../shared/result';

type Chat = Pick<ParleyApi['chat'], 'search'>;

/** A snippet cut into plain and matched parts, for rendering the matches as <mark> elements. */
export function markedParts(snippet: {
  text: string;
  matches: readonly TextRange[];
}): Array<{ text: string; marked: boolean }> {
  const parts: Array<{ text: string; marked: boolean }> = [];
  let at = 0;
  const ranges = [...snippet.matches]
    .filter((range) => range.start < range.end && range.end <= snippet.text.length)
    .sort((a, b) => a.start - b.start);
  for (const { start, end } of ranges) {
    // Overlapping ranges are taken as far as they go past what was marked already.
    if (end <= at) continue;
    const from = Math.max(start, at);
    if (from > at) parts.push({ text: snippet.text.slice(at, from), marked: false });
    parts.push({ text: snippet.text.slice(from, end), marked: true });
    at = end;
  }
  if (at < snippet.text.length) parts.push({ text: snippet.text.slice(at), marked: false });
  return parts;
}

export class SearchState {
  readonly #chat: Chat;
  readonly #openAt: (room: string, messageId: number) => Promise<Result>;
  #open = $state(false);
  /** The words to find. */
  text = $state('');
  /** Only this room ('' : every room one may read). */
  room = $state('');
  /** Only this author's messages ('' : anyone's). */
  author = $state('');
  #results = $state.raw<SearchResult[]>([]);
  #hasMore = $state(false);
  #loading = $state(false);
  #error = $state<string | null>(null);
  /** A search was made (an empty list then means nothing was found). */
  #searched = $state(false);
  /** The result the arrow keys are on. */
  #active = $state(0);
  /** Only the answer to the latest request counts. */
  #request = 0;

  constructor(chat: Chat, openAt: (room: string, messageId: number) => Promise<Result>) {
    this.#chat = chat;
    this.#openAt = openAt;
  }

  get open(): boolean {
    return this.#open;
  }
  get results(): readonly SearchResult[] {
    return this.#results;
  }
  get hasMore(): boolean {
    return this.#hasMore;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get error(): string | null {
    return this.#error;
  }
  get searched(): boolean {
    return this.#searched;
  }
  get active(): number {
    return this.#active;
  }

  /** Opens the panel; what was searched last stays, to go back to another result. */
  show(): void {
    this.#open = true;
  }

  close(): void {
    this.#open = false;
  }

  /** Searches afresh, or (`more`) fetches the page after the results shown. */
  async search(more = false): Promise<void> {
    const text = this.text.trim();
    if (text === '') {
      this.#error = 'Type a word to search for.';
      return;
    }
    const before = more ? this.#results.at(-1)?.message.id : undefined;
    const request = ++this.#request;
    this.#loading = true;
    this.#error = null;
    const author = this.author.trim();
    const reply = await this.#chat.search({
      text,
      ...(this.room === '' ? {} : { room: this.room }),
      ...(author === '' ? {} : { author }),
      ...(before === undefined ? {} : { before }),
    });
    if (request !== this.#request) return;
    this.#loading = false;
    if (!reply.ok) {
      this.#error = reply.error.message;
      return;
    }
    this.#searched = true;
    this.#results = more ? [...this.#results, ...reply.results] : reply.results;
    this.#hasMore = reply.hasMore;
    if (!more) this.#active = 0;
  }

  /** Moves the active result (arrow keys, Home, End), within the list. */
  move(to: 'next' | 'previous' | 'first' | 'last'): void {
    const last = this.#results.length - 1;
    if (last < 0) return;
    const next = {
      next: Math.min(last, this.#active + 1),
      previous: Math.max(0, this.#active - 1),
      first: 0,
      last,
    }[to];
    this.#active = next;
  }

  /** Opens the conversation at the chosen result; the panel closes once it is on screen. */
  async choose(result: SearchResult): Promise<void> {
    this.#active = Math.max(0, this.#results.indexOf(result));
    const opened = await this.#openAt(result.message.room, result.message.id);
    if (!opened.ok) {
      this.#error = opened.error.message;
      return;
    }
    this.#open = false;
  }
}
