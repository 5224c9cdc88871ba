/**
 * Where sent files live: content-addressed under `<data>/files/<aa>/<sha256>` (the same bytes are
 * stored once), written first to `<data>/files/tmp/` while they arrive, hashed as they are
 * written, and moved into place with one rename — so a file is either whole under its hash or not
 * there at all. Servers without a data directory keep files in a temporary directory removed on
 * close, and files no message refers to any more are released after a grace period. Who may
 * read a file (the rooms it was posted to) is the history store's (storage/file-access.ts). The
 * store keeps count of the bytes its files take (counted once when it opens, then kept up to date
 * as files are stored and released) and reports the free space of its disk: the upload quotas
 * (upload-quotas.ts) read both.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import {
  mkdir,
  mkdtemp,
  open,
  readdir,
  rename,
  rm,
  stat,
  statfs,
  unlink,
  utimes,
  type FileHandle,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILE_ID } from '../shared/file-name';

/** An upload being written: its temporary file, running hash and byte count. */
export interface TempFile {
  readonly path: string;
  /** Bytes written so far (the offset the next chunk must start at). */
  readonly written: number;
}

interface OpenTempFile extends TempFile {
  handle: FileHandle;
  hash: Hash;
  written: number;
  /** Writes run one after another, in the order they were accepted. */
  queue: Promise<void>;
}

export class FileStore {
  readonly #root: string;
  readonly #tmp: string;
  /** True when the root is a throwaway directory (no data directory): removed on close. */
  readonly #ephemeral: boolean;
  readonly #open = new Set<OpenTempFile>();
  /** Bytes the stored files take (not counting uploads in progress). */
  #usedBytes = 0;

  private constructor(root: string, ephemeral: boolean) {
    this.#root = root;
    this.#tmp = join(root, 'tmp');
    this.#ephemeral = ephemeral;
  }

  /**
   * The store in `root` (null: a new temporary directory). Uploads a previous run left half
   * written are deleted: nothing half-stored survives a restart.
   */
  static async open(root: string | null): Promise<FileStore> {
    const store = root
      ? new FileStore(root, false)
      : new FileStore(await mkdtemp(join(tmpdir(), 'parley-files-')), true);
    await rm(store.#tmp, { recursive: true, force: true });
    await mkdir(store.#tmp, { recursive: true });
    store.#usedBytes = await store.#countStoredBytes();
    return store;
  }

  /** Bytes the stored files take now (uploads in progress not counted). */
  get usedBytes(): number {
    return this.#usedBytes;
  }

  /** Free bytes on the disk that holds the files (for an unprivileged process). */
  async freeBytes(): Promise<number> {
    const { bavail, bsize } = await statfs(this.#root);
    return bavail * bsize;
  }

  /** The temporary directory uploads are written in (tests look in it). */
  get tmpDirectory(): string {
    return this.#tmp;
  }

  pathOf(id: string): string {
    if (!FILE_ID.test(id)) throw new Error(`Not a file id: ${id}`);
    return join(this.#root, id.slice(0, 2), id);
  }

  /** Starts a temporary file for an upload. */
  async create(): Promise<TempFile> {
    const path = join(this.#tmp, randomBytes(16).toString('hex'));
    const handle = await open(path, 'wx');
    const file: OpenTempFile = {
      path,
      handle,
      hash: createHash('sha256'),
      written: 0,
      queue: Promise.resolve(),
    };
    this.#open.add(file);
    return file;
  }

  /**
   * Appends `data` (the caller checked that the offset follows on). The byte count moves at once,
   * so the next chunk can be checked before this one is on disk; the write itself waits its turn.
   */
  append(file: TempFile, data: Uint8Array): Promise<void> {
    const open = this.#asOpen(file);
    const at = open.written;
    open.written += data.length;
    open.hash.update(data);
    const write = open.queue.then(async () => {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await open.handle.write(data, done, data.length - done, at + done);
        done += bytesWritten;
      }
    });
    // A failed write fails the upload (the caller aborts it); later writes must not run.
    open.queue = write;
    return write;
  }

  /**
   * Finishes an upload: waits for its writes, syncs it to disk and moves it to its hash's place
   * (or deletes it when those bytes are stored already). Returns the file id.
   */
  async commit(file: TempFile): Promise<string> {
    const open = this.#asOpen(file);
    try {
      await open.queue;
      await open.handle.sync();
    } finally {
      await this.#close(open);
    }
    const id = open.hash.digest('hex');
    const target = this.pathOf(id);
    try {
      if ((await this.size(id)) !== null) {
        await unlink(open.path);
        // Fresh again: a release of these bytes waits for the message about to carry them.
        const now = new Date();
        await utimes(target, now, now);
      } else {
        await mkdir(join(this.#root, id.slice(0, 2)), { recursive: true });
        await rename(open.path, target);
        this.#usedBytes += open.written;
      }
    } catch (error) {
      await rm(open.path, { force: true });
      throw error;
    }
    return id;
  }

  /**
   * Deletes stored files no message refers to any more (see MessageStore.trim), except those
   * committed in the last `graceMs`: an upload of the same bytes may be on its way to a message.
   * Never throws; a file already gone is fine.
   */
  async release(ids: readonly string[], graceMs: number): Promise<void> {
    const cutoff = Date.now() - graceMs;
    for (const id of ids) {
      const path = this.pathOf(id);
      try {
        const info = await stat(path);
        if (info.mtimeMs > cutoff) continue;
        await unlink(path);
        this.#usedBytes -= info.size;
      } catch {
        // Gone already, or not ours to delete now: the next trim tries again.
      }
    }
  }

  /** Drops an upload: its temporary file is deleted. Never throws. */
  async abort(file: TempFile): Promise<void> {
    const open = this.#open.has(file as OpenTempFile) ? (file as OpenTempFile) : null;
    if (open) {
      await open.queue.catch(() => {});
      await this.#close(open);
    }
    await rm(file.path, { force: true }).catch(() => {});
  }

  /** The size of a stored file, or null when there is none with this id. */
  async size(id: string): Promise<number | null> {
    try {
      const info = await stat(this.pathOf(id));
      return info.isFile() ? info.size : null;
    } catch {
      return null;
    }
  }

  /** Up to `length` bytes of a stored file from `offset` (fewer at its end). */
  async read(id: string, offset: number, length: number): Promise<Buffer> {
    const handle = await open(this.pathOf(id), 'r');
    try {
      const buffer = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buffer.subarray(0, done);
    } finally {
      await handle.close();
    }
  }

  /** Deletes the uploads still open; a throwaway store is removed altogether. */
  async close(): Promise<void> {
    await Promise.all([...this.#open].map((file) => this.abort(file)));
    if (this.#ephemeral) await rm(this.#root, { recursive: true, force: true });
  }

  /** The sizes of the files under `<root>/<aa>/`, added up (the tmp folder is not counted). */
  async #countStoredBytes(): Promise<number> {
    let total = 0;
    for (const prefix of await readdir(this.#root, { withFileTypes: true })) {
      if (!prefix.isDirectory() || prefix.name === 'tmp') continue;
      const folder = join(this.#root, prefix.name);
      for (const name of await readdir(folder)) {
        const info = await stat(join(folder, name)).catch(() => null);
        if (info?.isFile()) total += info.size;
      }
    }
    return total;
  }

  #asOpen(file: TempFile): OpenTempFile {
    if (!this.#open.has(file as OpenTempFile)) throw new Error('The upload is closed.');
    return file as OpenTempFile;
  }

  async #close(file: OpenTempFile): Promise<void> {
    if (!this.#open.delete(file)) return;
    await file.handle.close().catch(() => {});
  }
}
