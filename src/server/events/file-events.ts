/**
 * The file events of one connection: uploads (`file:begin`, `file:chunk`, `file:end`,
 * `file:cancel`) and downloads (`file:read`), over the Socket.IO connection itself — so the
 * passphrase, removing someone, TLS and room membership apply to files as to messages. An upload
 * is written to a temporary file and hashed as it arrives; only a complete one is moved into the
 * content-addressed store and posted to its room. Any error, a cancel, a disconnect or a pause
 * longer than the idle timeout deletes the temporary file: nothing is ever half-stored.
 */
import { randomBytes } from 'node:crypto';
import { LIMITS, LOBBY } from '../../shared/limits';
import { formatFileSize, normalizeFileType, sanitizeFileName } from '../../shared/file-name';
import type { FileAttachment } from '../../shared/protocol';
import { fail, ok } from '../../shared/result';
import type { FileStore, TempFile } from '../file-store';
import type { FileReferences } from '../storage/history-store';
import type { EventHandlers } from './bind-events';
import type { Connection } from './connection';

/** What the server knows about files: where they are, who may read them, and the limits. */
export interface FileService {
  store: FileStore;
  access: FileReferences;
  /** The largest file accepted, in bytes. */
  maxFileBytes: number;
  /** An upload without a chunk for this long is dropped, ms. */
  idleTimeoutMs: number;
}

interface Upload {
  id: string;
  room: string;
  name: string;
  type: string;
  size: number;
  temp: TempFile;
  timer: ReturnType<typeof setTimeout> | undefined;
}

type FileEventName = 'file:begin' | 'file:chunk' | 'file:end' | 'file:cancel' | 'file:read';

