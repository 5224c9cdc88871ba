/**
 * The passphrase dialog: a join the room refused for want of its passphrase (or with a wrong
 * one) waits here, with the passphrase typed so far. Join hands both to `onsubmit`, which joins
 * again and closes the dialog (`joined`) or asks again (`ask`, with the refusal).
 */
import type { StartSection } from './entry-state.svelte';

/** A join waiting for the room's passphrase. */
export interface PassphraseRequest {
  url: string;
  nickname: string;
  section: StartSection;
  ownRoom: boolean;
  /** The certificate fingerprint to insist on (a join link's, or the hosted room's). */
  fingerprint: string | null;
  /** Why the last passphrase was refused; null when none was tried yet. */
  error: string | null;
}

export interface PassphraseDialogOptions {
  /** Another join is under way: Join waits for it. */
  busy: () => boolean;
  onsubmit: (request: PassphraseRequest, passphrase: string) => Promise<void>;
}

export class PassphraseDialog {
  readonly #options: PassphraseDialogOptions;
  #request = $state.raw<PassphraseRequest | null>(null);
  /** The passphrase typed in the dialog. */
  passphrase = $state('');

  constructor(options: PassphraseDialogOptions) {
    this.#options = options;
  }

  /** The join waiting; null: the dialog is closed. */
  get request(): PassphraseRequest | null {
    return this.#request;
  }

  ask(request: PassphraseRequest): void {
    this.#request = request;
  }

  /** "Join". */
  async submit(): Promise<void> {
    const request = this.#request;
    if (!request || this.#options.busy()) return;
    if (this.passphrase === '') {
      this.#request = { ...request, error: 'Enter the passphrase.' };
      return;
    }
    await this.#options.onsubmit(request, this.passphrase);
  }

  /** The join failed for another reason: the dialog closes, the start screen says why. */
  close(): void {
    this.#request = null;
  }

  /** Cancel, or the join worked: closed and forgotten. */
  cancel(): void {
    this.#request = null;
    this.passphrase = '';
  }
}
