/**
 * Files in the UI: uploads under way or waiting for the connection (a row each, with progress,
 * Cancel, and the reason when one fails; the client sends a waiting one when it is back), downloads by file id (progress and Cancel on the file's card), and inline previews of
 * images as blob: URLs. Talks to the outside only through `ParleyApi['files']`.
 */
import { getContext, setContext } from 'svelte';
import type { ParleyApi, TransferProgress } from '../../../shared/api';
import { isPreviewable } from '../../../shared/file-name';
import type { FileAttachment } from '../../../shared/protocol';

export interface PendingUpload {
  transferId: string;
  name: string;
  size: number;
  /** Bytes the server has acknowledged. */
  done: number;
  /** Why it failed (the row stays until dismissed); null while it is under way. */
  error: string | null;
}

export interface Download {
  transferId: string;
  done: number;
  total: number;
}

/** Images larger than this are not fetched for a preview (the card still offers Download). */
export const PREVIEW_MAX_BYTES = 10 * 1024 * 1024;

export class FileTransfersState {
  readonly #files: ParleyApi['files'];
  readonly #room: () => string;
  readonly #connected: () => boolean;
  #uploads = $state<PendingUpload[]>([]);
  /** By file id. */
  #downloads = $state<Record<string, Download>>({});
  /** Why the last download of a file failed, by file id. */
  #downloadErrors = $state<Record<string, string>>({});
  // A cache of promises, not state: nothing renders from the map itself.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #previews = new Map<string, Promise<string | null>>();
  #sequence = 0;

  /**
   * `room`: where files go (the room on screen); `connected`: whether the connection is up (files
   * not sent yet wait for it meanwhile).
   */
  constructor(
    files: ParleyApi['files'],
    room: () => string,
    connected: () => boolean = () => true,
  ) {
    this.#files = files;
    this.#room = room;
    this.#connected = connected;
    files.onProgress((progress) => this.#onProgress(progress));
  }

  get uploads(): readonly PendingUpload[] {
    return this.#uploads;
  }

  /** Uploads not failed wait for the connection now (they go by themselves when it is back). */
  get waiting(): boolean {
    return !this.#connected();
  }

  downloadOf(fileId: string): Download | undefined {
    return this.#downloads[fileId];
  }

  downloadErrorOf(fileId: string): string | undefined {
    return this.#downloadErrors[fileId];
  }

  /** Sends files (picked, dropped or pasted) to the room on screen, each with its own row. */
  async send(files: readonly File[]): Promise<void> {
    await Promise.all(files.map((file) => this.#sendOne(file)));
  }

  async #sendOne(file: File): Promise<void> {
    const transferId = this.#newId('up');
    const name = file.name || 'pasted-image';
    this.#uploads = [...this.#uploads, { transferId, name, size: file.size, done: 0, error: null }];
    if (file.size === 0) {
      this.#failUpload(transferId, `${name} is empty: there is nothing to send.`);
      return;
    }
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const result = await this.#files.upload(
        { name, type: file.type, bytes },
        this.#room(),
        transferId,
      );
      if (result.ok || result.error.code === 'cancelled') {
        this.#uploads = this.#uploads.filter((upload) => upload.transferId !== transferId);
      } else {
        this.#failUpload(transferId, `${name} was not sent: ${result.error.message}`);
      }
    } catch (error) {
      this.#failUpload(transferId, `${name} was not sent: ${String(error)}`);
    }
  }

  cancelUpload(transferId: string): void {
    void this.#files.cancel(transferId);
  }

  /** Forgets a failed upload's row. */
  dismiss(transferId: string): void {
    this.#uploads = this.#uploads.filter((upload) => upload.transferId !== transferId);
  }

  /** Saves a file (the desktop app asks where; the browser downloads it). */
  async save(file: FileAttachment): Promise<void> {
    if (this.#downloads[file.id]) return;
    const transferId = this.#newId('down');
    this.#downloads = { ...this.#downloads, [file.id]: { transferId, done: 0, total: file.size } };
    const { [file.id]: _previous, ...otherErrors } = this.#downloadErrors;
    this.#downloadErrors = otherErrors;
    try {
      const result = await this.#files.save(file, transferId);
      if (!result.ok && result.error.code !== 'cancelled') {
        this.#downloadErrors = { ...this.#downloadErrors, [file.id]: result.error.message };
      }
    } catch (error) {
      this.#downloadErrors = { ...this.#downloadErrors, [file.id]: String(error) };
    } finally {
      const { [file.id]: _done, ...others } = this.#downloads;
      this.#downloads = others;
    }
  }

  cancelDownload(fileId: string): void {
    const download = this.#downloads[fileId];
    if (download) void this.#files.cancel(download.transferId);
  }

  /**
   * A blob: URL of an image to show inline (fetched once per file), or null when the file is not
   * a previewable image or could not be fetched. The bytes are labelled with the raster type
   * checked here, never with anything that could be a document.
   */
  previewUrl(file: FileAttachment): Promise<string | null> {
    if (!isPreviewable(file.type) || file.size > PREVIEW_MAX_BYTES) return Promise.resolve(null);
    let url = this.#previews.get(file.id);
    if (!url) {
      url = this.#files.preview(file).then(
        (result) => {
          if (!result.ok) {
            this.#previews.delete(file.id); // tried again next time it is shown
            return null;
          }
          const blob = new Blob([result.bytes as Uint8Array<ArrayBuffer>], { type: file.type });
          return URL.createObjectURL(blob);
        },
        () => {
          this.#previews.delete(file.id);
          return null;
        },
      );
      this.#previews.set(file.id, url);
    }
    return url;
  }

  /**
   * Lets go of every preview (out of the server: no card shows them any more), so their bytes
   * do not stay in memory for the rest of the app's life.
   */
  forgetPreviews(): void {
    const previews = [...this.#previews.values()];
    this.#previews.clear();
    for (const url of previews) {
      void url.then((shown) => {
        if (shown !== null) URL.revokeObjectURL(shown);
      });
    }
  }

  #onProgress({ transferId, done, total }: TransferProgress): void {
    if (transferId.startsWith('up-')) {
      this.#uploads = this.#uploads.map((upload) =>
        upload.transferId === transferId ? { ...upload, done } : upload,
      );
      return;
    }
    for (const [fileId, download] of Object.entries(this.#downloads)) {
      if (download.transferId === transferId) {
        this.#downloads = { ...this.#downloads, [fileId]: { transferId, done, total } };
      }
    }
  }

  #failUpload(transferId: string, error: string): void {
    this.#uploads = this.#uploads.map((upload) =>
      upload.transferId === transferId ? { ...upload, error } : upload,
    );
  }

  #newId(kind: 'up' | 'down'): string {
    this.#sequence += 1;
    return `${kind}-${Date.now().toString(36)}-${this.#sequence}`;
  }
}

const CONTEXT_KEY = Symbol('parley.files');

/** Makes the file transfers available to the components below (file cards in the messages). */
export function setFilesContext(files: () => FileTransfersState): void {
  setContext(CONTEXT_KEY, files);
}

/** The file transfers set by an ancestor; undefined where none was (cards then only describe). */
export function getFilesContext(): (() => FileTransfersState) | undefined {
  return getContext<(() => FileTransfersState) | undefined>(CONTEXT_KEY);
}
