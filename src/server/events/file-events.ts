/**
 * The file events of one connection: uploads (`file:begin`, `file:chunk`, `file:end`,
 * `file:cancel`) and downloads (`file:read`), over the Socket.IO connection itself — so the
 * passphrase, removing someone, TLS and room membership apply to files as to messages. An upload
 * is written to a temporary file and hashed as it arrives; only a complete one is moved into the
 * content-addressed store and posted to its room. Any error, a cancel, a disconnect, too little
 * progress (see `watch`) or a disk nearly full deletes the temporary file: nothing is ever
 * half-stored. What uploads take from the whole server (slots, space, hourly volume) is counted by
 * upload-quotas.ts.
 */
import { randomBytes } from 'node:crypto';
import { LIMITS, LOBBY } from '../../shared/limits';
import { formatFileSize, normalizeFileType, sanitizeFileName } from '../../shared/file-name';
import type { FileAttachment } from '../../shared/protocol';
import { fail, ok, type Failure } from '../../shared/result';
import type { FileStore, TempFile } from '../file-store';
import type { QuotaFailure, UploadClaim, UploadQuotas } from '../upload-quotas';
import type { FileReferences } from '../storage/history-store';
import type { EventHandlers } from './bind-events';
import type { Connection } from './connection';

/** Why the server itself dropped an upload (told to its next chunk or end). */
type DropReason = Failure<'upload_stalled' | 'storage_full' | 'internal'>;

/** What the server knows about files: where they are, who may read them, and the limits. */
export interface FileService {
  store: FileStore;
  access: FileReferences;
  /** The largest file accepted, in bytes. */
  maxFileBytes: number;
  /** How often an upload's progress is checked, ms (see `watch`). */
  idleTimeoutMs: number;
  /** The slowest upload kept, bytes per second over each idleTimeoutMs. */
  minBytesPerSecond: number;
  /** Uploads one connection may have open at once. */
  uploadsPerConnection: number;
  /** Slots, space and hourly volume, shared by all connections. */
  quotas: UploadQuotas;
}

/** Dropped uploads whose reason is kept for the next chunk that names them (per connection). */
const KEPT_REASONS = 8;

interface Upload {
  id: string;
  room: string;
  name: string;
  type: string;
  size: number;
  /** The message's clientId: the client's (the same for each try of one file), or the upload's. */
  clientId: string;
  temp: TempFile;
  claim: UploadClaim;
  /** Bytes written at the last progress check. */
  checkedAt: number;
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

  /** Why recent uploads were dropped by the server itself (stalled, disk full), by upload id. */
  const reasons = new Map<string, DropReason>();
  const gone = (uploadId: string): Failure<DropReason['error']['code'] | 'unknown_upload'> => {
    const reason = reasons.get(uploadId);
    reasons.delete(uploadId);
    return reason ?? fail('unknown_upload', 'There is no such upload (it may have ended).');
  };

  /** Stops an upload: its temporary file is deleted and its share given back. */
  const drop = async (upload: Upload, reason?: DropReason): Promise<void> => {
    if (uploads.get(upload.id) !== upload) return;
    uploads.delete(upload.id);
    clearTimeout(upload.timer);
    if (reason) {
      reasons.set(upload.id, reason);
      if (reasons.size > KEPT_REASONS) reasons.delete(reasons.keys().next().value!);
    }
    await files.store.abort(upload.temp);
    upload.claim.release(upload.temp.written);
  };
  /**
   * Checks the upload's progress every idleTimeoutMs: one that brought less than
   * minBytesPerSecond over that time (or less than the rest of its file), or that sat complete
   * without `file:end`, is dropped. So a trickle (a byte every few seconds) cannot hold a file
   * descriptor for good, whatever the file's size, while a slow but steady link is kept. The
   * disk's free space is checked at the same time.
   */
  const watch = (upload: Upload) => {
    upload.timer = setTimeout(() => {
      const progress = upload.temp.written - upload.checkedAt;
      const wanted = Math.max(
        1,
        Math.min(
          (files.minBytesPerSecond * files.idleTimeoutMs) / 1000,
          upload.size - upload.checkedAt,
        ),
      );
      upload.checkedAt = upload.temp.written;
      void files.quotas.diskFailure().then(
        (full) => {
          // A full disk is the reason to give, even for an upload that was slow too.
          if (full) void drop(upload, full);
          else if (progress < wanted)
            void drop(upload, stalled(files.minBytesPerSecond, files.idleTimeoutMs));
          else if (uploads.get(upload.id) === upload) watch(upload);
        },
        (error: unknown) => {
          parts.onError(error);
          void drop(upload, fail('internal', 'The server could not check its disk.'));
        },
      );
    }, files.idleTimeoutMs);
    upload.timer.unref?.();
  };

