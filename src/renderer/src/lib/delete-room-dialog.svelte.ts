/**
 * The "Delete room?" dialog: which room is about to be deleted, and why deleting it failed.
 * Confirming asks the server to delete it (`chat.deleteRoom`); the room then leaves the list by
 * the `room-deleted` event, as it does for everyone else.
 */
import type { ParleyApi } from '../../../shared/api';

export interface RoomToDelete {
  id: string;
  name: string;
}

export class DeleteRoomDialog {
  readonly #deleteRoom: ParleyApi['chat']['deleteRoom'];
  #room = $state.raw<RoomToDelete | null>(null);
  #error = $state<string | null>(null);
  #deleting = $state(false);

  constructor(deleteRoom: ParleyApi['chat']['deleteRoom']) {
    this.#deleteRoom = deleteRoom;
  }

  /** The room the person asked to delete; null: the dialog is closed. */
  get room(): RoomToDelete | null {
    return this.#room;
  }

  get error(): string | null {
    return this.#error;
  }

  get deleting(): boolean {
    return this.#deleting;
  }

  ask(room: RoomToDelete): void {
    this.#error = null;
    this.#room = room;
  }

  async confirm(): Promise<void> {
    const room = this.#room;
    if (!room || this.#deleting) return;
    this.#deleting = true;
    try {
      const result = await this.#deleteRoom(room.id);
      if (!result.ok) {
        this.#error = result.error.message;
        return;
      }
      this.#room = null;
    } finally {
      this.#deleting = false;
    }
  }

  cancel(): void {
    this.#room = null;
    this.#error = null;
  }
}
