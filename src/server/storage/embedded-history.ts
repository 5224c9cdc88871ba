/**
 * The embedded history store, Parley's default: an in-memory log of each room's recent messages
 * (ids, de-duplication, group commits: message-log.ts) over a LevelDB database in the data
 * directory (level-message-store.ts), with the rooms and file references in the same database.
 * Without a directory everything lives only as long as the process (tests, throwaway servers).
 */
import type { ChatMessage } from '../../shared/protocol';
import { FileAccess } from './file-access';
import type {
  AppendRequest,
  FileReferences,
  HistoryPage,
  HistoryStore,
  PageQuery,
  RoomStore,
} from './history-store';
import { StorageError } from './history-store';
import { LevelMessageStore } from './level-message-store';
import { MessageLog, type MessageLogOptions } from './message-log';

export interface EmbeddedHistoryOptions extends Omit<MessageLogOptions, 'store'> {
  /** The database's folder; null: in memory only. */
  directory: string | null;
  /** A room read at once when opening (the lobby: everyone joins it first). */
  warmRoom?: string;
  /** False: no fsync before an acknowledgement. Only the benchmark uses it (see durability.ts). */
  durableWrites?: boolean;
}

export class EmbeddedHistory implements HistoryStore {
  readonly rooms: RoomStore;
  readonly fileReferences: FileReferences;
  readonly #log: MessageLog;

  private constructor(log: MessageLog, store: LevelMessageStore | null) {
    this.#log = log;
    this.rooms = {
      rooms: async () => (await store?.rooms()) ?? [],
      saveRoom: async (room) => await store?.saveRoom(room),
      deleteRoom: (id) => log.deleteRoom(id),
    };
    this.fileReferences = new FileAccess(store);
  }

  static async open(options: EmbeddedHistoryOptions): Promise<EmbeddedHistory> {
    const { directory, warmRoom, durableWrites, ...logOptions } = options;
    if (directory === null) return new EmbeddedHistory(new MessageLog(logOptions), null);
    const store = await LevelMessageStore.open(directory, { durableWrites });
    const log = await MessageLog.open(warmRoom ?? null, { ...logOptions, store });
    return new EmbeddedHistory(log, store);
  }

  append(request: AppendRequest): Promise<{ message: ChatMessage; created: boolean }> {
    const { room, author, clientId, text, file } = request;
    const store = async () => {
      const { message, created, durable } = this.#log.append(room, author, clientId, text, file);
      try {
        await durable;
      } catch (error) {
        throw StorageError.fromWriteFailure(error);
      }
      return { message, created };
    };
    // A room already read appends at once: the id is taken in the order the requests came.
    return this.#log.isReady(room) ? store() : this.#log.ensure(room).then(store);
  }

  async latest(room: string, limit: number): Promise<ChatMessage[]> {
    await this.#log.ensure(room);
    return this.#log.latest(room, limit);
  }

  page(room: string, query: PageQuery, limit: number): Promise<HistoryPage> {
    return this.#log.page(room, query, limit);
  }

  async hasBefore(room: string, id: number): Promise<boolean> {
    await this.#log.ensure(room);
    return this.#log.hasBefore(room, id);
  }

  flush(): Promise<void> {
    return this.#log.flush();
  }

  close(): Promise<void> {
    return this.#log.close();
  }
}
