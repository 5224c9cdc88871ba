/**
 * The embedded store's read positions: all of them in memory (one number per person and room
 * read), each change written to the LevelDB database after it counts. The memory decides whether
 * a position moves forward, at once, so that two devices reporting at the same moment cannot move
 * it back; writes reach the database in the order they were made.
 */
import { StorageError, type ReadPositionStore } from './history-store';
import type { LevelMessageStore } from './level-message-store';

export class EmbeddedReadPositions implements ReadPositionStore {
  /** Positions by person, then by room. */
  readonly #byPerson = new Map<string, Map<string, number>>();
  readonly #store: LevelMessageStore | null;

  private constructor(store: LevelMessageStore | null) {
    this.#store = store;
  }

  static async open(store: LevelMessageStore | null): Promise<EmbeddedReadPositions> {
    const positions = new EmbeddedReadPositions(store);
    for (const { person, room, id } of (await store?.readPositions()) ?? []) {
      positions.#roomsOf(person).set(room, id);
    }
    return positions;
  }

  positions(person: string, rooms: readonly string[]): Promise<Record<string, number>> {
    const known = this.#byPerson.get(person);
    const found: Record<string, number> = {};
    for (const room of rooms) {
      const id = known?.get(room);
      if (id !== undefined) found[room] = id;
    }
    return Promise.resolve(found);
  }

  async advance(person: string, room: string, id: number): Promise<number> {
    const rooms = this.#roomsOf(person);
    const before = rooms.get(room);
    if (before !== undefined && before >= id) return before;
    rooms.set(room, id);
    try {
      await this.#store?.saveReadPosition(person, room, id);
    } catch (error) {
      // Undone unless a later position counts meanwhile (it is written after this one).
      if (rooms.get(room) === id) {
        if (before === undefined) rooms.delete(room);
        else rooms.set(room, before);
      }
      throw StorageError.fromWriteFailure(error);
    }
    return rooms.get(room) ?? id;
  }

  #roomsOf(person: string): Map<string, number> {
    let rooms = this.#byPerson.get(person);
    if (!rooms) {
      rooms = new Map();
      this.#byPerson.set(person, rooms);
    }
    return rooms;
  }
}
