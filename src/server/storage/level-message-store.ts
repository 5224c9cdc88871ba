/**
 * Where history lasts: messages in an embedded LevelDB database (classic-level, N-API prebuilds:
 * no compile step, works in plain Node and in Electron's main process). Keys sort by room, then
 * by id, so the newest messages of a room are one reverse range read away.
 * Over 450 lines, one job: every record the embedded store keeps (messages, rooms, identities,
 * file references, read positions, replies) is a key range of this one database, and a batch
 * writes several of them atomically.
 */
import { open as openFile, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import type { ChatMessage } from '../../shared/protocol';
import type { PageQuery, StoredIdentity, StoredRoom } from './history-store';

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
  /**
   * Deletes a room: its record first (durably: a crash after it leaves no half-deleted room
   * listed), then every message of it. `unreferenced` as for trim.
   */
  deleteRoom(room: string): Promise<{ unreferenced: string[] }>;
  /**
   * Writes messages atomically, with what they change (`related`) in the same write; resolves
   * once they are on disk (fsynced). With `related.erase` the earlier versions of the rewritten
   * messages are gone from the files too before it resolves.
   */
  write(messages: ChatMessage[], related?: RelatedWrites): Promise<void>;
  /** Message (or change entry) `id` of `room` as stored, or null. */
  get(room: string, id: number): Promise<ChatMessage | null>;
  /** The ids of the replies to message `id` of `room`. */
  replies(room: string, id: number): Promise<number[]>;
  /** The ids of the messages of `room` pinned now. */
  pins(room: string): Promise<number[]>;
  /** Which of `fileIds` no stored message carries any more. */
  unreferenced(fileIds: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

/** A stored message replaced by a new version of it (a change entry updated it). */
export interface Rewrite {
  before: ChatMessage;
  after: ChatMessage;
}

/** What a batch of change entries changes besides storing themselves. */
export interface RelatedWrites {
  rewrites: Rewrite[];
  /** File references that deleted messages held. */
  released: { fileId: string; room: string; id: number }[];
  /** True when a message was deleted: its earlier versions must leave the files as well. */
  erase: boolean;
}

const LAST_ID_KEY = 'meta!lastId';
/**
 * Writes that are acknowledged wait for the disk (LevelDB's `sync`: the log is fsynced), so an
 * acknowledged message survives a power loss or a kernel crash, not only a crash of the process.
 * The message log's group commit makes that one fsync per batch, however many messages wait.
 */
const DURABLE = { sync: true } as const;
const NOT_DURABLE = { sync: false } as const;

export interface LevelMessageStoreOptions {
  /**
   * False: writes are not fsynced (they survive a crash of the process, not of the machine).
   * Only the benchmark uses it, to measure what durability costs. Default true.
   */
  durableWrites?: boolean;
  /**
   * Where the operator hears about trouble: LevelDB's own complaints when the store reopens the
   * database after a failed write (the half-written record it dropped, in its words from the LOG
   * file in the folder; damage found by `open` refuses instead, see history-damage.ts), and writes
   * failing (once when they start, once when they work again, not once per refused message).
   * Default console.warn.
   */
  onWarning?: (warning: string) => void;
}

/**
 * Whether the disk has room to start a fresh log: writes (and deletes) a file as big as the logs
 * LevelDB will turn into a table, and a megabyte more. Throws the disk's error (ENOSPC) if not.
 */
async function checkRoom(directory: string): Promise<void> {
  let needed = 1 << 20;
  for (const name of await readdir(directory)) {
    if (name.endsWith('.log')) needed += (await stat(join(directory, name))).size;
  }
  const path = join(directory, 'parley-room-check');
  const file = await openFile(path, 'w');
  try {
    const block = Buffer.alloc(1 << 20);
    for (let written = 0; written < needed; written += block.length) await file.write(block);
    await file.sync();
  } finally {
    await file.close();
    await unlink(path).catch(() => {});
  }
}
/** Table files LevelDB may hold open at once (see open). */
const MAX_OPEN_TABLES = 64;
const messageKey = (room: string, id: number) => `msg!${room}!${String(id).padStart(16, '0')}`;
/** One key per message that carries a file: which files are still referenced, and where. */
const fileReferenceKey = (fileId: string, room: string, id: number) =>
  `fileref!${fileId}!${room}!${String(id).padStart(16, '0')}`;
/** One key per reply: `reply!room!answered!reply`, so that a delete finds the quotes to erase. */
const replyKey = (room: string, answered: number, id: number) =>
  `reply!${room}!${String(answered).padStart(16, '0')}!${String(id).padStart(16, '0')}`;
/** One key per pinned message. */
const pinKey = (room: string, id: number) => `pin!${room}!${String(id).padStart(16, '0')}`;

type Operation = { type: 'put'; key: string; value: unknown } | { type: 'del'; key: string };

/**
 * Writes go through one queue (see #guarded). A write that fails half-way (disk full) can leave a
 * half-written record at the end of LevelDB's log, and LevelDB keeps appending after it: on the
 * next open it drops everything from that record on, acknowledged writes included. So after a
 * failed write the store starts a fresh log before it writes again (#repair), and deletes the
 * keys of the failed write in case its record did reach the disk whole. Reads go on meanwhile;
 * only when the database must be reopened do they wait for that (see read).
 */
export class LevelMessageStore implements MessageStore {
  readonly #directory: string;
  readonly #writeOptions: { sync: boolean };
  readonly #onWarning: (warning: string) => void;
  /**
   * What undoes the writes that failed (deletes of their new keys, the earlier values of what
   * they replaced); non-null: the log must be started afresh before writing.
   */
  #failedKeys: Operation[] | null = null;
  #writes: Promise<unknown> = Promise.resolve();
  /** True from a failed write until one succeeds again (see #guarded). */
  #failing = false;
  /** Reads in progress, and what a reopening waits on until there are none. */
  #reads = 0;
  #readsDone: (() => void) | null = null;
  /** While the database is being reopened: reads wait for it. */
  #reopening: Promise<void> | null = null;

  private constructor(
    readonly db: ClassicLevel<string, unknown>,
    directory: string,
    options: LevelMessageStoreOptions,
  ) {
    this.#directory = directory;
    this.#writeOptions = options.durableWrites === false ? NOT_DURABLE : DURABLE;
    this.#onWarning = options.onWarning ?? ((warning) => console.warn('[parley]', warning));
  }

  /**
   * Opens the history in `directory`, creating it only where none existed. Refuses
   * (`data_damaged`) a folder that is damaged, naming the damage and what to do: see
   * history-damage.ts.
   */
  static async open(
    directory: string,
    options: LevelMessageStoreOptions = {},
  ): Promise<LevelMessageStore> {
    const before = await inspectBeforeOpen(directory);
    if (before.damage !== null) throw damagedError(directory, before.damage);
    const db = new ClassicLevel<string, unknown>(directory, {
      valueEncoding: 'json',
      createIfMissing: before.fresh,
      // LevelDB keeps up to this many table files open (its default, 1,000, is a whole
      // `ulimit -n` of 1,024): the server's descriptors go to connections and uploads first.
      maxOpenFiles: MAX_OPEN_TABLES,
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
    return new LevelMessageStore(db, directory, options);
  }

  async #reportDamage(when: string): Promise<void> {
    const lines = await damageReportedByLevelDb(this.#directory);
    if (lines.length === 0) return;
    this.#onWarning(
      `LevelDB found damaged records in the history in ${this.#directory} ${when} and skipped ` +
        `them (its LOG file in that folder says more):\n${lines.join('\n')}`,
    );
  }

  /**
   * Runs `write` after every earlier write, first repairing the log if one failed. When it fails,
   * `keys` (new keys, deleted by the repair) or undo operations are remembered for the repair.
   */
  #guarded(keys: Array<string | Operation>, write: () => Promise<void>): Promise<void> {
    const run = async () => {
      try {
        if (this.#failedKeys) await this.#repair(this.#failedKeys);
      } catch (error) {
        this.#writesFail(error);
        throw error;
      }
      try {
        await write();
      } catch (error) {
        const undo = keys.map((key) =>
          typeof key === 'string' ? { type: 'del' as const, key } : key,
        );
        this.#failedKeys = [...(this.#failedKeys ?? []), ...undo];
        this.#writesFail(error);
        throw error;
      }
      if (this.#failing) {
        this.#failing = false;
        this.#onWarning(`Writing to the history in ${this.#directory} works again.`);
      }
    };
    const done = this.#writes.then(run, run);
    this.#writes = done.catch(() => {});
    return done;
  }

  #writesFail(error: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    const reasons: string[] = [];
    for (let cause = error; cause instanceof Error; cause = cause.cause) {
      reasons.push(cause.message);
    }
    this.#onWarning(
      `Cannot write to the history in ${this.#directory} (${reasons.join(': ')}). Messages are ` +
        'refused until writing works again; free some space if the disk is full.',
    );
  }

  /**
   * Starts a fresh log once the disk has room again (until then it fails, the database
   * untouched, and the next write tries again): LevelDB writes what it holds in memory into a
   * table and drops the damaged log (compactRange of an empty range does only that). LevelDB
   * refuses every write after some failures (a failed fsync or table write) until it is opened
   * again; then the database is closed and opened, LevelDB reads the damaged log once (the
   * half-written record is at its end: nothing acknowledged follows it) and starts a fresh one.
   * Then deletes whatever the failed writes may have left.
   */
  async #repair(failedKeys: Operation[]): Promise<void> {
    await checkRoom(this.#directory);
    try {
      await this.db.compactRange('\x00', '\x00');
    } catch {
      await this.#reopen();
    }
    await this.db.batch(failedKeys, this.#writeOptions);
    this.#failedKeys = null;
  }

  async #reopen(): Promise<void> {
    let reopened!: () => void;
    this.#reopening = new Promise((resolve) => (reopened = resolve));
    try {
      if (this.#reads > 0) await new Promise<void>((resolve) => (this.#readsDone = resolve));
      if (this.db.status !== 'closed') await this.db.close();
      await this.db.open();
      const knownDamage = 'after a write failed (the half-written record of that write)';
      await this.#reportDamage(knownDamage).catch(() => {});
    } finally {
      this.#reopening = null;
      reopened();
    }
  }

  /** Runs a read of the database, not while it is being reopened (see #reopen). */
  async read<T>(read: (db: ClassicLevel<string, unknown>) => Promise<T>): Promise<T> {
    while (this.#reopening) await this.#reopening;
    this.#reads += 1;
    try {
      return await read(this.db);
    } finally {
      this.#reads -= 1;
      if (this.#reads === 0) {
        this.#readsDone?.();
        this.#readsDone = null;
      }
    }
  }

  async load(room: string, limit: number): Promise<{ messages: ChatMessage[]; lastId: number }> {
    const prefix = `msg!${room}!`;
    return this.read(async (db) => {
      const newestFirst = await db
        .values({ gt: prefix, lt: `${prefix}\xff`, reverse: true, limit })
        .all();
      const lastId = Number((await db.get(LAST_ID_KEY)) ?? 0);
      return { messages: (newestFirst as ChatMessage[]).reverse(), lastId };
    });
  }

  async rooms(): Promise<StoredRoom[]> {
    const rooms = await this.read((db) => db.values({ gt: 'room!', lt: 'room!\xff' }).all());
    return rooms as StoredRoom[];
  }

  saveRoom(room: StoredRoom): Promise<void> {
    return this.put(`room!${room.id}`, room);
  }

  async identities(): Promise<StoredIdentity[]> {
    const people = await this.read((db) => db.values({ gt: 'person!', lt: 'person!\xff' }).all());
    return people as StoredIdentity[];
  }

  /** Stores identities in one durable write (a storm of newcomers is one fsync, not thousands). */
  saveIdentities(identities: readonly StoredIdentity[]): Promise<void> {
    const operations = identities.map((identity) => ({
      type: 'put' as const,
      key: `person!${identity.id}`,
      value: identity,
    }));
    return this.#guarded([], () => this.db.batch(operations, this.#writeOptions));
  }

  /** Every read position kept: `person`, `room` and the newest message id they read there. */
  async readPositions(): Promise<Array<{ person: string; room: string; id: number }>> {
    const entries = await this.read((db) => db.iterator({ gt: 'read!', lt: 'read!\xff' }).all());
    return entries.map(([key, id]) => {
      const [, person = '', room = ''] = key.split('!');
      return { person, room, id: Number(id) };
    });
  }

  /** Stores a read position (ids never hold the separator: see roomIdSchema). */
  saveReadPosition(person: string, room: string, id: number): Promise<void> {
    return this.put(`read!${person}!${room}`, id);
  }

  /** Writes one key, in the write queue and as durably as messages (see #guarded). */
  put(key: string, value: unknown): Promise<void> {
    // A key that existed before keeps existing if this write fails: only new keys are undone.
    return this.#guarded([], () => this.db.put(key, value, this.#writeOptions));
  }

  async lastId(): Promise<number> {
    return Number((await this.read((db) => db.get(LAST_ID_KEY))) ?? 0);
  }

  async page(room: string, query: PageQuery, limit: number): Promise<ChatMessage[]> {
    const prefix = `msg!${room}!`;
    if (query.before === undefined) {
      const values = await this.read((db) =>
        db.values({ gt: messageKey(room, query.after), lt: `${prefix}\xff`, limit }).all(),
      );
      return values as ChatMessage[];
    }
    const newestFirst = await this.read((db) =>
      db.values({ gt: prefix, lt: messageKey(room, query.before), reverse: true, limit }).all(),
    );
    return (newestFirst as ChatMessage[]).reverse();
  }

  async trim(room: string, keep: number): Promise<{ trimmed: boolean; unreferenced: string[] }> {
    const prefix = `msg!${room}!`;
    // The newest message to delete is the (keep + 1)-th newest; everything up to it goes.
    const newest = await this.read((db) =>
      db.keys({ gt: prefix, lt: `${prefix}\xff`, reverse: true, limit: keep + 1 }).all(),
    );
    const newestToDelete = newest[keep];
    if (newestToDelete === undefined) return { trimmed: false, unreferenced: [] };
    return { trimmed: true, unreferenced: await this.#deleteMessages(room, newestToDelete) };
  }

  async deleteRoom(room: string): Promise<{ unreferenced: string[] }> {
    await this.db.del(`room!${room}`, DURABLE);
    await this.#guarded([], async () => {
      await this.db.clear({ gt: `reply!${room}!`, lt: `reply!${room}!\xff` });
      await this.db.clear({ gt: `pin!${room}!`, lt: `pin!${room}!\xff` });
    });
    const prefix = `msg!${room}!`;
    const [newest] = await this.db
      .keys({ gt: prefix, lt: `${prefix}\xff`, reverse: true, limit: 1 })
      .all();
    return { unreferenced: newest === undefined ? [] : await this.#deleteMessages(room, newest) };
  }

  /** Deletes the messages of `room` up to key `newestToDelete`; returns the files left unreferenced. */
  async #deleteMessages(room: string, newestToDelete: string): Promise<string[]> {
    const prefix = `msg!${room}!`;
    // The files the deleted messages carry lose those references.
    const released: { fileId: string; key: string }[] = [];
    await this.read(async (db) => {
      for await (const value of db.values({ gt: prefix, lte: newestToDelete })) {
        const message = value as ChatMessage;
        if (message.file) {
          const key = fileReferenceKey(message.file.id, message.room, message.id);
          released.push({ fileId: message.file.id, key });
        }
      }
    });
    await this.#guarded([], async () => {
      await this.db.batch(released.map(({ key }) => ({ type: 'del' as const, key })));
      await this.db.clear({ gt: prefix, lte: newestToDelete });
    });
    const unreferenced: string[] = [];
    for (const fileId of new Set(released.map((reference) => reference.fileId))) {
      const references = `fileref!${fileId}!`;
      const left = await this.read((db) =>
        db.keys({ gt: references, lt: `${references}\xff`, limit: 1 }).all(),
      );
      if (left.length === 0) unreferenced.push(fileId);
    }
    return unreferenced;
  }

  async get(room: string, id: number): Promise<ChatMessage | null> {
    const value = await this.read((db) => db.get(messageKey(room, id)));
    return (value as ChatMessage | undefined) ?? null;
  }

  async replies(room: string, id: number): Promise<number[]> {
    const prefix = `reply!${room}!${String(id).padStart(16, '0')}!`;
    const keys = await this.read((db) => db.keys({ gt: prefix, lt: `${prefix}\xff` }).all());
    return keys.map((key) => Number(key.slice(prefix.length)));
  }

  async pins(room: string): Promise<number[]> {
    const prefix = `pin!${room}!`;
    const keys = await this.read((db) => db.keys({ gt: prefix, lt: `${prefix}\xff` }).all());
    return keys.map((key) => Number(key.slice(prefix.length)));
  }

  async unreferenced(fileIds: readonly string[]): Promise<string[]> {
    const unreferenced: string[] = [];
    for (const fileId of new Set(fileIds)) {
      const references = `fileref!${fileId}!`;
      const left = await this.read((db) =>
        db.keys({ gt: references, lt: `${references}\xff`, limit: 1 }).all(),
      );
      if (left.length === 0) unreferenced.push(fileId);
    }
    return unreferenced;
  }

  async write(messages: ChatMessage[], related?: RelatedWrites): Promise<void> {
    if (messages.length === 0) return;
    const lastId = Math.max(...messages.map((message) => message.id));
    const rewrites = related?.rewrites ?? [];
    const undo: Operation[] = [];
    const changes: Operation[] = [];
    for (const { before, after } of rewrites) {
      const key = messageKey(after.room, after.id);
      changes.push({ type: 'put', key, value: after });
      undo.push({ type: 'put', key, value: before });
      if (Boolean(before.pinned) !== Boolean(after.pinned)) {
        const pin = pinKey(after.room, after.id);
        changes.push(
          after.pinned ? { type: 'put', key: pin, value: 1 } : { type: 'del', key: pin },
        );
        undo.push(after.pinned ? { type: 'del', key: pin } : { type: 'put', key: pin, value: 1 });
      }
    }
    for (const { fileId, room, id } of related?.released ?? []) {
      const key = fileReferenceKey(fileId, room, id);
      changes.push({ type: 'del', key });
      undo.push({ type: 'put', key, value: 1 });
    }
    const puts: Array<{ type: 'put'; key: string; value: unknown }> = [
      ...messages.map((message) => ({
        type: 'put' as const,
        key: messageKey(message.room, message.id),
        value: message,
      })),
      ...messages.flatMap((message) =>
        message.reply
          ? [
              {
                type: 'put' as const,
                key: replyKey(message.room, message.reply.id, message.id),
                value: 1,
              },
            ]
          : [],
      ),
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
    const added = puts.filter((put) => put.key !== LAST_ID_KEY).map((put) => put.key);
    await this.#guarded([...added, ...undo], () =>
      this.db.batch([...puts, ...changes], this.#writeOptions),
    );
    if (related?.erase) await this.#erase(rewrites.map(({ after }) => after));
  }

  /**
   * Rewrites that erased text (a delete): LevelDB keeps earlier versions of a key in its log and
   * tables until a compaction drops them, so the range of the rewritten keys is compacted now
   * (the memory table goes to a table, the old log is dropped, the range's tables merged).
   */
  async #erase(rewritten: ChatMessage[]): Promise<void> {
    const keys = rewritten.map((message) => messageKey(message.room, message.id)).sort();
    const first = keys[0];
    const last = keys.at(-1);
    if (first === undefined || last === undefined) return;
    try {
      await this.#guarded([], () => this.db.compactRange(first, last));
    } catch (error) {
      this.#onWarning(
        `Could not compact the history after a message was deleted: earlier versions of it may ` +
          `stay in the files until LevelDB compacts them (${(error as Error).message}).`,
      );
    }
  }

  async close(): Promise<void> {
    await this.#writes;
    if (this.db.status !== 'closed') await this.db.close();
  }
}