  const handlers: Pick<EventHandlers, FileEventName> = {
    'file:begin': {
      limits: limits.begin,
      handle: async (payload) => {
        const room = payload.room ?? LOBBY;
        const refused = connection.cannotPost(room);
        if (refused) return refused;
        if (payload.size === 0)
          return fail('file_empty', 'The file is empty: there is nothing to send.');
        if (payload.size > files.maxFileBytes) {
          return fail(
            'file_too_large',
            `The file is ${formatFileSize(payload.size)}; this server accepts files up to ${formatFileSize(files.maxFileBytes)}.`,
          );
        }
        if (uploads.size + starting >= files.uploadsPerConnection) {
          return fail(
            'too_many_uploads',
            `At most ${files.uploadsPerConnection} files can be sent at once. Wait for one to finish.`,
          );
        }
        starting += 1;
        let claim: UploadClaim | QuotaFailure;
        let temp: TempFile;
        try {
          claim = await files.quotas.claim(connection.address, payload.size);
          if ('ok' in claim) return claim;
          temp = await files.store.create().catch((error: unknown) => {
            (claim as UploadClaim).release(0);
            throw error;
          });
        } finally {
          starting -= 1;
        }
        if (!socket.connected) {
          await files.store.abort(temp);
          claim.release(0);
          return fail('internal', 'The connection closed while the upload started.');
        }
        const id = randomBytes(12).toString('base64url');
        const upload: Upload = {
          id,
          room,
          name: sanitizeFileName(payload.name),
          type: payload.type === '' ? normalizeFileType('') : payload.type,
          size: payload.size,
          clientId: payload.clientId ?? `file-${id}`,
          temp,
          claim,
          checkedAt: 0,
          timer: undefined,
        };
        uploads.set(upload.id, upload);
        watch(upload);
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
        if (!upload) return gone(uploadId);
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
        try {
          await files.store.append(upload.temp, data);
        } catch (error) {
          await drop(upload);
          return diskFullOrThrow(error);
        }
        return ok({ received: offset + data.length });
      },
    },

    'file:end': {
      limits: limits.chunk,
      handle: async ({ uploadId }, { session }) => {
        const upload = uploads.get(uploadId);
        if (!upload) return gone(uploadId);
        const user = session?.user;
        if (upload.temp.written !== upload.size) {
          const received = upload.temp.written;
          await drop(upload);
          return fail(
            'upload_incomplete',
            `Only ${received} of ${upload.size} bytes arrived; the upload was stopped.`,
          );
        }
        const refused = user ? connection.cannotPost(upload.room) : null;
        if (!user || refused) {
          await drop(upload);
          return refused ?? fail('not_joined', 'Join first.');
        }
        // From here on, no chunk, cancel or timeout can touch it.
        uploads.delete(upload.id);
        clearTimeout(upload.timer);
        let id: string;
        try {
          id = await files.store.commit(upload.temp);
        } catch (error) {
          await files.store.abort(upload.temp);
          upload.claim.release(upload.size);
          return diskFullOrThrow(error);
        }
        // Stored, and counted in the store's own total from now on.
        upload.claim.release(upload.size);
        await files.access.record(id, upload.room);
        const file: FileAttachment = {
          id,
          name: upload.name,
          size: upload.size,
          type: upload.type,
        };
        // A clientId already posted answers with its message: the file was sent once already.
        return connection.publish(user, upload.room, upload.clientId, '', file);
      },
    },

    'file:cancel': {
      limits: limits.chunk,
      handle: async ({ uploadId }) => {
        const upload = uploads.get(uploadId);
        if (!upload) return gone(uploadId);
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

function stalled(minBytesPerSecond: number, periodMs: number): Failure<'upload_stalled'> {
  return fail(
    'upload_stalled',
    `The upload was stopped: it was too slow (under ${formatFileSize(minBytesPerSecond)} a second for ${periodMs / 1000} s). Try again on a better connection.`,
  );
}

/** A write that failed because the disk is full is said so; any other failure is the server's. */
function diskFullOrThrow(error: unknown): Failure<'storage_full'> {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') throw error;
  return fail(
    'storage_full',
    "The server's disk is full: the file was not stored. Messages still work.",
  );
}
