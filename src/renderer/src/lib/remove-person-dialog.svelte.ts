/**
 * "Remove from the room?", for the host, admins and moderators: who is about to be removed, for
 * how long (the choices, default the server's cooldown), and why removing them failed.
 * Confirming asks the server to remove the person (`chat.moderate`, `person:remove`): every
 * connection of theirs closes, and they and their addresses stay out for the time chosen.
 */
import type { ParleyApi } from '../../../shared/api';
import { LIMITS } from '../../../shared/limits';
import type { User } from '../../../shared/protocol';

/** The times offered, in minutes: the default first. */
export const REMOVAL_CHOICES = [
  { minutes: LIMITS.kickCooldownSeconds / 60, label: `${LIMITS.kickCooldownSeconds / 60} minutes` },
  { minutes: 60, label: 'An hour' },
  { minutes: 24 * 60, label: 'A day' },
  { minutes: LIMITS.maxRemoveMinutes, label: 'A week' },
] as const;

export class RemovePersonDialog {
  readonly #moderate: ParleyApi['chat']['moderate'];
  #person = $state.raw<User | null>(null);
  #error = $state<string | null>(null);
  /** The time chosen, in minutes. */
  minutes = $state<number>(REMOVAL_CHOICES[0].minutes);

  constructor(moderate: ParleyApi['chat']['moderate']) {
    this.#moderate = moderate;
  }

  /** Who is about to be removed; null: the dialog is closed. */
  get person(): User | null {
    return this.#person;
  }

  get error(): string | null {
    return this.#error;
  }

  /** Asks to confirm removing `user`. */
  ask(user: User): void {
    this.#error = null;
    this.minutes = REMOVAL_CHOICES[0].minutes;
    this.#person = user;
  }

  async confirm(): Promise<void> {
    const user = this.#person;
    if (!user) return;
    const result = await this.#moderate({
      action: 'remove',
      userId: user.id,
      minutes: this.minutes,
    });
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
