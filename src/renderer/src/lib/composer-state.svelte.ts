/**
 * The message composer: the draft, posting it to the outbox (the client sends it, resends it after
 * a reconnect, and reports it as sending / failed; see ChatClient) and the typing signal
 * (throttled while typing, turned off after a pause; on send the server turns it off itself, so
 * a quick succession of messages costs one typing signal each, not two).
 */
import type { ParleyApi } from '../../../shared/api';

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

  #typing = false;
  #typingSentAt = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(chat: ParleyApi['chat'], options: ComposerOptions = {}) {
    this.#chat = chat;
    this.#clock = options.clock ?? Date.now;
  }

  get error(): string | null {
    return this.#error;
  }

  get canSend(): boolean {
    return !this.#posting && this.text.trim().length > 0;
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
    if (!this.canSend) return false;
    this.#posting = true;
    this.#error = null;
    // The server clears the typing indicator when the message arrives: no signal needed.
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#typing = false;
    try {
      const result = await this.#chat.post(text);
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
    // Whatever was typed while the message was being handed over stays.
    if (this.text === text) this.text = '';
    return true;
  }

  /** Forgets the draft and stops the typing signal (leaving the room). */
  reset(): void {
    this.#setTyping(false);
    this.text = '';
    this.#error = null;
  }

  #setTyping(typing: boolean): void {
    if (!typing) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
      if (!this.#typing) return;
    }
    this.#typing = typing;
    void this.#chat.setTyping(typing).catch(() => {});
  }
}
