/**
 * Sending and fetching files over a Parley connection (docs/PROTOCOL.md, "Files"): an upload is
 * `file:begin`, then chunks with a few acknowledgements outstanding at a time, then `file:end`;
 * a download is `file:read` chunk by chunk. Both report progress and stop when their AbortSignal
 * fires (an upload then tells the server, which deletes what it had). Used by ChatClient; works
 * in Node and in browsers alike.
 */
import type { Socket } from 'socket.io-client';
import { LIMITS, LOBBY } from '../shared/limits';
import { normalizeFileType } from '../shared/file-name';
import type {
  ChatMessage,
  ClientToServerEvents,
  FileAttachment,
  ServerToClientEvents,
} from '../shared/protocol';
import { fail, ok, type Result } from '../shared/result';
import { ackedRequest } from './acked-request';

type FileSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A file to send: its name, type label, size, and a way to read it piece by piece. */
export interface FileSource {
  name: string;
  type: string;
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A FileSource over bytes held in memory. */
export function bytesSource(name: string, type: string, bytes: Uint8Array): FileSource {
  return {
    name,
    type,
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
  };
}

export interface TransferOptions {
  /** Aborting it cancels the transfer (it then fails with `cancelled`). */
  signal?: AbortSignal;
  /** Bytes done so far and in all, after each chunk. */
  onProgress?: (done: number, total: number) => void;
}

export interface DownloadOptions extends TransferOptions {
  /** Receives the bytes in order instead of collecting them (then `bytes` is null). */
  onChunk?: (bytes: Uint8Array) => void | Promise<void>;
}

const CANCELLED = fail('cancelled', 'The transfer was cancelled.');
const LOST = fail('not_connected', 'The connection was lost during the transfer.');

/**
 * What ends a transfer early: the connection dropping, or the signal. `wait` races a request
 * against them; `dispose` removes the listeners.
 */
function stopper(socket: FileSocket, signal: AbortSignal | undefined) {
  let reason: Result<never> | null = signal?.aborted ? CANCELLED : null;
  let wake: (result: Result<never>) => void = () => {};
  const stopped = new Promise<Result<never>>((resolve) => {
    wake = resolve;
  });
  const stop = (result: Result<never>) => {
    reason ??= result;
    wake(reason);
  };
  const onDisconnect = () => stop(LOST);
  const onAbort = () => stop(CANCELLED);
  socket.on('disconnect', onDisconnect);
  signal?.addEventListener('abort', onAbort);
  if (reason) wake(reason);
  return {
    get reason() {
      return reason;
    },
    wait<T extends object>(request: Promise<Result<T>>): Promise<Result<T>> {
      return Promise.race([request, stopped]);
    },
    dispose() {
      socket.off('disconnect', onDisconnect);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Sends `source` to `room`; resolves with the message that carries it. `clientId`: the message's,
 * the same for each try of one file, so that the server posts it once.
 */
export async function uploadFile(
  socket: FileSocket,
  source: FileSource,
  room: string,
  options: TransferOptions & { ackTimeoutMs: number; clientId?: string },
): Promise<Result<{ message: ChatMessage }>> {
  if (!socket.connected)
    return fail('not_connected', 'Not connected: the file cannot be sent now.');
  // A fresh timeout for each request: `socket.timeout()` flags only the next emit.
  const ask = () => socket.timeout(options.ackTimeoutMs);
  const stop = stopper(socket, options.signal);
  let uploadId: string | null = null;
  try {
    const beginning = ackedRequest(() =>
      ask().emitWithAck('file:begin', {
        ...(room === LOBBY ? {} : { room }),
        name: source.name,
        type: source.type === '' ? '' : normalizeFileType(source.type),
        size: source.size,
        ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
      }),
    );
    const begun = await stop.wait(beginning);
    if (!begun.ok) {
      // Cancelled while the server was starting it: cancel it there as soon as it has an id.
      if (stop.reason) {
        void beginning.then((late) => {
          if (late.ok && socket.connected) socket.emit('file:cancel', { uploadId: late.uploadId });
        });
      }
      return begun;
    }
    uploadId = begun.uploadId;
    const id = begun.uploadId;
    const chunkSize = Math.min(begun.chunkSize, LIMITS.fileChunkBytes);
    let sent = 0;
    let acknowledged = 0;
    let failure: Result<never> | null = null;
    const inFlight = new Set<Promise<void>>();
    while (sent < source.size && failure === null && stop.reason === null) {
      const data = await source.read(sent, Math.min(chunkSize, source.size - sent));
      if (data.length === 0) {
        failure = fail('upload_incomplete', 'The file became shorter while it was being sent.');
        break;
      }
      const offset = sent;
      sent += data.length;
      const chunk: Promise<void> = ackedRequest(() =>
        ask().emitWithAck('file:chunk', { uploadId: id, offset, data }),
      ).then((result) => {
        inFlight.delete(chunk);
        if (!result.ok) {
          failure ??= result;
          return;
        }
        acknowledged += data.length;
        options.onProgress?.(acknowledged, source.size);
      });
      inFlight.add(chunk);
      if (inFlight.size >= LIMITS.fileChunkWindow) await stop.wait(raceVoid(inFlight));
    }
    if (failure === null && stop.reason === null) await stop.wait(allVoid(inFlight));
    if (stop.reason) return stop.reason;
    if (failure) return failure;
    const ended = await stop.wait(
      ackedRequest(() => ask().emitWithAck('file:end', { uploadId: id })),
    );
    if (ended.ok) uploadId = null;
    return ended.ok ? ok({ message: ended.message }) : ended;
  } finally {
    stop.dispose();
    // Whatever stopped it, the server deletes what it received (it also does on its own after
    // errors, disconnects and silence; an unknown_upload answer is fine).
    if (uploadId !== null && socket.connected) socket.emit('file:cancel', { uploadId });
  }
}

async function raceVoid(promises: Set<Promise<void>>): Promise<Result> {
  await Promise.race(promises);
  return ok({});
}

async function allVoid(promises: Set<Promise<void>>): Promise<Result> {
  await Promise.all(promises);
  return ok({});
}

/** Fetches a stored file chunk by chunk. */
export async function downloadFile(
  socket: FileSocket,
  file: FileAttachment,
  options: DownloadOptions & { ackTimeoutMs: number },
): Promise<Result<{ bytes: Uint8Array | null }>> {
  if (!socket.connected)
    return fail('not_connected', 'Not connected: the file cannot be fetched now.');
  // A fresh timeout for each request: `socket.timeout()` flags only the next emit.
  const ask = () => socket.timeout(options.ackTimeoutMs);
  const stop = stopper(socket, options.signal);
  const parts: Uint8Array[] = [];
  try {
    let offset = 0;
    while (offset < file.size) {
      const at = offset;
      const result = await stop.wait(
        ackedRequest(() =>
          ask().emitWithAck('file:read', {
            id: file.id,
            offset: at,
            length: Math.min(LIMITS.fileChunkBytes, file.size - at),
          }),
        ),
      );
      if (!result.ok) return result;
      const bytes = asBytes(result.data);
      if (bytes.length === 0) return fail('internal', 'The file ended sooner than its size said.');
      offset += bytes.length;
      if (options.onChunk) await options.onChunk(bytes);
      else parts.push(bytes);
      options.onProgress?.(offset, file.size);
    }
    if (stop.reason) return stop.reason;
    return ok({ bytes: options.onChunk ? null : concat(parts, offset) });
  } finally {
    stop.dispose();
  }
}

/** Socket.IO hands binary over as a Buffer in Node and an ArrayBuffer in browsers. */
function asBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(0);
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const all = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}
