/**
 * Message search, as the server runs it: the index (search-index.ts) kept up to date off the
 * acknowledgement path, saved now and then, and made again from the history when needed.
 *
 * - Changes (`add`, `update`, `remove`, `removeRoom`) are queued and applied in batches, at most
 *   INDEX_BATCH_MS after the first, so a message's acknowledgement never waits for its indexing
 *   and the work is done once per batch; a search applies what is queued first, so it always
 *   sees every message acknowledged before it.
 * - With a file, the index is saved there (search-snapshot.ts) after `saveAfterChanges` changes
 *   or `saveAfterMs` after the first unsaved one, and on close. Seldom by default (a save writes
 *   the whole index: done every 10,000 messages it cost a busy server more than the indexing
 *   itself): after a crash the start reads again what came after the last save, at most ten
 *   minutes' or SAVE_AFTER_CHANGES messages. On start the snapshot is read and
 *   the messages stored after the id it covers are read from the history; when it is missing or
 *   cannot be read, the whole history is indexed again (and a damaged one is reported).
 * - Searches wait until that is done.
 */
import type { ChatMessage } from '../../shared/protocol';
import { LOBBY } from '../../shared/limits';
import type { HistoryStore } from '../storage/history-store';
import { SearchIndex, type SearchHits, type SearchRequest } from './search-index';
import { readSnapshot, writeSnapshot } from './search-snapshot';

export interface MessageSearchOptions {
  history: HistoryStore;
  /** The snapshot file; null: the index lives in memory only. */
  file: string | null;
  onError: (error: unknown) => void;
  /** False: no index is kept, and searches find nothing (the benchmark's baseline). */
  enabled?: boolean;
  /** Where notes go (a rebuilt snapshot); default console.warn. */
  log?: (line: string) => void;
  saveAfterChanges?: number;
  saveAfterMs?: number;
  /** Ids before a snapshot's covered id read again on start; default REREAD_IDS. */
  rereadIds?: number;
}

type Change =
  | { kind: 'add'; message: ChatMessage }
  | { kind: 'remove'; id: number }
  | { kind: 'removeRoom'; room: string };

/** Messages read from the history at a time while (re)building. */
const READ_PAGE = 200;
/**
 * Ids below a snapshot's covered id that are read again on start: a message is indexed after
 * its acknowledgement, and acknowledgements of messages stored together can come out of id
 * order, so the last few before the covered id might not have been in. Adding one twice replaces.
 */
const REREAD_IDS = 1000;

/** How long a stored message waits at most to be indexed with the others stored meanwhile. */
const INDEX_BATCH_MS = 50;

/** Saves of the index, by default: after this many changes, or this long after the first. */
const SAVE_AFTER_CHANGES = 200_000;
const SAVE_AFTER_MS = 10 * 60_000;

export class MessageSearch {
  readonly #options: MessageSearchOptions;
  #index = new SearchIndex();
  #coveredId = 0;
  #queue: Change[] = [];
  #drainScheduled = false;
  #unsaved = 0;
  #saveTimer: NodeJS.Timeout | null = null;
  #saving: Promise<void> = Promise.resolve();
  #closed = false;
  /** Resolves once the snapshot is read and the history after it indexed. */
  readonly ready: Promise<void>;

  private constructor(options: MessageSearchOptions) {
    this.#options = options;
    this.ready = (options.enabled === false ? Promise.resolve() : this.#load()).catch(
      (error: unknown) => options.onError(error),
    );
  }

  /** Starts loading (or building) the index; searches wait for it. */
  static start(options: MessageSearchOptions): MessageSearch {
    return new MessageSearch(options);
  }

  add(message: ChatMessage): void {
    this.#enqueue({ kind: 'add', message });
  }

  /** A message changed (edited): the index holds the new version. */
  update(message: ChatMessage): void {
    this.#enqueue({ kind: 'add', message });
  }

  remove(messageId: number): void {
    this.#enqueue({ kind: 'remove', id: messageId });
  }

  /**
   * A log entry was stored: a message is added; a change (edit, delete, reaction, pin) makes the
   * index hold its target as it is now. Resolves once that is queued: a search after it finds
   * the new state.
   */
  async entryStored(entry: ChatMessage): Promise<void> {
    if (!entry.change) {
      this.add(entry);
      return;
    }
    try {
      const current = await this.#options.history.find(entry.room, entry.change.target);
      if (!current || current.deleted) this.remove(entry.change.target);
      else this.update(current);
    } catch (error) {
      this.#options.onError(error);
    }
  }

  /** A room was deleted with its messages. */
  removeRoom(room: string): void {
    this.#enqueue({ kind: 'removeRoom', room });
  }

  async search(request: SearchRequest): Promise<SearchHits> {
    await this.ready;
    this.#drain();
    return this.#index.search(request);
  }

