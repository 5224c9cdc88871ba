/**
 * The host's "Remove from the room?" dialog: who is about to be removed, and why removing them
 * failed. Confirming asks the hosted server to remove them (`window.parley.hosting.kick`).
 */
import type { ParleyApi } from '../../../shared/api';
import type { User } from '../../../shared/protocol';

export class RemovePersonDialog {
  readonly #kick: ParleyApi['hosting']['kick'];
  #person = $state.raw<User | null>(null);
  #error = $state<string | null>(null);

  constructor(kick: ParleyApi['hosting']['kick']) {
    this.#kick = kick;
  }

  /** Who the host asked to remove; null: the dialog is closed. */
  get person(): User | null {
    return this.#person;
  }

  get error(): string | null {
    return this.#error;
  }

  /** Asks to confirm removing `user` from the hosted room. */
  ask(user: User): void {
    this.#error = null;
    this.#person = user;
  }

  async confirm(): Promise<void> {
    const user = this.#person;
    if (!user) return;
    const result = await this.#kick(user.id);
    if (!result.ok) {
      this.#error = result.error.message;
      return;
    }
    this.#person = null;
  }

  cancel(): void {
    this.#person = null;
    this.#error = null;
  }
}
