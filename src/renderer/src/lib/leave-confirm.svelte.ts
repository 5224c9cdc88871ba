/**
 * Leaving with something unsent: the room's × ("Leave room") and the header's "Disconnect" ask
 * first when a draft would go with them (issue 15), and go at once when nothing would be lost.
 */

export type Leaving =
  { kind: 'room'; room: string; name: string } | { kind: 'server'; drafts: number };

export interface LeaveConfirmOptions {
  /** The rooms with an unsent draft (ComposerState.roomsWithDrafts). */
  roomsWithDrafts: () => string[];
  leaveRoom: (room: string) => Promise<void>;
  disconnect: () => Promise<void>;
}

export class LeaveConfirm {
  readonly #options: LeaveConfirmOptions;
  #asking = $state.raw<Leaving | null>(null);

  constructor(options: LeaveConfirmOptions) {
    this.#options = options;
  }

  /** What the open question is about; null: no question. */
  get asking(): Leaving | null {
    return this.#asking;
  }

  /** The room's "Leave room": asks when the room has a draft. */
  async leaveRoom(room: string, name: string): Promise<void> {
    if (this.#options.roomsWithDrafts().includes(room)) {
      this.#asking = { kind: 'room', room, name };
      return;
    }
    await this.#options.leaveRoom(room);
  }

  /** "Disconnect": asks when any room has a draft (all drafts go with the server). */
  async disconnect(): Promise<void> {
    const drafts = this.#options.roomsWithDrafts().length;
    if (drafts > 0) {
      this.#asking = { kind: 'server', drafts };
      return;
    }
    await this.#options.disconnect();
  }

  /** The question's answer "Leave room" / "Disconnect". */
  async confirm(): Promise<void> {
    const asking = this.#asking;
    this.#asking = null;
    if (asking?.kind === 'room') await this.#options.leaveRoom(asking.room);
    else if (asking?.kind === 'server') await this.#options.disconnect();
  }

  cancel(): void {
    this.#asking = null;
  }
}
