/**
 * What can be done to a message on screen: edit it inline, delete it (after a confirmation),
 * reply to it, react to it, pin it, and jump to the message a reply quotes or the pinned list
 * names (loading older pages until it is held); the pinned list itself is PinnedMessages'. Each
 * change goes through the outbox (`chat.changeMessage`) and shows once the server's change entry
 * comes back, so every device shows the same thing. Components find it through the Svelte
 * context (see setMessageActionsContext), so the message list stays unaware.
 */
import { getContext, setContext } from 'svelte';
import type { ParleyApi } from '../../../shared/api';
import type { ChatMessage, MessageChange } from '../../../shared/protocol';
import type { Result } from '../../../shared/result';

/** The reactions offered first; every other one is in the picker below them (ReactionPicker). */
export const COMMON_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀'] as const;

export interface MessageActionsOptions {
  chat: Pick<ParleyApi['chat'], 'changeMessage'>;
  /** The person on screen's identity id (null before a join). */
  selfId: () => string | null;
  /** True when this connection is the host's: it may delete anyone's message. */
  isHost: () => boolean;
  /** The room on screen. */
  room: () => string;
  /** Whether the room on screen holds message `id` now. */
  holds: (id: number) => boolean;
  /** Whether older messages than those held exist in the room on screen. */
  hasOlder: () => boolean;
  /** Loads the page before the oldest held message of the room on screen. */
  loadOlder: () => Promise<Result<{ count: number; hasOlder: boolean }>>;
  /** Starts a reply to `message` in the composer. */
  onreply: (message: ChatMessage) => void;
}

export class MessageActions {
  readonly #options: MessageActionsOptions;
  /** The message being edited inline, by id. */
  #editing = $state<number | null>(null);
  /** The message whose delete waits for confirmation. */
  #deleting = $state<ChatMessage | null>(null);
  /** What went wrong last, shown in the conversation. */
  #error = $state<string | null>(null);
  /** A request to scroll to a message (the list follows it); `seq` makes each request new. */
  #jump = $state<{ id: number; seq: number } | null>(null);

  constructor(options: MessageActionsOptions) {
    this.#options = options;
  }

  get editing(): number | null {
    return this.#editing;
  }

  get deleting(): ChatMessage | null {
    return this.#deleting;
  }

  get error(): string | null {
    return this.#error;
  }

  get jump(): { id: number; seq: number } | null {
    return this.#jump;
  }

  get selfId(): string | null {
    return this.#options.selfId();
  }

  own(message: ChatMessage): boolean {
    return message.author.id === this.#options.selfId();
  }

  canEdit(message: ChatMessage): boolean {
    return !message.deleted && this.own(message);
  }

  canDelete(message: ChatMessage): boolean {
    return !message.deleted && (this.own(message) || this.#options.isHost());
  }

  reply(message: ChatMessage): void {
    if (!message.deleted) this.#options.onreply(message);
  }

  startEdit(message: ChatMessage): void {
    if (this.canEdit(message)) this.#editing = message.id;
  }

  cancelEdit(): void {
    this.#editing = null;
  }

  /** Saves an inline edit; an unchanged or empty text just closes the editor. */
  async saveEdit(message: ChatMessage, text: string): Promise<void> {
    this.#editing = null;
    if (text.trim() === '' || text === message.text) return;
    await this.#change({ kind: 'edit', target: message.id, text });
  }

  askDelete(message: ChatMessage): void {
    if (this.canDelete(message)) this.#deleting = message;
  }

  cancelDelete(): void {
    this.#deleting = null;
  }

  async confirmDelete(): Promise<void> {
    const message = this.#deleting;
    this.#deleting = null;
    if (message) await this.#change({ kind: 'delete', target: message.id });
  }

  /** Adds this person's reaction, or takes it back when they reacted so already. */
  async toggleReaction(message: ChatMessage, emoji: string): Promise<void> {
    const selfId = this.#options.selfId();
    const reacted = message.reactions?.some(
      (reaction) => reaction.emoji === emoji && reaction.users.some((user) => user.id === selfId),
    );
    await this.#change({ kind: 'reaction', target: message.id, emoji, add: !reacted });
  }

  async togglePin(message: ChatMessage): Promise<void> {
    await this.#change({ kind: 'pin', target: message.id, pinned: !message.pinned });
  }

  /** Shows message `id`: older pages load until it is held (or the start is reached). */
  async jumpTo(id: number): Promise<boolean> {
    while (!this.#options.holds(id) && this.#options.hasOlder()) {
      const result = await this.#options.loadOlder();
      if (!result.ok) {
        this.#error = result.error.message;
        return false;
      }
      if (result.count === 0 && !result.hasOlder) break;
    }
    if (!this.#options.holds(id)) {
      this.#error = 'That message is no longer in the conversation.';
      return false;
    }
    this.#jump = { id, seq: (this.#jump?.seq ?? 0) + 1 };
    return true;
  }

  dismissError(): void {
    this.#error = null;
  }

  async #change(change: MessageChange): Promise<void> {
    const result = await this.#options.chat.changeMessage(change, this.#options.room());
    this.#error = result.ok ? null : result.error.message;
  }
}

const KEY = Symbol('message-actions');

/** Makes `actions` what the messages below use (call in a component's setup). */
export function setMessageActionsContext(actions: MessageActions): void {
  setContext(KEY, actions);
}

/** The actions set by an ancestor, or null (a message shown without them). */
export function messageActionsContext(): MessageActions | null {
  return getContext<MessageActions | undefined>(KEY) ?? null;
}
