/**
 * The highest message ids, kept beside LevelDB (PARLEY-IDS in the history folder) so that they
 * survive damage to LevelDB's own log, where `meta!lastId` sits in the same record as the
 * messages and goes with them:
 *
 * - `reserved`: no id above it has been handed out. It moves ahead in blocks, fsynced before the
 *   first id of a block is written, so it costs one fsync per ID_BLOCK ids. After a repair or a
 *   restore, new ids start above it: ids are never reused, even when messages were lost.
 * - `acknowledged`: the highest id whose write completed. Updated after each write without an
 *   fsync (a lost update only makes it lower), so it never claims more than was acknowledged;
 *   when the history ends below it, acknowledged messages are missing and Parley refuses to start.
 *
 * The file is two fixed-width lines, rewritten in place.
 */
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChatMessage } from '../../shared/protocol';
import type { MessageStore, PageQuery, RelatedWrites } from './level-message-store';

export const IDS_FILE = 'PARLEY-IDS';
/** How far `reserved` moves ahead at a time. */
export const ID_BLOCK = 1000;

export interface IdMarks {
  reserved: number;
  acknowledged: number;
}

const format = ({ reserved, acknowledged }: IdMarks) =>
  `reserved ${String(reserved).padStart(16, '0')}\nacknowledged ${String(acknowledged).padStart(16, '0')}\n`;

/** The marks in `directory`; null when there is no file; throws when it cannot be read. */
export async function readIdMarks(directory: string): Promise<IdMarks | null> {
  let text: string;
  try {
    text = await readFile(join(directory, IDS_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const match = /^reserved (\d{16})\nacknowledged (\d{16})\n$/.exec(text);
  if (!match) throw new Error(`${IDS_FILE} is unreadable`);
  return { reserved: Number(match[1]), acknowledged: Number(match[2]) };
}

/**
 * Writes the marks and waits for the disk; a new file, renamed into place, so that a failure
 * (a full disk) leaves the old marks whole.
 */
export async function writeIdMarks(directory: string, marks: IdMarks): Promise<void> {
  const path = join(directory, IDS_FILE);
  const handle = await open(`${path}.new`, 'w');
  try {
    await handle.writeFile(format(marks));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(`${path}.new`, path);
}

export class IdWatermark {
  #marks: IdMarks;
  readonly #handle: FileHandle;
  /** Updates run one after another. */
  #queue: Promise<void> = Promise.resolve();

  private constructor(handle: FileHandle, marks: IdMarks) {
    this.#handle = handle;
    this.#marks = marks;
  }

  /** Opens the marks in `directory`, starting them at `lastId` when there are none yet. */
  static async open(directory: string, lastId: number): Promise<IdWatermark> {
    let marks = await readIdMarks(directory);
    if (marks === null) {
      marks = { reserved: lastId, acknowledged: lastId };
      await writeIdMarks(directory, marks);
    }
    const handle = await open(join(directory, IDS_FILE), 'r+');
    return new IdWatermark(handle, marks);
  }

  get marks(): IdMarks {
    return { ...this.#marks };
  }

  /** Resolves once ids up to `id` are covered by `reserved` on disk. */
  reserve(id: number): Promise<void> {
    // `reserved` changes only once it is on disk: an id it covers needs no wait.
    if (id <= this.#marks.reserved) return Promise.resolve();
    return this.#update({ ...this.#marks, reserved: id + ID_BLOCK }, true);
  }

  /** Notes that ids up to `id` are acknowledged (not waited for: see the header). */
  acknowledge(id: number): void {
    if (id <= this.#marks.acknowledged) return;
    void this.#update({ ...this.#marks, acknowledged: id }, false).catch(() => {});
  }

  #update(marks: IdMarks, durable: boolean): Promise<void> {
    const next = this.#queue.then(async () => {
      const merged = {
        reserved: Math.max(marks.reserved, this.#marks.reserved),
        acknowledged: Math.max(marks.acknowledged, this.#marks.acknowledged),
      };
      await this.#handle.write(format(merged), 0);
      if (durable) await this.#handle.sync();
      this.#marks = merged;
    });
    this.#queue = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    await this.#queue;
    await this.#handle.close();
  }
}

/** A message store whose writes keep the watermark: reserve before, acknowledge after. */
export class WatermarkedStore implements MessageStore {
  constructor(
    private readonly store: MessageStore,
    private readonly watermark: IdWatermark,
  ) {}

  load(room: string, limit: number) {
    return this.store.load(room, limit);
  }

  lastId() {
    return this.store.lastId();
  }

  page(room: string, query: PageQuery, limit: number) {
    return this.store.page(room, query, limit);
  }

  trim(room: string, keep: number) {
    return this.store.trim(room, keep);
  }

  deleteRoom(room: string) {
    return this.store.deleteRoom(room);
  }

  get(room: string, id: number) {
    return this.store.get(room, id);
  }

  replies(room: string, id: number) {
    return this.store.replies(room, id);
  }

  pins(room: string) {
    return this.store.pins(room);
  }

  unreferenced(fileIds: readonly string[]) {
    return this.store.unreferenced(fileIds);
  }

  async write(messages: ChatMessage[], related?: RelatedWrites): Promise<void> {
    if (messages.length === 0) return;
    const highest = Math.max(...messages.map((message) => message.id));
    await this.watermark.reserve(highest);
    await this.store.write(messages, related);
    this.watermark.acknowledge(highest);
  }

  async close(): Promise<void> {
    try {
      await this.store.close();
    } finally {
      await this.watermark.close();
    }
  }
}
