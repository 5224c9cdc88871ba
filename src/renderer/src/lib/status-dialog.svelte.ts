/**
 * The Set status dialog: online or busy, and a status line. Opened with what is set now; Save
 * sets it (a refused status line is explained under the field, and nothing changes).
 */
import { describeIssues, statusTextSchema } from '../../../shared/schemas';
import type { ChosenStatus, PresenceState } from './presence-state.svelte';

export class StatusDialog {
  readonly #presence: PresenceState;
  #open = $state(false);
  /** The choice in the dialog (not yet saved). */
  status = $state<ChosenStatus>('online');
  /** The Status line field. */
  text = $state('');
  #error = $state<string | null>(null);
  #saving = $state(false);

  constructor(presence: PresenceState) {
    this.#presence = presence;
  }

  get open(): boolean {
    return this.#open;
  }

  get error(): string | null {
    return this.#error;
  }

  get saving(): boolean {
    return this.#saving;
  }

  show(): void {
    this.status = this.#presence.chosen;
    this.text = this.#presence.text;
    this.#error = null;
    this.#open = true;
  }

  close(): void {
    this.#open = false;
    this.#error = null;
  }

  /** Clears the status line field (it is saved with Save). */
  clearText(): void {
    this.text = '';
  }

  async save(): Promise<void> {
    if (this.#saving) return;
    const checked = statusTextSchema.safeParse(this.text);
    if (!checked.success) {
      this.#error = describeIssues(checked.error);
      return;
    }
    this.#saving = true;
    try {
      if (await this.#presence.choose(this.status, checked.data)) {
        this.#open = false;
        this.#error = null;
      } else {
        this.#error = this.#presence.error;
      }
    } finally {
      this.#saving = false;
    }
  }
}
