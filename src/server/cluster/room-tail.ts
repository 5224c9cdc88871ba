/**
 * Ordered delivery in a cluster: every node hands each room's log entries to its own sockets in
 * id order, with no gap, by reading them from the shared store rather than from the message that
 * announced them.
 *
 * Why not forward the message itself: nodes store messages in the same database but publish them
 * independently, so a node may hear of id 12 (stored by one node) before id 11 (stored by another
 * a moment earlier). A client that got 12 and then lost its connection would catch up "after 12"
 * and never see 11. The PostgreSQL store hands out ids under a lock held until the commit
 * (postgres-history.ts), so ids become visible in id order: once a node knows id N is stored,
 * reading the room "after the last id I delivered" returns everything up to N, in order. Each
 * node keeps, per room, the last id it delivered, and delivers only what comes after it.
 *
 * Where a room's reading starts: ids stored before this node started were never live here (a
 * client that joins reads them with its history page), so every room starts after the store's
 * last id at start (`startAfter`).
 *
 * Reads of one room run one after the other (a chain per room); a read that finds the room
 * already delivered up to the id asked costs nothing, and one read delivers whatever came
 * meanwhile, so a burst is a few reads, not one per message.
 */
import type { ChatMessage } from '../../shared/protocol';
import type { HistoryStore } from '../storage/history-store';

/** Entries read at a time. */
const READ_PAGE = 200;

export class RoomTail {
  readonly #history: HistoryStore;
  readonly #deliver: (room: string, messages: readonly ChatMessage[]) => Promise<void>;
  readonly #onError: (error: unknown) => void;
  readonly #startAfter: number;
  /** Per room: the last id delivered here (absent: `startAfter`). */
  readonly #delivered = new Map<string, number>();
  /** Per room: the read in progress or queued last. */
  readonly #chains = new Map<string, Promise<void>>();

  constructor(options: {
    history: HistoryStore;
    startAfter: number;
    /** Shows entries to this node's sockets; the next read waits for it. */
    deliver: (room: string, messages: readonly ChatMessage[]) => Promise<void>;
    onError: (error: unknown) => void;
  }) {
    this.#history = options.history;
    this.#startAfter = options.startAfter;
    this.#deliver = options.deliver;
    this.#onError = options.onError;
  }

  /** The last id delivered in `room`. */
  deliveredIn(room: string): number {
    return this.#delivered.get(room) ?? this.#startAfter;
  }

  /**
   * Entry `id` of `room` is stored (here or on another node): delivers every entry of the room up
   * to it (and whatever else is stored by then) that was not delivered yet, in id order.
   * Resolves once that is done; a read that fails is reported and tried again by the next call.
   */
  stored(room: string, id: number): Promise<void> {
    const previous = this.#chains.get(room) ?? Promise.resolve();
    const next = previous.then(() => this.#readUpTo(room, id));
    this.#chains.set(room, next);
    void next.then(() => {
      if (this.#chains.get(room) === next) this.#chains.delete(room);
    });
    return next;
  }

  /** The room is gone: nothing more is read for it. */
  forget(room: string): void {
    this.#delivered.delete(room);
  }

  async #readUpTo(room: string, id: number): Promise<void> {
    try {
      for (;;) {
        const after = this.deliveredIn(room);
        if (after >= id) return;
        const { messages, hasMore } = await this.#history.page(room, { after }, READ_PAGE);
        if (messages.length === 0) return; // Deleted since (its room, or by retention).
        this.#delivered.set(room, messages.at(-1)!.id);
        await this.#deliver(room, messages);
        if (!hasMore && messages.at(-1)!.id >= id) return;
      }
    } catch (error) {
      this.#onError(error);
    }
  }
}
