/**
 * What the people list offers an admin or moderator, wired to the dialogs: "Remove" (asks first,
 * with the time), "Make moderator" / "Remove moderator" (at once; a refusal is kept to be shown),
 * "Rename" and "Release a name" (dialogs). The server decides who may; this only asks.
 */
import type { ParleyApi } from '../../../shared/api';
import type { User } from '../../../shared/protocol';
import type { PersonNameDialog } from './person-name-dialog.svelte';
import type { RemovePersonDialog } from './remove-person-dialog.svelte';

export class PeopleModeration {
  readonly #moderate: ParleyApi['chat']['moderate'];
  readonly #removal: RemovePersonDialog;
  readonly #names: PersonNameDialog;
  #error = $state<string | null>(null);

  constructor(
    moderate: ParleyApi['chat']['moderate'],
    removal: RemovePersonDialog,
    names: PersonNameDialog,
  ) {
    this.#moderate = moderate;
    this.#removal = removal;
    this.#names = names;
  }

  /** Why the last role change was refused; null when it worked (or none was asked). */
  get error(): string | null {
    return this.#error;
  }

  remove(user: User): void {
    this.#error = null;
    this.#removal.ask(user);
  }

  async setRole(user: User, role: 'moderator' | 'none'): Promise<void> {
    const result = await this.#moderate({ action: 'set-role', userId: user.id, role });
    this.#error = result.ok ? null : result.error.message;
  }

  rename(user: User): void {
    this.#error = null;
    this.#names.rename(user);
  }

  release(): void {
    this.#error = null;
    this.#names.release();
  }
}
