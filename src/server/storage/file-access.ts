/**
 * Who may read a stored file: whoever is in a room the file was posted to. The server notes each
 * (file, room) pair when it posts a file message, kept in the history database (keys
 * `file!<id>!<room>`) so that it survives restarts; without a database, in memory. A file id
 * someone merely guessed, or one posted only in another pair's direct conversation, is refused as
 * unknown.
 */
import type { ClassicLevel } from 'classic-level';

/** The history database's ways to read and to write one key durably (see LevelMessageStore). */
export interface FileAccessDatabase {
  read<T>(read: (db: ClassicLevel<string, unknown>) => Promise<T>): Promise<T>;
  put(key: string, value: unknown): Promise<void>;
}

export class FileAccess {
  readonly #store: FileAccessDatabase | null;
  /** Rooms per file id, as far as read or recorded (the pairs are only ever added). */
  readonly #rooms = new Map<string, Set<string>>();
  readonly #loading = new Map<string, Promise<Set<string>>>();

  constructor(store: FileAccessDatabase | null) {
    this.#store = store;
  }

  /** Notes that file `id` was posted in `room`; resolves once that is on disk. */
  async record(id: string, room: string): Promise<void> {
    const rooms = await this.#roomsOf(id);
    if (rooms.has(room)) return;
    await this.#store?.put(`file!${id}!${room}`, 1);
    rooms.add(room);
  }

  /** True when file `id` was posted in one of `rooms`. */
  async allowed(id: string, rooms: Iterable<string>): Promise<boolean> {
    const posted = await this.#roomsOf(id);
    for (const room of rooms) if (posted.has(room)) return true;
    return false;
  }

  #roomsOf(id: string): Promise<Set<string>> {
    const known = this.#rooms.get(id);
    if (known) return Promise.resolve(known);
    let loading = this.#loading.get(id);
    if (!loading) {
      loading = this.#load(id).finally(() => this.#loading.delete(id));
      this.#loading.set(id, loading);
    }
    return loading;
  }

  async #load(id: string): Promise<Set<string>> {
    const rooms = new Set<string>();
    if (this.#store) {
      const prefix = `file!${id}!`;
      const keys = await this.#store.read((db) =>
        db.keys({ gt: prefix, lt: `${prefix}\xff` }).all(),
      );
      for (const key of keys) rooms.add(key.slice(prefix.length));
    }
    this.#rooms.set(id, rooms);
    return rooms;
  }
}
