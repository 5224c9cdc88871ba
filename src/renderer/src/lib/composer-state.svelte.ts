/**
 * The message composer: the draft, sending (a failed message stays in the box, and retrying the
 * same text reuses its clientId so the server never stores it twice) and the typing signal
 * (throttled while typing, turned off after a pause or on send).
 */
import type { ParleyApi } from '../../../shared/api';
import type { ChatMessage } from '../../../shared/protocol';
import type { Result } from '../../../shared/result';
import { nanoid } from 'nanoid';

/** At most one "typing" signal this often while someone keeps typing. */
const TYPING_THROTTLE_MS = 2_000;
/** Typing stops counting after this long without a keystroke. */
const TYPING_IDLE_MS = 3_000;

export interface ComposerOptions {
  clock?: () => number;
  /** Called after a message was accepted by the server (e.g. to scroll to it). */
  onsent?: (message: ChatMessage) => void;
}

export class ComposerState {
  readonly #chat: ParleyApi['chat'];
  readonly #clock: () => number;
  readonly #onsent: (message: ChatMessage) => void;

  /** The draft, bound to the textarea. */
  text = $state('');
  #sending = $state(false);
  #error = $state<string | null>(null);

  /** The last failed message: sending the same text again reuses its clientId. */
  #failed: { text: string; clientId: string } | null = null;
  #typing = false;
  #typingSentAt = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(chat: ParleyApi['chat'], options: ComposerOptions = {}) {
    this.#chat = chat;
    this.#clock = options.clock ?? Date.now;
    this.#onsent = options.onsent ?? (() => {});
  }

  get sending(): boolean {
    return this.#sending;
  }

  get error(): string | null {
    return this.#error;
  }

  get canSend(): boolean {
    return !this.#sending && this.text.trim().length > 0;
  }

  /** Called on every edit of the draft. */
  input(): void {
    if (this.#error && this.text !== this.#failed?.text) this.#error = null;
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

  /** Sends the draft; resolves true when the server accepted it. */
  async send(): Promise<boolean> {
    const text = this.text;
    if (!this.canSend) return false;
    const clientId = this.#failed?.text === text ? this.#failed.clientId : nanoid();
    this.#sending = true;
    this.#error = null;
    this.#setTyping(false);
    let result: Result<{ message: ChatMessage }>;
    try {
      result = await this.#chat.send(text, clientId);
    } catch (error) {
      result = {
        ok: false,
        error: { code: 'internal', message: `The message was not sent: ${String(error)}` },
      };
    } finally {
      this.#sending = false;
    }
    if (!result.ok) {
      this.#failed = { text, clientId };
      this.#error = result.error.message;
      return false;
    }
    this.#failed = null;
    // Whatever was typed while the message was on its way stays.
    if (this.text === text) this.text = '';
    this.#onsent(result.message);
    return true;
  }

  /** Forgets the draft and stops the typing signal (leaving the room). */
  reset(): void {
    this.#setTyping(false);
    this.text = '';
    this.#error = null;
    this.#failed = null;
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
