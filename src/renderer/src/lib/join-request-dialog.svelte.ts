/**
 * The join-link dialog: a `parley://` link the app was opened with waits here for Join or Cancel.
 * Join needs a valid nickname first (the start form's, which the dialog may ask for); then the
 * request goes to `onconfirm`, which joins it.
 */
import type { JoinRequest, ParleyApi, Unsubscribe } from '../../../shared/api';
import { describeIssues, nicknameSchema } from '../../../shared/schemas';

export interface JoinRequestDialogOptions {
  /** The nickname to join with (the start form's field). */
  nickname: () => string;
  /** Another join is under way: Join waits for it. */
  busy: () => boolean;
  onconfirm: (request: JoinRequest) => Promise<void>;
}

export class JoinRequestDialog {
  readonly #links: ParleyApi['links'];
  readonly #options: JoinRequestDialogOptions;
  #request = $state.raw<JoinRequest | null>(null);
  #error = $state<string | null>(null);

  constructor(links: ParleyApi['links'], options: JoinRequestDialogOptions) {
    this.#links = links;
    this.#options = options;
  }

  /** The link waiting; null: the dialog is closed. */
  get request(): JoinRequest | null {
    return this.#request;
  }

  /** Why the nickname cannot be used; null otherwise. */
  get error(): string | null {
    return this.#error;
  }

  /** Listens for join links; returns the disposer. */
  start(): Unsubscribe {
    return this.#links.onJoinRequest((request) => {
      this.#request = request;
      this.#error = null;
    });
  }

  /** "Join": the nickname field must hold a valid nickname first. */
  async confirm(): Promise<void> {
    const request = this.#request;
    if (!request || this.#options.busy()) return;
    const checked = nicknameSchema.safeParse(this.#options.nickname());
    if (!checked.success) {
      this.#error = describeIssues(checked.error);
      return;
    }
    this.cancel();
    await this.#options.onconfirm(request);
  }

  cancel(): void {
    this.#request = null;
    this.#error = null;
  }
}
