/**
 * The pinned messages of the room on screen, kept live: loaded from the server when first asked
 * for, then changed by the room's change entries as they arrive (from anyone, on any device), so
 * an open pinned list gains a new pin, loses an unpinned or deleted message and shows an edit at
 * once. A pin of a message this client holds is added from the room's messages; one it does not
 * hold (an old message pinned elsewhere) is fetched with the list again.
 */
import type { ChatEvent, ParleyApi, Unsubscribe } from '../../../shared/api';
import { mergeLog } from '../../../shared/message-changes';
import type { ChatMessage } from '../../../shared/protocol';

export interface PinnedMessagesOptions {
  chat: Pick<ParleyApi['chat'], 'pinnedMessages' | 'onEvent'>;
  /** The room on screen. */
  room: () => string;
  /** Message `id` of `room` as this client holds it (undefined: not held). */
  held: (room: string, id: number) => ChatMessage | undefined;
}

export class PinnedMessages {
  readonly #options: PinnedMessagesOptions;
  /** The room whose pins `#messages` holds (null: none loaded yet). */
  #room = $state<string | null>(null);
  /** Oldest first, as the server lists them. */
  #messages = $state.raw<ChatMessage[]>([]);
  #error = $state<string | null>(null);
  /** Counts loads, so that only the latest one's answer is kept. */
  #loads = 0;

  constructor(options: PinnedMessagesOptions) {
    this.#options = options;
  }

  /** The pinned messages of the room on screen, oldest first; null until loaded for it. */
  get messages(): ChatMessage[] | null {
    return this.#room !== null && this.#room === this.#options.room() ? this.#messages : null;
  }

  get error(): string | null {
    return this.#error;
  }

  /** Fetches the room's pins; from then on they follow its changes (see `apply`). */
  async load(): Promise<void> {
    const room = this.#options.room();
    const load = ++this.#loads;
    const result = await this.#options.chat.pinnedMessages(room);
    // A later load (or another room) has the newer answer.
    if (load !== this.#loads) return;
    if (result.ok) {
      this.#room = room;
      this.#messages = result.messages;
      this.#error = null;
    } else {
      this.#error = result.error.message;
    }
  }

  /** Follows the room's events (see `apply`); returns the disposer. */
  start(): Unsubscribe {
    return this.#options.chat.onEvent((event) => this.apply(event));
  }

  /** Follows the change entries of the loaded room in `event`, live or caught up after a rejoin. */
  apply(event: ChatEvent): void {
    const room = this.#room;
    if (room === null) return;
    const changes = entriesOf(event, room).filter((entry) => entry.change !== undefined);
    if (changes.length === 0) return;
    // A newly pinned message joins the list as the room holds it (the pin applied below if the
    // room has not applied it yet); one the room does not hold comes with the list again.
    let messages = this.#messages;
    let missing = false;
    for (const { change } of changes) {
      if (change?.kind !== 'pin' || !change.pinned) continue;
      if (messages.some((message) => message.id === change.target)) continue;
      const held = this.#options.held(room, change.target);
      if (held) messages = [...messages, held].sort((a, b) => a.id - b.id);
      else missing = true;
    }
    // Edits, deletes, reactions, pins and unpins: the same merge as the room's own.
    messages = mergeLog(messages, changes).filter((message) => message.pinned);
    if (!sameMessages(messages, this.#messages)) this.#messages = messages;
    if (missing) void this.load();
  }
}

/** The messages (and change entries) of `room` that `event` brings. */
function entriesOf(event: ChatEvent, room: string): readonly ChatMessage[] {
  switch (event.type) {
    case 'message':
      return event.message.room === room ? [event.message] : [];
    case 'history':
      return event.room === room ? event.messages : [];
    case 'room-joined':
      return event.joined.room.id === room ? event.joined.messages : [];
    case 'session':
      return event.session.room === room ? event.session.messages : [];
    default:
      return [];
  }
}

function sameMessages(a: readonly ChatMessage[], b: readonly ChatMessage[]): boolean {
  return a.length === b.length && a.every((message, index) => message === b[index]);
}
