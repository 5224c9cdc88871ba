/**
 * The transfers under way, by the id the UI gave each: the `files` part of the ParleyApi contract
 * over one ChatClient, shared by the web client's bridge and the desktop main process. Checks
 * every argument (the caller may be an untrusted page), reports progress by transfer id, and
 * cancels by it.
 */
import type { OutgoingFile, TransferProgress, Unsubscribe } from '../shared/api';
import { isPreviewable } from '../shared/file-name';
import type { ChatMessage, FileAttachment } from '../shared/protocol';
import { fail, ok, type Result } from '../shared/result';
import {
  describeIssues,
  fileAttachmentSchema,
  roomIdSchema,
  transferIdSchema,
} from '../shared/schemas';
import type { ChatClient } from './chat-client';
import { bytesSource } from './file-transfer';

export class FileTransfers {
  readonly #client: ChatClient;
  readonly #running = new Map<string, AbortController>();
  readonly #listeners = new Set<(progress: TransferProgress) => void>();

  constructor(client: ChatClient) {
    this.#client = client;
  }

  onProgress(listener: (progress: TransferProgress) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async upload(
    file: unknown,
    room: unknown,
    transferId: unknown,
  ): Promise<Result<{ message: ChatMessage }>> {
    const outgoing = checkOutgoing(file);
    if (!outgoing) return fail('invalid_payload', 'The file must have a name, a type and bytes.');
    if (!roomIdSchema.safeParse(room).success) return fail('invalid_payload', 'Not a room.');
    return this.#run(transferId, (options) =>
      this.#client.sendFile(
        bytesSource(outgoing.name, outgoing.type, outgoing.bytes),
        room as string,
        options,
      ),
    );
  }

  /** Fetches a file's bytes (`onChunk`: hands them over chunk by chunk instead). */
  async download(
    file: unknown,
    transferId: unknown,
    onChunk?: (bytes: Uint8Array) => void | Promise<void>,
  ): Promise<Result<{ bytes: Uint8Array | null; file: FileAttachment }>> {
    const parsed = fileAttachmentSchema.safeParse(file);
    if (!parsed.success) return fail('invalid_payload', describeIssues(parsed.error, file));
    const result = await this.#run(transferId, (options) =>
      this.#client.downloadFile(parsed.data, { ...options, ...(onChunk ? { onChunk } : {}) }),
    );
    return result.ok ? ok({ bytes: result.bytes, file: parsed.data }) : result;
  }

  /** An image's bytes for a preview: only the raster types that are shown inline. */
  async preview(file: unknown): Promise<Result<{ bytes: Uint8Array }>> {
    const parsed = fileAttachmentSchema.safeParse(file);
    if (!parsed.success) return fail('invalid_payload', describeIssues(parsed.error, file));
    if (!isPreviewable(parsed.data.type)) {
      return fail('invalid_payload', 'Only png, jpeg, gif and webp images are previewed.');
    }
    const result = await this.#client.downloadFile(parsed.data);
    return result.ok ? ok({ bytes: result.bytes ?? new Uint8Array(0) }) : result;
  }

  cancel(transferId: unknown): Result {
    if (!transferIdSchema.safeParse(transferId).success) {
      return fail('invalid_payload', 'Not a transfer id.');
    }
    this.#running.get(transferId as string)?.abort();
    return ok({});
  }

  async #run<T extends object>(
    transferId: unknown,
    transfer: (options: {
      signal: AbortSignal;
      onProgress: (done: number, total: number) => void;
    }) => Promise<Result<T>>,
  ): Promise<Result<T>> {
    const id = transferIdSchema.safeParse(transferId);
    if (!id.success) return fail('invalid_payload', 'Not a transfer id.');
    if (this.#running.has(id.data)) {
      return fail('invalid_payload', 'A transfer with this id is under way.');
    }
    const controller = new AbortController();
    this.#running.set(id.data, controller);
    try {
      return await transfer({
        signal: controller.signal,
        onProgress: (done, total) => {
          for (const listener of this.#listeners) listener({ transferId: id.data, done, total });
        },
      });
    } finally {
      this.#running.delete(id.data);
    }
  }
}

function checkOutgoing(file: unknown): OutgoingFile | null {
  if (typeof file !== 'object' || file === null) return null;
  const { name, type, bytes } = file as Record<string, unknown>;
  if (typeof name !== 'string' || typeof type !== 'string') return null;
  if (!(bytes instanceof Uint8Array)) return null;
  return { name, type, bytes };
}
