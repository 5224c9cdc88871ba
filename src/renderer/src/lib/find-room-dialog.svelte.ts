/**
 * The "Find a room" dialog: the server's rooms a page at a time, searched by name (`room:list`),
 * for servers with more rooms than the join lists. Choosing one joins it and shows it.
 */
import type { ParleyApi } from '../../../shared/api';
import type { RoomInfo } from '../../../shared/protocol';

type Chat = Pick<ParleyApi['chat'], 'listRooms' | 'joinRoom'>;

export class FindRoomDialog {
  readonly #chat: Chat;
  readonly #onjoined: (room: string) => void;
  #open = $state(false);
  /** The search field. */
  search = $state('');
  #rooms = $state.raw<RoomInfo[]>([]);
  #total = $state(0);
  #hasMore = $state(false);
  #error = $state<string | null>(null);
  #loading = $state(false);
  /** Only the answer to the latest request counts (an older one may come back later). */
  #request = 0;

  constructor(chat: Chat, onjoined: (room: string) => void) {
    this.#chat = chat;
    this.#onjoined = onjoined;
  }

  get open(): boolean {
    return this.#open;
  }

  /** The rooms found so far, in name order. */
  get rooms(): readonly RoomInfo[] {
    return this.#rooms;
  }

  /** How many rooms match the search. */
  get total(): number {
    return this.#total;
  }

  get hasMore(): boolean {
    return this.#hasMore;
  }

  get error(): string | null {
    return this.#error;
  }

  get loading(): boolean {
    return this.#loading;
  }

  show(): void {
    this.search = '';
    this.#rooms = [];
    this.#total = 0;
    this.#hasMore = false;
    this.#error = null;
    this.#open = true;
    void this.find();
  }

  close(): void {
    this.#open = false;
    this.#request++;
  }

  /** The first page for the search field's text; `more`: the next page after those shown. */
  async find(more = false): Promise<void> {
    const request = ++this.#request;
    const search = this.search.trim();
    this.#loading = true;
    try {
      const page = await this.#chat.listRooms({
        ...(search === '' ? {} : { search }),
        offset: more ? this.#rooms.length : 0,
      });
      if (request !== this.#request) return;
      if (!page.ok) {
        this.#error = page.error.message;
        return;
      }
      this.#error = null;
      this.#rooms = more ? [...this.#rooms, ...page.rooms] : page.rooms;
      this.#total = page.total;
      this.#hasMore = page.hasMore;
    } finally {
      if (request === this.#request) this.#loading = false;
    }
  }

  /** Joins `room` and shows it. */
  async join(room: string): Promise<void> {
    const joined = await this.#chat.joinRoom(room);
    if (!joined.ok) {
      this.#error = joined.error.message;
      return;
    }
    this.#open = false;
    this.#onjoined(joined.joined.room.id);
  }
}