export function fileEvents(connection: Connection): Pick<EventHandlers, FileEventName> {
  const { socket, parts } = connection;
  const { files, limiters } = parts;
  /** What `file:begin` counts against, and what the chunk events do (per connection, address). */
  const limits = {
    begin: [
      connection.perConnection(limiters.fileBegin),
      connection.perAddress(limiters.fileBeginPerAddress),
    ],
    chunk: [
      connection.perConnection(limiters.fileChunk),
      connection.perAddress(limiters.fileChunkPerAddress),
    ],
  };
  const uploads = new Map<string, Upload>();
  /** Uploads being created: they count towards the limit before they have an id. */
  let starting = 0;

  const drop = (upload: Upload): Promise<void> => {
    uploads.delete(upload.id);
    clearTimeout(upload.timer);
    return files.store.abort(upload.temp);
  };
  /** (Re)starts the upload's idle timer: silence for that long drops it. */
  const touch = (upload: Upload) => {
    clearTimeout(upload.timer);
    upload.timer = setTimeout(() => void drop(upload), files.idleTimeoutMs);
    upload.timer.unref?.();
  };

  const handlers: Pick<EventHandlers, FileEventName> = {
    'file:begin': {
      limits: limits.begin,
      handle: async (payload, { session }) => {
        const { user } = session;
        const room = payload.room ?? LOBBY;
        const refused = connection.cannotPost(user, room);
        if (refused) return refused;
        if (payload.size === 0)
          return fail('file_empty', 'The file is empty: there is nothing to send.');
        if (payload.size > files.maxFileBytes) {
          return fail(
            'file_too_large',
            `The file is ${formatFileSize(payload.size)}; this server accepts files up to ${formatFileSize(files.maxFileBytes)}.`,
          );
        }
        if (uploads.size + starting >= LIMITS.uploadsPerConnection) {
          return fail(
            'too_many_uploads',
            `At most ${LIMITS.uploadsPerConnection} files can be sent at once. Wait for one to finish.`,
          );
        }
        starting += 1;
        let temp: TempFile;
        try {
          temp = await files.store.create();
        } finally {
          starting -= 1;
        }
        if (!socket.connected) {
          await files.store.abort(temp);
          return fail('internal', 'The connection closed while the upload started.');
        }
        const upload: Upload = {
          id: randomBytes(12).toString('base64url'),
          room,
          name: sanitizeFileName(payload.name),
          type: payload.type === '' ? normalizeFileType('') : payload.type,
          size: payload.size,
          temp,
          timer: undefined,
        };
        uploads.set(upload.id, upload);
        touch(upload);
        return ok({
          uploadId: upload.id,
          chunkSize: LIMITS.fileChunkBytes,
          maxFileBytes: files.maxFileBytes,
        });
      },
    },

    'file:chunk': {
      limits: limits.chunk,
      handle: async ({ uploadId, offset, data }) => {
        const upload = uploads.get(uploadId);
        if (!upload) return fail('unknown_upload', 'There is no such upload (it may have ended).');
        // Checked in the order chunks arrive, before any waiting: the next chunk is checked
        // against the bytes accepted so far, written or not.
        const expected = upload.temp.written;
        if (data.length > LIMITS.fileChunkBytes) {
          await drop(upload);
          return fail(
            'chunk_too_large',
            `A chunk can hold at most ${LIMITS.fileChunkBytes} bytes; the upload was stopped.`,
          );
        }
        if (offset !== expected) {
          await drop(upload);
          return fail(
            'wrong_offset',
            `The chunk starts at byte ${offset}, but the upload expected byte ${expected}; the upload was stopped.`,
          );
        }
        if (expected + data.length > upload.size) {
          await drop(upload);
          return fail(
            'file_too_large',
            `The upload announced ${upload.size} bytes and sent more; the upload was stopped.`,
          );
        }
        touch(upload);
        try {
          await files.store.append(upload.temp, data);
        } catch (error) {
          await drop(upload);
          throw error;
        }
        return ok({ received: offset + data.length });
      },
    },

    'file:end': {
      limits: limits.chunk,
      handle: async ({ uploadId }, { session }) => {
        const upload = uploads.get(uploadId);
        if (!upload) return fail('unknown_upload', 'There is no such upload (it may have ended).');
        const user = session?.user;
        if (upload.temp.written !== upload.size) {
          const received = upload.temp.written;
          await drop(upload);
          return fail(
            'upload_incomplete',
            `Only ${received} of ${upload.size} bytes arrived; the upload was stopped.`,
          );
        }
        // From here on, no chunk, cancel or timeout can touch it.
        uploads.delete(upload.id);
        clearTimeout(upload.timer);
        const refused = user ? connection.cannotPost(user, upload.room) : null;
        if (!user || refused) {
          await files.store.abort(upload.temp);
          return refused ?? fail('not_joined', 'Join first.');
        }
        let id: string;
        try {
          id = await files.store.commit(upload.temp);
        } catch (error) {
          await files.store.abort(upload.temp);
          throw error;
        }
        await files.access.record(id, upload.room);
        const file: FileAttachment = {
          id,
          name: upload.name,
          size: upload.size,
          type: upload.type,
        };
        const message = await connection.publish(user, upload.room, `file-${upload.id}`, '', file);
        return ok({ message });
      },
    },

    'file:cancel': {
      limits: limits.chunk,
      handle: async ({ uploadId }) => {
        const upload = uploads.get(uploadId);
        if (!upload) return fail('unknown_upload', 'There is no such upload (it may have ended).');
        await drop(upload);
        return ok({});
      },
    },

    'file:read': {
      limits: limits.chunk,
      handle: async ({ id, offset, length }) => {
        // A file that is not stored and one posted only where this connection is not are
        // answered alike: a file id says nothing about who has it.
        const size = await files.store.size(id);
        if (size === null || !(await files.access.allowed(id, socket.rooms))) {
          return fail('unknown_file', 'There is no such file in the rooms you are in.');
        }
        if (offset > size) {
          return fail('invalid_payload', `offset is past the end of the file (${size} bytes).`);
        }
        const data = await files.store.read(id, offset, Math.min(length, size - offset));
        return ok({ data, size });
      },
    },
  };

  socket.on('disconnect', () => {
    for (const upload of [...uploads.values()]) void drop(upload);
  });
  return handlers;
}
