/**
 * The embedded history store, Parley's default: an in-memory log of each room's recent messages
 * (ids, de-duplication, group commits: message-log.ts) over a LevelDB database in the data
 * directory (level-message-store.ts), with the rooms, identities, read positions
 * (read-positions.ts) and file references in the same database
 * and the highest ids beside it (id-watermark.ts), so that damage that loses messages is found.
 * Without a directory everything lives only as long as the process (tests, throwaway servers).
 */
import type { ChatMessage } from '../../shared/protocol';
import { FileAccess } from './file-access';
import type {
  AppendRequest,
  FileReferences,
  HistoryPage,
  HistoryStore,
  IdentityStore,
  PageQuery,
  ReadPositionStore,
  RoomStore,
} from './history-store';
import { EmbeddedReadPositions } from './read-positions';
import { MemoryAdminTokens, MemoryLinkCodes, StorageError } from './history-store';
import { LevelMessageStore } from './level-message-store';
import { MessageLog, type MessageLogOptions } from './message-log';
import { damagedError } from './history-damage';
import { IdWatermark, WatermarkedStore, type IdMarks } from './id-watermark';

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
  readonly identities: IdentityStore;
  readonly readPositions: ReadPositionStore;
  readonly fileReferences: FileReferences;
  readonly adminTokens = new MemoryAdminTokens();
  readonly linkCodes = new MemoryLinkCodes();
  readonly #log: MessageLog;
  readonly #store: LevelMessageStore | null;
  readonly #watermark: IdWatermark | null;

  private constructor(
    log: MessageLog,
    store: LevelMessageStore | null,
    readPositions: ReadPositionStore,
    watermark: IdWatermark | null = null,
  ) {
    this.readPositions = readPositions;
    this.#log = log;
    this.#store = store;
    this.#watermark = watermark;
    this.rooms = {
      rooms: async () => (await store?.rooms()) ?? [],
      saveRoom: async (room) => await store?.saveRoom(room),
      deleteRoom: (id) => log.deleteRoom(id),
    };
    this.identities = {
      identities: async () => (await store?.identities()) ?? [],
      saveIdentities: async (identities) => await store?.saveIdentities(identities),
    };
    this.fileReferences = new FileAccess(store);
  }

  static async open(options: EmbeddedHistoryOptions): Promise<EmbeddedHistory> {
    const { directory, warmRoom, durableWrites, ...logOptions } = options;
    if (directory === null) {
      return new EmbeddedHistory(
        new MessageLog(logOptions),
        null,
        await EmbeddedReadPositions.open(null),
      );
    }
    const store = await LevelMessageStore.open(directory, { durableWrites });
    const watermark = await openWatermark(directory, store);
    const log = await MessageLog.open(warmRoom ?? null, {
      ...logOptions,
      store: new WatermarkedStore(store, watermark),
    });
    return new EmbeddedHistory(log, store, await EmbeddedReadPositions.open(store), watermark);
  }

  /** The LevelDB database (backups read a snapshot of it); null in memory. */
  get database(): LevelMessageStore['db'] | null {
    return this.#store?.db ?? null;
  }

  /** The id marks (backups carry `reserved`, so a restore never reuses ids); null in memory. */
  get idMarks(): IdMarks | null {
    return this.#watermark?.marks ?? null;
  }

  append(request: AppendRequest): Promise<{ message: ChatMessage; created: boolean }> {
    const { room, author, clientId, text, file, replyTo, change, mentions } = request;
    if (replyTo !== undefined || change !== undefined) {
      return this.#stored(
        this.#log.appendRelated(room, author, clientId, { text, replyTo, change, mentions }),
      );
    }
    const store = async () => {
      const { message, created, durable } = this.#log.append(
        room,
        author,
        clientId,
        text,
        file,
        mentions,
      );
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

  /** A reply or change once it is durable (see append). */
  async #stored(
    appended: Promise<{ message: ChatMessage; created: boolean; durable: Promise<void> }>,
  ): Promise<{ message: ChatMessage; created: boolean }> {
    const { message, created, durable } = await appended;
    try {
      await durable;
    } catch (error) {
      throw StorageError.fromWriteFailure(error);
    }
    return { message, created };
  }

  find(room: string, id: number): Promise<ChatMessage | null> {
    return this.#log.find(room, id);
  }

  pinned(room: string): Promise<ChatMessage[]> {
    return this.#log.pinned(room);
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

/**
 * The store's id marks; refuses (`data_damaged`) when messages that were acknowledged are
 * missing from it (LevelDB's log lost its end: it says nothing about that) or the marks are
 * unreadable.
 */
async function openWatermark(directory: string, store: LevelMessageStore): Promise<IdWatermark> {
  let damage: string | null = null;
  let watermark: IdWatermark | null = null;
  const lastId = await store.lastId();
  try {
    watermark = await IdWatermark.open(directory, lastId);
    const { acknowledged } = watermark.marks;
    if (acknowledged > lastId) {
      damage =
        `messages up to id ${acknowledged} were acknowledged, but it ends at id ${lastId} ` +
        `(${acknowledged - lastId} ids missing)`;
    }
  } catch (error) {
    damage = `its id marks cannot be read (${(error as Error).message})`;
  }
  if (damage === null) return watermark!;
  await watermark?.close();
  await store.close();
  throw damagedError(directory, damage);
}
