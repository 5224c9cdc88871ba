/**
 * An admin's name dialogs: "Rename" someone (`name:set`: the name bound to them moves) and
 * "Release a name" (`name:release`: a name held by someone away is free again). One field, a
 * button, and why the server refused (a taken name, not allowed).
 */
import type { ModerationRequest, ParleyApi } from '../../../shared/api';
import type { User } from '../../../shared/protocol';
import { describeIssues, nicknameSchema } from '../../../shared/schemas';

export type NameDialogMode = { kind: 'rename'; person: User } | { kind: 'release' };

export class PersonNameDialog {
  readonly #moderate: ParleyApi['chat']['moderate'];
  #mode = $state.raw<NameDialogMode | null>(null);
  #error = $state<string | null>(null);
  #busy = $state(false);
  /** The name field. */
  nickname = $state('');
  /** What the last success did, in words (for a live region); null before. */
  #done = $state<string | null>(null);

  constructor(moderate: ParleyApi['chat']['moderate']) {
    this.#moderate = moderate;
  }

  /** Which dialog is open; null: none. */
  get mode(): NameDialogMode | null {
    return this.#mode;
  }

  get error(): string | null {
    return this.#error;
  }

  get busy(): boolean {
    return this.#busy;
  }

  get done(): string | null {
    return this.#done;
  }

  rename(person: User): void {
    this.#show({ kind: 'rename', person }, person.nickname);
  }

  release(): void {
    this.#show({ kind: 'release' }, '');
  }

  close(): void {
    this.#mode = null;
    this.#error = null;
  }

  async submit(): Promise<void> {
    const mode = this.#mode;
    if (!mode || this.#busy) return;
    const checked = nicknameSchema.safeParse(this.nickname);
    if (!checked.success) {
      this.#error = describeIssues(checked.error);
      return;
    }
    const nickname = checked.data;
    const request: ModerationRequest =
      mode.kind === 'rename'
        ? { action: 'rename', userId: mode.person.id, nickname }
        : { action: 'release-name', nickname };
    this.#busy = true;
    try {
      const result = await this.#moderate(request);
      if (!result.ok) {
        this.#error = result.error.message;
        return;
      }
      this.#done =
        mode.kind === 'rename'
          ? `${mode.person.nickname} is now called ${nickname}.`
          : `The name "${result.released ?? nickname}" is free again.`;
      this.close();
    } finally {
      this.#busy = false;
    }
  }

  #show(mode: NameDialogMode, nickname: string): void {
    this.nickname = nickname;
    this.#error = null;
    this.#mode = mode;
  }
}
