/**
 * The Create room dialog: whether it is open, the name typed, and why a name was refused. Create
 * makes the room, joins it and hands it to `onjoined` to be shown.
 */
import type { ParleyApi } from '../../../shared/api';
import { describeIssues, roomNameSchema } from '../../../shared/schemas';

export class CreateRoomDialog {
  readonly #chat: Pick<ParleyApi['chat'], 'createRoom' | 'joinRoom'>;
  readonly #onjoined: (room: string) => void;
  #open = $state(false);
  /** The Room name field. */
  name = $state('');
  #error = $state<string | null>(null);
  #creating = $state(false);

  constructor(
    chat: Pick<ParleyApi['chat'], 'createRoom' | 'joinRoom'>,
    onjoined: (room: string) => void,
  ) {
    this.#chat = chat;
    this.#onjoined = onjoined;
  }

  get open(): boolean {
    return this.#open;
  }

  get error(): string | null {
    return this.#error;
  }

  get creating(): boolean {
    return this.#creating;
  }

  show(): void {
    this.name = '';
    this.#error = null;
    this.#open = true;
  }

  close(): void {
    this.#open = false;
    this.#error = null;
  }

  /** "Create": creates the room, joins it and shows it. */
  async create(): Promise<void> {
    if (this.#creating) return;
    const checked = roomNameSchema.safeParse(this.name);
    if (!checked.success) {
      this.#error = describeIssues(checked.error);
      return;
    }
    this.#creating = true;
    this.#error = null;
    try {
      const created = await this.#chat.createRoom(checked.data);
      if (!created.ok) {
        this.#error = created.error.message;
        return;
      }
      const joined = await this.#chat.joinRoom(created.room.id);
      if (!joined.ok) {
        this.#error = joined.error.message;
        return;
      }
      this.#open = false;
      this.#onjoined(joined.joined.room.id);
    } finally {
      this.#creating = false;
    }
  }
}
