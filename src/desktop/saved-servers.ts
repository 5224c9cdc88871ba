/**
 * SavedServers: every server joined, remembered in a small JSON file in the app's data folder,
 * so the start screen can offer them again (newest first) — with the server's name, the last
 * nickname used there and when. The list's rules are shared with the web client
 * (src/shared/saved-server-list.ts); this is the file around them. Writes are atomic
 * (atomic-file.ts) and one at a time, so a crash never leaves half a file.
 */
import { readFile, rename } from 'node:fs/promises';
import type { SavedServer, Unsubscribe } from '../shared/api';
import { fail, ok, type Result } from '../shared/result';
import {
  SAVED_SERVERS_MAX,
  savedServersFileSchema,
  toSavedServers,
  withName,
  without,
  withVisit,
  type ServerVisit,
  type StoredServer,
} from '../shared/saved-server-list';
import { SerialQueue } from '../shared/serial-queue';
import { writeAtomically } from './atomic-file';

export interface SavedServersOptions {
  clock?: () => number;
  /** The oldest are forgotten beyond this many; default 50. */
  maxEntries?: number;
  /** Where a file that cannot be read is reported; default console.error. */
  onError?: (error: unknown) => void;
}

type Changed = Result<{ servers: SavedServer[] }>;

export class SavedServers {
  readonly #file: string;
  readonly #clock: () => number;
  readonly #maxEntries: number;
  readonly #listeners = new Set<(servers: SavedServer[]) => void>();
  #stored: StoredServer[];
  readonly #writes = new SerialQueue();

  private constructor(file: string, stored: StoredServer[], options: SavedServersOptions) {
    this.#file = file;
    this.#stored = stored;
    this.#clock = options.clock ?? Date.now;
    this.#maxEntries = options.maxEntries ?? SAVED_SERVERS_MAX;
  }

  /** Reads `file` (missing: no servers yet; unreadable: set aside, start empty). Never throws. */
  static async open(file: string, options: SavedServersOptions = {}): Promise<SavedServers> {
    const onError = options.onError ?? ((error: unknown) => console.error('[parley]', error));
    let stored: StoredServer[] = [];
    try {
      const parsed = savedServersFileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (!parsed.success) throw new Error(`${file} is not a saved-servers file; starting afresh.`);
      stored = parsed.data.servers;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        onError(error);
        // Kept for whoever wants to look, and out of the way of the next write.
        await rename(file, `${file}.unreadable`).catch(() => undefined);
      }
    }
    return new SavedServers(file, stored, options);
  }

  /** Newest first. */
  list(): SavedServer[] {
    return toSavedServers(this.#stored);
  }

  onChanged(listener: (servers: SavedServer[]) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Remembers a successful join: the server moves to the top of the list. */
  record(visit: ServerVisit): Promise<Changed> {
    return this.#change((stored) => withVisit(stored, visit, this.#clock(), this.#maxEntries));
  }

  /** Gives a saved server a name of the person's choosing; an empty name restores the server's. */
  rename(url: string, name: string): Promise<Changed> {
    return this.#change((stored) => withName(stored, url, name));
  }

  forget(url: string): Promise<Changed> {
    return this.#change((stored) => without(stored, url));
  }

  /** Applies `edit`, saves, then tells the listeners; one at a time, in the order asked. */
  #change(edit: (stored: StoredServer[]) => Result<{ stored: StoredServer[] }>): Promise<Changed> {
    const run = async (): Promise<Changed> => {
      const edited = edit(this.#stored);
      if (!edited.ok) return edited;
      try {
        const file = { version: 1, servers: edited.stored };
        await writeAtomically(this.#file, `${JSON.stringify(file, null, 2)}\n`);
      } catch (error) {
        return fail('data_unavailable', `Could not save the server list: ${messageOf(error)}`);
      }
      this.#stored = edited.stored;
      const servers = this.list();
      for (const listener of this.#listeners) listener(servers);
      return ok({ servers });
    };
    return this.#writes.run(run);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
