/**
 * Where history lasts: messages in an embedded LevelDB database (classic-level, N-API prebuilds:
 * no compile step, works in plain Node and in Electron's main process). Keys sort by room, then
 * by id, so the newest messages of a room are one reverse range read away.
 */
import { ClassicLevel } from 'classic-level';
import type { ChatMessage } from '../../shared/protocol';
import type { PageQuery, StoredRoom } from './history-store';

export type { PageQuery, StoredRoom };
import { ChatServerError } from '../errors';
import {
  damageReportedByLevelDb,
  damagedError,
  inspectBeforeOpen,
  openFailure,
  recordDamage,
} from './history-damage';

export interface MessageStore {
  /** The newest `limit` messages of `room`, oldest first, and the highest id ever stored. */
  load(room: string, limit: number): Promise<{ messages: ChatMessage[]; lastId: number }>;
  /** The highest message id ever stored, in any room (0 when none). */
  lastId(): Promise<number>;
  /**
   * Up to `limit` messages of `room` right after id `after`, or right before id `before`,
   * oldest first.
   */
  page(room: string, query: PageQuery, limit: number): Promise<ChatMessage[]>;
  /**
   * Deletes all but the newest `keep` messages of `room`. `trimmed`: whether any went;
   * `unreferenced`: ids of files that a deleted message carried and no message kept carries.
   */
  trim(room: string, keep: number): Promise<{ trimmed: boolean; unreferenced: string[] }>;
  /** Writes messages atomically; resolves once they are on disk (fsynced). */
  write(messages: ChatMessage[]): Promise<void>;
  close(): Promise<void>;
}

const LAST_ID_KEY = 'meta!lastId';
/**
 * Writes that are acknowledged wait for the disk (LevelDB's `sync`: the log is fsynced), so an
 * acknowledged message survives a power loss or a kernel crash, not only a crash of the process.
 * The message log's group commit makes that one fsync per batch, however many messages wait.
 */
const DURABLE = { sync: true } as const;
const messageKey = (room: string, id: number) => `msg!${room}!${String(id).padStart(16, '0')}`;
/** One key per message that carries a file: which files are still referenced, and where. */
const fileReferenceKey = (fileId: string, room: string, id: number) =>
  `fileref!${fileId}!${room}!${String(id).padStart(16, '0')}`;

export class LevelMessageStore implements MessageStore {
  private constructor(readonly db: ClassicLevel<string, unknown>) {}

  /**
   * Opens the history in `directory`, creating it only where none existed. Refuses
   * (`data_damaged`) a folder that is damaged, naming the damage and what to do: see
   * history-damage.ts.
   */
  static async open(directory: string): Promise<LevelMessageStore> {
    const before = await inspectBeforeOpen(directory);
    if (before.damage !== null) throw damagedError(directory, before.damage);
    const db = new ClassicLevel<string, unknown>(directory, {
      valueEncoding: 'json',
      createIfMissing: before.fresh,
    });
    try {
      await db.open();
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED' || /lock/i.test(String((error as Error).message))) {
        throw new ChatServerError(
          'data_in_use',
          `The data directory ${directory} is in use by another Parley server.`,
        );
      }
      if (cause?.code === 'LEVEL_CORRUPTION') {
        throw damagedError(
          directory,
          await openFailure(directory, cause.message ?? 'no cause given'),
        );
      }
      throw new ChatServerError(
        'data_unavailable',
        `Cannot open the history in ${directory}: ${(error as Error).message}${cause?.message ? ` (${cause.message})` : ''}`,
      );
    }
    // LevelDB has already dropped what it could not read: write it down, so every start refuses.
    const dropped = await damageReportedByLevelDb(directory);
    if (dropped.length > 0) {
      const damage = `LevelDB could not read part of it and dropped it (${dropped.join('; ')})`;
      await recordDamage(directory, damage).finally(() => db.close());
      throw damagedError(directory, damage);
    }
    return new LevelMessageStore(db);
  }

  async load(room: string, limit: number): Promise<{ messages: ChatMessage[]; lastId: number }> {
    const prefix = `msg!${room}!`;
    const newestFirst = await this.db
      .values({ gt: prefix, lt: `${prefix}\xff`, reverse: true, limit })
      .all();
    const lastId = Number((await this.db.get(LAST_ID_KEY)) ?? 0);
    return { messages: (newestFirst as ChatMessage[]).reverse(), lastId };
  }

  async rooms(): Promise<StoredRoom[]> {
    return (await this.db.values({ gt: 'room!', lt: 'room!\xff' }).all()) as StoredRoom[];
  }

  async saveRoom(room: StoredRoom): Promise<void> {
    await this.db.put(`room!${room.id}`, room, DURABLE);
  }

  async lastId(): Promise<number> {
    return Number((await this.db.get(LAST_ID_KEY)) ?? 0);
  }

  async page(room: string, query: PageQuery, limit: number): Promise<ChatMessage[]> {
    const prefix = `msg!${room}!`;
    if (query.before === undefined) {
      const values = await this.db
        .values({ gt: messageKey(room, query.after), lt: `${prefix}\xff`, limit })
        .all();
      return values as ChatMessage[];
    }
    const newestFirst = await this.db
      .values({ gt: prefix, lt: messageKey(room, query.before), reverse: true, limit })
      .all();
    return (newestFirst as ChatMessage[]).reverse();
  }

  async trim(room: string, keep: number): Promise<{ trimmed: boolean; unreferenced: string[] }> {
    const prefix = `msg!${room}!`;
    // The newest message to delete is the (keep + 1)-th newest; everything up to it goes.
    const newest = await this.db
      .keys({ gt: prefix, lt: `${prefix}\xff`, reverse: true, limit: keep + 1 })
      .all();
    const newestToDelete = newest[keep];
    if (newestToDelete === undefined) return { trimmed: false, unreferenced: [] };
    // The files the deleted messages carry lose those references.
    const released: { fileId: string; key: string }[] = [];
    for await (const value of this.db.values({ gt: prefix, lte: newestToDelete })) {
      const message = value as ChatMessage;
      if (message.file) {
        const key = fileReferenceKey(message.file.id, message.room, message.id);
        released.push({ fileId: message.file.id, key });
      }
    }
    await this.db.batch(released.map(({ key }) => ({ type: 'del' as const, key })));
    await this.db.clear({ gt: prefix, lte: newestToDelete });
    const unreferenced: string[] = [];
    for (const fileId of new Set(released.map((reference) => reference.fileId))) {
      const references = `fileref!${fileId}!`;
      const left = await this.db.keys({ gt: references, lt: `${references}\xff`, limit: 1 }).all();
      if (left.length === 0) unreferenced.push(fileId);
    }
    return { trimmed: true, unreferenced };
  }

  async write(messages: ChatMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const lastId = Math.max(...messages.map((message) => message.id));
    const puts: Array<{ type: 'put'; key: string; value: unknown }> = [
      ...messages.map((message) => ({
        type: 'put' as const,
        key: messageKey(message.room, message.id),
        value: message,
      })),
      ...messages.flatMap((message) =>
        message.file
          ? [
              {
                type: 'put' as const,
                key: fileReferenceKey(message.file.id, message.room, message.id),
                value: 1,
              },
            ]
          : [],
      ),
      { type: 'put', key: LAST_ID_KEY, value: lastId },
    ];
    await this.db.batch(puts, DURABLE);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