  /** How many messages are in the index (after what is queued). */
  async size(): Promise<number> {
    await this.ready;
    this.#drain();
    return this.#index.size;
  }

  /** Resolves once the snapshot writes started so far are done. */
  saved(): Promise<void> {
    return this.#saving;
  }

  /** Applies what is queued and saves the index if it changed; nothing is indexed after. */
  async close(): Promise<void> {
    await this.ready;
    this.#drain();
    this.#closed = true;
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    if (this.#unsaved > 0) await this.#save();
    await this.#saving;
  }

  #enqueue(change: Change): void {
    if (this.#closed || this.#options.enabled === false) return;
    this.#queue.push(change);
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    // In batches, a little later: indexing each message as it is stored (setImmediate) slowed
    // acknowledgements by 10–18 % in bench/search.ts; 50 ms batches by about 5 %. A search (and
    // close) applies what is queued first, so no search misses a stored message.
    setTimeout(() => {
      this.#drainScheduled = false;
      this.ready.then(() => this.#drain()).catch((error: unknown) => this.#options.onError(error));
    }, INDEX_BATCH_MS).unref();
  }

  #drain(): void {
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    for (const change of queue) {
      // One change the index cannot take is reported, and the rest of the batch still applied.
      try {
        this.#apply(change);
      } catch (error) {
        this.#options.onError(error);
      }
    }
    this.#changed(queue.length);
  }

  #apply(change: Change): void {
    switch (change.kind) {
      case 'add':
        this.#index.add(change.message);
        if (change.message.id > this.#coveredId) this.#coveredId = change.message.id;
        return;
      case 'remove':
        this.#index.remove(change.id);
        return;
      case 'removeRoom':
        this.#index.removeRoom(change.room);
        return;
    }
  }

  #changed(count: number): void {
    const {
      file,
      saveAfterChanges = SAVE_AFTER_CHANGES,
      saveAfterMs = SAVE_AFTER_MS,
    } = this.#options;
    if (file === null || this.#closed) return;
    this.#unsaved += count;
    if (this.#unsaved >= saveAfterChanges) {
      void this.#save();
      return;
    }
    if (this.#saveTimer) return;
    this.#saveTimer = setTimeout(() => void this.#save(), saveAfterMs);
    this.#saveTimer.unref();
  }

  #save(): Promise<void> {
    const file = this.#options.file;
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    if (file === null) return this.#saving;
    this.#unsaved = 0;
    // One write at a time; each writes the index as it is when its turn comes.
    this.#saving = this.#saving
      .then(() => writeSnapshot(file, this.#index.messages(), this.#coveredId))
      .catch((error: unknown) => this.#options.onError(error));
    return this.#saving;
  }

  async #load(): Promise<void> {
    const { history, file } = this.#options;
    let from = 0;
    if (file !== null) {
      try {
        const snapshot = await readSnapshot(file);
        if (snapshot) {
          this.#index = snapshot.index;
          this.#coveredId = snapshot.coveredId;
          from = Math.max(0, snapshot.coveredId - (this.#options.rereadIds ?? REREAD_IDS));
        }
      } catch (error) {
        const log = this.#options.log ?? ((line: string) => console.warn(line));
        log(
          `[parley] The search index (${file}) cannot be read (${(error as Error).message}): ` +
            'rebuilding it from the history.',
        );
        this.#index = new SearchIndex();
        this.#coveredId = 0;
      }
    }
    const rooms = new Set([LOBBY, ...(await history.rooms.rooms()).map((room) => room.id)]);
    // Rooms deleted while the snapshot was not saved again.
    for (const room of this.#index.rooms()) {
      if (!rooms.has(room)) this.#index.removeRoom(room);
    }
    let read = 0;
    for (const room of rooms) {
      let after = from;
      for (;;) {
        const page = await history.page(room, { after }, READ_PAGE);
        for (const message of page.messages) {
          await this.#indexStored(history, message);
          if (message.id > this.#coveredId) this.#coveredId = message.id;
        }
        read += page.messages.length;
        const last = page.messages.at(-1);
        if (!page.hasMore || last === undefined) break;
        after = last.id;
      }
    }
    // A rebuild (or a long catch-up after a crash) is saved at once: the next start is quick.
    if (read > (this.#options.rereadIds ?? REREAD_IDS)) void this.#save();
    else if (read > 0) this.#changed(read);
  }

  /**
   * A stored entry into the index: a message as it is now (a deleted one is left out); a change
   * entry (an edit or delete while the snapshot was not saved) re-reads the message it changed.
   */
  async #indexStored(history: HistoryStore, message: ChatMessage): Promise<void> {
    if (!message.change) {
      if (!message.deleted) this.#index.add(message);
      return;
    }
    const target = await history.find(message.room, message.change.target);
    if (!target || target.deleted) this.#index.remove(message.change.target);
    else this.#index.add(target);
  }
}
