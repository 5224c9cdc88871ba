/**
 * The message composer: the draft, posting it to the outbox (the client sends it, resends it after
 * a reconnect, and reports it as sending / failed; see ChatClient) and the typing signal
 * (throttled while typing, turned off after a pause; on send the server turns it off itself, so
 * a quick succession of messages costs one typing signal each, not two).
 */
import type { ParleyApi } from '../../../shared/api';
import type { ChatMessage } from '../../../shared/protocol';
import { LIMITS, LOBBY } from '../../../shared/limits';
import { textLength } from '../../../shared/schemas';

/** At most one "typing" signal this often while someone keeps typing. */
const TYPING_THROTTLE_MS = 2_000;
/** Typing stops counting after this long without a keystroke. */
const TYPING_IDLE_MS = 3_000;

export interface ComposerOptions {
  clock?: () => number;
}

export class ComposerState {
  readonly #chat: ParleyApi['chat'];
  readonly #clock: () => number;

  /** The draft, bound to the textarea. */
  text = $state('');
  #posting = $state(false);
  #error = $state<string | null>(null);
  /** The message the draft answers (its quote shows above the composer); null: none. */
  #replyTo = $state.raw<ChatMessage | null>(null);
  /** Counts the requests to put the focus in the message box (the composer follows it). */
  #focusRequests = $state(0);

  /** The room the draft is for. */
  #room = LOBBY;
  /** The drafts of the other rooms, kept while they are not on screen. */
  // Bookkeeping, not state: the draft on screen is `text`.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #drafts = new Map<string, string>();

  #typing = false;
  #typingSentAt = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(chat: ParleyApi['chat'], options: ComposerOptions = {}) {
    this.#chat = chat;
    this.#clock = options.clock ?? Date.now;
  }

  get room(): string {
    return this.#room;
  }

  /** How many more characters the draft may have: counted as the server counts (textLength). */
  get charactersLeft(): number {
    return LIMITS.messageMaxLength - textLength(this.text);
  }

  /** Keeps the draft of the room on screen and brings back `room`'s (switching rooms). */
  switchRoom(room: string): void {
    if (room === this.#room) return;
    this.#setTyping(false);
    if (this.text === '') this.#drafts.delete(this.#room);
    else this.#drafts.set(this.#room, this.text);
    this.#room = room;
    this.#replyTo = null;
    this.text = this.#drafts.get(room) ?? '';
    this.#drafts.delete(room);
    this.#error = null;
  }

  /**
   * Asks for the focus in the message box: after switching, creating or opening a conversation,
   * the person writes next. A count, so that asking again (the same room) asks again.
   */
  requestFocus(): void {
    this.#focusRequests++;
  }

  get focusRequests(): number {
    return this.#focusRequests;
  }

  /** Something is written for `room` and not sent yet (on screen or kept while away from it). */
  hasDraft(room: string): boolean {
    const draft = room === this.#room ? this.text : (this.#drafts.get(room) ?? '');
    return draft.trim() !== '';
  }

  /** The rooms with a draft not sent yet, the one on screen first. */
  get roomsWithDrafts(): string[] {
    return [this.#room, ...this.#drafts.keys()].filter((room) => this.hasDraft(room));
  }

  /** Forgets the draft of a room that was left. */
  forgetRoom(room: string): void {
    this.#drafts.delete(room);
  }

  get error(): string | null {
    return this.#error;
  }

  get replyTo(): ChatMessage | null {
    return this.#replyTo;
  }

  /** The next message sent answers `message` (of the room on screen). */
  startReply(message: ChatMessage): void {
    this.#replyTo = message;
  }

  cancelReply(): void {
    this.#replyTo = null;
  }

  /**
   * How many characters the draft has beyond the limit (0 when it fits). Nothing is ever cut off
   * (no maxlength): the person sees by how much, and Send waits until it fits.
   */
  get overBy(): number {
    return Math.max(0, -this.charactersLeft);
  }

  get canSend(): boolean {
    return !this.#posting && this.text.trim().length > 0 && this.overBy === 0;
  }

  /** Called on every edit of the draft. */
  input(): void {
    this.#error = null;
    if (this.text.trim() === '') {
      this.#setTyping(false);
      return;
    }
    const now = this.#clock();
    if (!this.#typing || now - this.#typingSentAt >= TYPING_THROTTLE_MS) {
      this.#typingSentAt = now;
      this.#setTyping(true);
    }
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.#setTyping(false), TYPING_IDLE_MS);
  }

  /**
   * Hands the draft to the outbox and clears the box; resolves false (the draft stays, with the
   * reason) only when the text itself cannot be sent.
   */
  async send(): Promise<boolean> {
    const text = this.text;
    const room = this.#room;
    if (!this.canSend) return false;
    this.#posting = true;
    this.#error = null;
    // The server clears the typing indicator when the message arrives: no signal needed.
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#typing = false;
    try {
      const result = await this.#chat.post(text, room, this.#replyTo?.id);
      if (!result.ok) {
        this.#error = result.error.message;
        return false;
      }
    } catch (error) {
      this.#error = `The message was not sent: ${String(error)}`;
      return false;
    } finally {
      this.#posting = false;
    }
    if (this.#room === room) this.#replyTo = null;
    // Whatever was typed while the message was being handed over stays.
    if (this.#room === room && this.text === text) this.text = '';
    else if (this.#drafts.get(room) === text) this.#drafts.delete(room);
    return true;
  }

  /** Forgets the drafts and stops the typing signal (leaving the server). */
  reset(): void {
    this.#setTyping(false);
    this.text = '';
    this.#drafts.clear();
    this.#room = LOBBY;
    this.#replyTo = null;
    this.#error = null;
  }

  #setTyping(typing: boolean): void {
    if (!typing) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
      if (!this.#typing) return;
    }
    this.#typing = typing;
    void this.#chat.setTyping(typing, this.#room).catch(() => {});
  }
}
