/**
 * Per room, which messages ChatClient has delivered: the newest id (catch-up after a reconnect
 * pages forward from it with `history:fetch` `after`) and the oldest (scrolling back pages from it
 * with `before`). Listeners see every message id once and in increasing order: live messages that
 * arrive while a (re)join is still catching up are held and delivered after it.
 */
import type { ChatEvent } from '../shared/api';
import { LIMITS } from '../shared/limits';
import type { ChatMessage } from '../shared/protocol';
import { fail, ok, type Result } from '../shared/result';
import type { Request } from './acked-request';
import type { ParleyClientSocket } from './connection';

export interface RoomCursorsOptions {
  request: Request;
  emit: (event: ChatEvent) => void;
  /** The socket in use now: catching up stops when it is replaced. */
  currentSocket: () => ParleyClientSocket | null;
  /** The socket when it is connected and a session is joined, else null. */
  joinedSocket: () => ParleyClientSocket | null;
}

/** How often a failed catch-up page is asked for again before giving up until the next join. */
const CATCH_UP_ATTEMPTS = 5;

export type OlderPage = Result<{ count: number; hasOlder: boolean }>;

export class RoomCursors {
  readonly #options: RoomCursorsOptions;
  /** Per room: the newest message id delivered (catch-up starts after it). */
  readonly #newest = new Map<string, number>();
  /** Per room: the oldest message id delivered (scrolling back starts before it). */
  readonly #oldest = new Map<string, number>();
  readonly #loadingOlder = new Map<string, Promise<OlderPage>>();
  /** While a (re)join pages through missed messages, live ones wait here. */
  #catchingUp = false;
  #held: ChatMessage[] = [];

  constructor(options: RoomCursorsOptions) {
    this.#options = options;
  }

  /** True while a (re)join is catching up (live messages are held, the outbox waits). */
  get catchingUp(): boolean {
    return this.#catchingUp;
  }

  /** The newest message id delivered in `room`, if any. */
  newest(room: string): number | undefined {
    return this.#newest.get(room);
  }

  /** Marks where scrolling back in `room` starts, unless it is marked already. */
  markOldest(room: string, messages: readonly ChatMessage[]): void {
    const first = messages[0];
    if (first && !this.#oldest.has(room)) this.#oldest.set(room, first.id);
  }

  /** Forgets every room (a new connection). */
  clear(): void {
    this.#oldest.clear();
    this.#newest.clear();
  }

  /** Holds live messages from now until release(). */
  hold(): void {
    this.#catchingUp = true;
    this.#held = [];
  }

  /** Delivers the messages held since hold(), and live ones directly from now on. */
  release(): void {
    this.#catchingUp = false;
    const held = this.#held;
    this.#held = [];
    for (const message of held) this.deliver(message);
  }

  /** Keeps the messages with ids after the newest one delivered in `room`; moves the mark. */
  unseen(room: string, messages: ChatMessage[]): ChatMessage[] {
    const mark = this.#newest.get(room) ?? 0;
    const fresh = messages.filter((message) => message.id > mark);
    const newest = fresh.at(-1);
    if (newest) this.#newest.set(room, newest.id);
    return fresh;
  }

  /** A live message: held while catching up, else delivered unless already seen. */
  deliver(message: ChatMessage): void {
    if (this.#catchingUp) this.#held.push(message);
    else this.#accept(message);
  }

  #accept(message: ChatMessage): void {
    if (message.id <= (this.#newest.get(message.room) ?? 0)) return;
    this.#newest.set(message.room, message.id);
    this.#options.emit({ type: 'message', message });
  }

  /** Fetches every message of `room` after the newest one held, page by page, to the end. */
  async catchUp(socket: ParleyClientSocket, room: string): Promise<void> {
    let failures = 0;
    let more = true;
    while (more && socket.connected && this.#options.currentSocket() === socket) {
      const page = await this.#options.request(socket, 'history:fetch', {
        room,
        after: this.#newest.get(room) ?? 0,
      });
      if (!page.ok) {
        if (++failures >= CATCH_UP_ATTEMPTS) {
          this.#options.emit({
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

  /** See ChatClient.loadOlder: one request per room at a time. */
  loadOlder(room: string): Promise<OlderPage> {
    let loading = this.#loadingOlder.get(room);
    if (!loading) {
      loading = this.#fetchOlder(room).finally(() => this.#loadingOlder.delete(room));
      this.#loadingOlder.set(room, loading);
    }
    return loading;
  }

  async #fetchOlder(room: string): Promise<OlderPage> {
    const socket = this.#options.joinedSocket();
    if (!socket) {
      return fail('not_connected', 'Not connected: older messages cannot be loaded now.');
    }
    const before = this.#oldest.get(room);
    if (before === undefined) return ok({ count: 0, hasOlder: false });
    const page = await this.#options.request(socket, 'history:fetch', {
      room,
      before,
      limit: LIMITS.joinHistoryLength,
    });
    if (!page.ok) return page;
    const first = page.messages[0];
    if (first) this.#oldest.set(room, first.id);
    this.#options.emit({ type: 'history', room, messages: page.messages, hasOlder: page.hasMore });
    return ok({ count: page.messages.length, hasOlder: page.hasMore });
  }
}
