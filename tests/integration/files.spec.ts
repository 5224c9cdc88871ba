/**
 * Files against a real server with a real data directory: uploads and downloads over real
 * Socket.IO connections (raw sockets for exact protocol input, ChatClient for the client side),
 * checked on disk — what is stored, and that nothing half-stored is left behind.
 *
 * Long (over 400 lines): one test per way a transfer can go wrong, all over the same few helpers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { begin, dataDirectory, storedFiles, tempFiles, uploadRaw } from '../support/files';
import {
  client,
  collect,
  emitRaw,
  joinRaw,
  rawSocket,
  startServer,
  urlOf,
  waitFor,
} from '../support/chat';
import { bytesSource } from '../../src/client/file-transfer';
import { LIMITS, LOBBY } from '../../src/shared/limits';
import type { ChatMessage, FileAttachment } from '../../src/shared/protocol';
import type { ChatServer, ChatServerOptions } from '../../src/server/chat-server';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function serverWithData(options: ChatServerOptions = {}) {
  const dataDir = dataDirectory();
  const server = await startServer({ dataDir, ...options });
  return { server, dataDir };
}

async function joined(server: ChatServer, nickname: string) {
  const chat = client();
  const result = await chat.connect(urlOf(server), nickname);
  expect(result.ok).toBe(true);
  return chat;
}

describe('sending files', () => {
  it('uploads and downloads a file byte for byte, posted as a message with the attachment', async () => {
    const { server, dataDir } = await serverWithData();
    const alice = await joined(server, 'alice');
    const bob = await joined(server, 'bob');
    const seenByBob: ChatMessage[] = [];
    bob.onEvent((event) => event.type === 'message' && seenByBob.push(event.message));
    // Several chunks and a short last one.
    const bytes = randomBytes(LIMITS.fileChunkBytes * 7 + 123);
    const progress: number[] = [];
    const sent = await alice.sendFile(bytesSource('report.pdf', 'application/pdf', bytes), LOBBY, {
      onProgress: (done) => progress.push(done),
    });
    expect(sent.ok).toBe(true);
    if (!sent.ok) return;
    const file = sent.message.file!;
    expect(file).toEqual({
      id: sha256(bytes),
      name: 'report.pdf',
      size: bytes.length,
      type: 'application/pdf',
    });
    expect(sent.message.text).toBe('');
    expect(progress.at(-1)).toBe(bytes.length);
    expect(storedFiles(dataDir)).toEqual([`${file.id.slice(0, 2)}/${file.id}`]);
    // Compared by hash: a deep comparison of many kilobytes, byte by byte, takes seconds.
    expect(sha256(readFileSync(join(dataDir, 'files', file.id.slice(0, 2), file.id)))).toBe(
      sha256(bytes),
    );

    await waitFor(() => seenByBob.some((message) => message.file?.id === file.id), 'bob sees it');
    const fetched = await bob.downloadFile(seenByBob.find((message) => message.file)!.file!);
    expect(fetched.ok).toBe(true);
    expect(fetched.ok && sha256(fetched.bytes!)).toBe(sha256(bytes));
    expect(tempFiles(dataDir)).toEqual([]);
  });

  it('stores the same bytes once, however often they are sent', async () => {
    const { server, dataDir } = await serverWithData();
    const socket = await joinRaw(server, 'alice');
    const bytes = randomBytes(5000);
    const first = await uploadRaw(socket, bytes, 'a.bin');
    const second = await uploadRaw(socket, bytes, 'b.bin');
    expect(first).toMatchObject({
      ok: true,
      message: { file: { id: sha256(bytes), name: 'a.bin' } },
    });
    expect(second).toMatchObject({
      ok: true,
      message: { file: { id: sha256(bytes), name: 'b.bin' } },
    });
    expect(storedFiles(dataDir)).toHaveLength(1);
    expect(tempFiles(dataDir)).toEqual([]);
  });

  it('posts an upload begun again under the same clientId once, answering with the original', async () => {
    const { server } = await serverWithData();
    const watcher = await joinRaw(server, 'bob');
    const broadcasts = collect(watcher, 'message:created');
    const socket = await joinRaw(server, 'alice');
    const bytes = randomBytes(5000);
    const first = await uploadRaw(socket, bytes, 'a.bin', undefined, 'file-try-1');
    // The first ack was lost with its connection, say: the client sends the file again.
    const again = await uploadRaw(socket, bytes, 'a.bin', undefined, 'file-try-1');
    expect(first).toMatchObject({ ok: true, message: { clientId: 'file-try-1' } });
    expect(again).toEqual(first);
    // Another clientId is another message.
    const other = await uploadRaw(socket, bytes, 'a.bin', undefined, 'file-try-2');
    expect(other).toMatchObject({ ok: true, message: { clientId: 'file-try-2' } });
    await waitFor(() => broadcasts.length === 2, 'the broadcasts');
    expect(broadcasts.map((message) => message.clientId)).toEqual(['file-try-1', 'file-try-2']);
    expect(await begin(socket, { size: 3, clientId: 'no spaces!' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
  });

  it('sanitizes the name and labels a missing type as application/octet-stream', async () => {
    const { server } = await serverWithData();
    const socket = await joinRaw(server, 'alice');
    const begun = await begin(socket, { name: '../../etc/\u202Egnp.exe', type: '', size: 3 });
    const uploadId = begun.ok ? (begun.uploadId as string) : '';
    await emitRaw(socket, 'file:chunk', { uploadId, offset: 0, data: Buffer.from('abc') });
    const ended = await emitRaw(socket, 'file:end', { uploadId });
    expect(ended).toMatchObject({
      ok: true,
      message: { file: { name: 'gnp.exe', type: 'application/octet-stream' } },
    });
  });
});

describe('refused uploads leave nothing behind', () => {
  it('refuses a file over the limit and an empty one, before anything is written', async () => {
    const { server, dataDir } = await serverWithData({ maxFileBytes: 1000 });
    const socket = await joinRaw(server, 'alice');
    const messages = collect(socket, 'message:created');
    expect(await begin(socket, { size: 1001 })).toMatchObject({
      ok: false,
      error: { code: 'file_too_large', message: expect.stringContaining('1000 bytes') },
    });
    expect(await begin(socket, { size: 0 })).toMatchObject({
      ok: false,
      error: { code: 'file_empty' },
    });
    expect(tempFiles(dataDir)).toEqual([]);
    expect(storedFiles(dataDir)).toEqual([]);
    expect(messages).toEqual([]);
  });

  it('stops an upload that sends more than it announced', async () => {
    const { server, dataDir } = await serverWithData();
    const socket = await joinRaw(server, 'alice');
    const begun = await begin(socket, { size: 10 });
    const uploadId = begun.ok ? (begun.uploadId as string) : '';
    const result = await emitRaw(socket, 'file:chunk', {
      uploadId,
      offset: 0,
      data: Buffer.alloc(11),
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'file_too_large' } });
    expect(tempFiles(dataDir)).toEqual([]);
    // The upload is gone: it cannot be finished any more.
    expect(await emitRaw(socket, 'file:end', { uploadId })).toMatchObject({
      ok: false,
      error: { code: 'unknown_upload' },
    });
  });

  it('answers unknown upload ids, wrong offsets, oversized chunks and early ends with clear codes', async () => {
    const { server, dataDir } = await serverWithData();
    const socket = await joinRaw(server, 'alice');
    const messages = collect(socket, 'message:created');
    const data = Buffer.alloc(100, 1);

    expect(
      await emitRaw(socket, 'file:chunk', { uploadId: 'nope', offset: 0, data }),
    ).toMatchObject({ ok: false, error: { code: 'unknown_upload' } });

    const skipping = await begin(socket, { size: 1000 });
    const skippingId = skipping.ok ? skipping.uploadId : '';
    await emitRaw(socket, 'file:chunk', { uploadId: skippingId, offset: 0, data });
    expect(
      await emitRaw(socket, 'file:chunk', { uploadId: skippingId, offset: 300, data }),
    ).toMatchObject({
      ok: false,
      error: { code: 'wrong_offset', message: expect.stringContaining('expected byte 100') },
    });

    const big = await begin(socket, { size: 100_000 });
    const bigId = big.ok ? big.uploadId : '';
    // Over fileChunkBytes but under the 64 KiB frame limit: refused, connection kept.
    expect(
      await emitRaw(socket, 'file:chunk', {
        uploadId: bigId,
        offset: 0,
        data: Buffer.alloc(LIMITS.fileChunkBytes + 1),
      }),
    ).toMatchObject({ ok: false, error: { code: 'chunk_too_large' } });

    const short = await begin(socket, { size: 1000 });
    const shortId = short.ok ? short.uploadId : '';
    await emitRaw(socket, 'file:chunk', { uploadId: shortId, offset: 0, data });
    expect(await emitRaw(socket, 'file:end', { uploadId: shortId })).toMatchObject({
      ok: false,
      error: { code: 'upload_incomplete', message: expect.stringContaining('100 of 1000') },
    });

    expect(await begin(socket, { size: 10, type: 'not a type' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    expect(socket.connected).toBe(true);
    await waitFor(() => tempFiles(dataDir).length === 0, 'temp files deleted');
    expect(storedFiles(dataDir)).toEqual([]);
    expect(messages).toEqual([]);
  });

  it('limits how many uploads one connection has open', async () => {
    const { server } = await serverWithData();
    const socket = await joinRaw(server, 'alice');
    for (let i = 0; i < LIMITS.uploadsPerConnection; i++) {
      expect(await begin(socket, { size: 10 })).toMatchObject({ ok: true });
    }
    expect(await begin(socket, { size: 10 })).toMatchObject({
      ok: false,
      error: { code: 'too_many_uploads' },
    });
  });

  it('deletes the temporary file when the uploader disconnects mid-upload, and posts nothing', async () => {
    const { server, dataDir } = await serverWithData();
    const watcher = await joinRaw(server, 'bob');
    const messages = collect(watcher, 'message:created');
    const socket = await joinRaw(server, 'alice');
    const begun = await begin(socket, { size: 1000 });
    const uploadId = begun.ok ? begun.uploadId : '';
    await emitRaw(socket, 'file:chunk', { uploadId, offset: 0, data: Buffer.alloc(500) });
    expect(tempFiles(dataDir)).toHaveLength(1);
    socket.disconnect();
    await waitFor(() => tempFiles(dataDir).length === 0, 'the temp file deleted');
    expect(storedFiles(dataDir)).toEqual([]);
    expect(messages).toEqual([]);
  });

  it('deletes what arrived when the client cancels, and posts nothing', async () => {
    const { server, dataDir } = await serverWithData();
    const watcher = await joinRaw(server, 'bob');
    const messages = collect(watcher, 'message:created');
    const alice = await joined(server, 'alice');
    const controller = new AbortController();
    const bytes = randomBytes(LIMITS.fileChunkBytes * 40);
    let started = false;
    const sending = alice.sendFile(bytesSource('big.bin', '', bytes), LOBBY, {
      signal: controller.signal,
      onProgress: () => {
        if (!started) {
          started = true;
          controller.abort();
        }
      },
    });
    const result = await sending;
    expect(result).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    await waitFor(() => tempFiles(dataDir).length === 0, 'the temp file deleted');
    expect(storedFiles(dataDir)).toEqual([]);
    expect(messages).toEqual([]);
  });

  it('drops an upload that goes silent, and says why to its next chunk', async () => {
    const { server, dataDir } = await serverWithData({ uploadIdleTimeoutMs: 200 });
    const socket = await joinRaw(server, 'alice');
    const begun = await begin(socket, { size: 1000 });
    const uploadId = begun.ok ? begun.uploadId : '';
    await emitRaw(socket, 'file:chunk', { uploadId, offset: 0, data: Buffer.alloc(10) });
    await waitFor(() => tempFiles(dataDir).length === 0, 'the temp file deleted');
    expect(
      await emitRaw(socket, 'file:chunk', { uploadId, offset: 10, data: Buffer.alloc(10) }),
    ).toMatchObject({ ok: false, error: { code: 'upload_stalled' } });
  });

  it('clears uploads a previous run left in the temporary folder when it starts', async () => {
    const dataDir = dataDirectory();
    const first = await startServer({ dataDir });
    const socket = await joinRaw(first, 'alice');
    const begun = await begin(socket, { size: 1000 });
    expect(begun.ok).toBe(true);
    // Killed mid-upload: close() also aborts, so simulate a leftover by hand after it.
    await first.close();
    const { writeFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(join(dataDir, 'files', 'tmp'), { recursive: true });
    writeFileSync(join(dataDir, 'files', 'tmp', 'leftover'), 'half');
    await startServer({ dataDir });
    expect(tempFiles(dataDir)).toEqual([]);
  });
});

describe('reading files', () => {
  it('still serves a file after a restart, and history keeps the message with its attachment', async () => {
    const dataDir = dataDirectory();
    const first = await startServer({ dataDir });
    const socket = await joinRaw(first, 'alice');
    const bytes = randomBytes(70_000);
    const ended = await uploadRaw(socket, bytes, 'photo.png');
    expect(ended.ok).toBe(true);
    await first.close();

    const second = await startServer({ dataDir });
    const bob = await joined(second, 'bob');
    const history = bob.session!.messages;
    const withFile = history.find((message) => message.file);
    expect(withFile).toMatchObject({
      text: '',
      author: { nickname: 'alice' },
      file: { id: sha256(bytes), name: 'photo.png', size: bytes.length },
    });
    const fetched = await bob.downloadFile(withFile!.file!);
    expect(fetched.ok && sha256(fetched.bytes!)).toBe(sha256(bytes));
  });

  it('does not give a direct conversation’s file to someone outside it, nor a guessed id', async () => {
    const { server } = await serverWithData();
    const alice = await joined(server, 'alice');
    const bob = await joined(server, 'bob');
    const carol = await joined(server, 'carol');
    const opened = await alice.openDirect('bob');
    expect(opened.ok).toBe(true);
    const room = opened.ok ? opened.joined.room.id : '';
    const sent = await alice.sendFile(
      bytesSource('secret.txt', 'text/plain', Buffer.from('for bob')),
      room,
    );
    expect(sent.ok).toBe(true);
    const file = sent.ok ? sent.message.file! : ({} as FileAttachment);

    const forBob = await bob.downloadFile(file);
    expect(forBob.ok && Buffer.from(forBob.bytes!).toString()).toBe('for bob');
    expect(await carol.downloadFile(file)).toMatchObject({
      ok: false,
      error: { code: 'unknown_file' },
    });
    expect(
      await carol.downloadFile({ ...file, id: sha256(Buffer.from('not stored')) }),
    ).toMatchObject({ ok: false, error: { code: 'unknown_file' } });
  });

  it('needs a joined session and a valid range', async () => {
    const { server } = await serverWithData();
    const stranger = await rawSocket(server);
    const id = 'a'.repeat(64);
    expect(await emitRaw(stranger, 'file:read', { id, offset: 0, length: 10 })).toMatchObject({
      ok: false,
      error: { code: 'not_joined' },
    });
    const alice = await joinRaw(server, 'alice');
    expect(
      await emitRaw(alice, 'file:read', { id, offset: 0, length: LIMITS.fileChunkBytes + 1 }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(await emitRaw(alice, 'file:read', { id: '../x', offset: 0, length: 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
  });

  it('keeps files of a server without a data directory in a temporary folder', async () => {
    const server = await startServer();
    const alice = await joined(server, 'alice');
    const bytes = Buffer.from('in memory');
    const sent = await alice.sendFile(bytesSource('m.txt', 'text/plain', bytes));
    expect(sent.ok).toBe(true);
    const fetched = sent.ok ? await alice.downloadFile(sent.message.file!) : null;
    expect(fetched?.ok && Buffer.from(fetched.bytes!)).toEqual(bytes);
  });
});

describe('file rate limits per address', () => {
  it('counts uploads started from all connections of one address together', async () => {
    const server = await startServer({
      dataDir: dataDirectory(),
      isRateLimitExempt: () => false,
      rateLimits: { fileBeginPerAddress: { points: 3, durationSeconds: 60 } },
    });
    const first = await joinRaw(server, 'first');
    const second = await joinRaw(server, 'second');
    // Neither connection uses its own allowance (20 a minute); the address uses its 3.
    expect(await begin(first, { size: 10 })).toMatchObject({ ok: true });
    expect(await begin(first, { size: 10 })).toMatchObject({ ok: true });
    expect(await begin(second, { size: 10 })).toMatchObject({ ok: true });
    expect(await begin(second, { size: 10 })).toMatchObject({
      ok: false,
      error: { code: 'rate_limited' },
    });
    expect(await begin(first, { size: 10 })).toMatchObject({
      ok: false,
      error: { code: 'rate_limited' },
    });
  });
});

describe('files and history retention', () => {
  it('deletes a stored file once retention deleted every message that carried it', async () => {
    const { server, dataDir } = await serverWithData({ retention: 3, fileReleaseGraceMs: 0 });
    const alice = await joinRaw(server, 'alice');
    const archive = await emitRaw(alice, 'room:create', { name: 'Archive' });
    const archiveId = archive.ok ? (archive.room as { id: string }).id : '';
    expect(await emitRaw(alice, 'room:join', { room: archiveId })).toMatchObject({ ok: true });

    // `shared` goes to the lobby and to Archive, where nothing pushes it out; `lobbyOnly` to the
    // lobby alone.
    const shared = randomBytes(3000);
    const lobbyOnly = randomBytes(3000);
    expect(await uploadRaw(alice, shared, 'shared.bin')).toMatchObject({ ok: true });
    expect(await uploadRaw(alice, shared, 'shared.bin', archiveId)).toMatchObject({ ok: true });
    expect(await uploadRaw(alice, lobbyOnly, 'lobby-only.bin')).toMatchObject({ ok: true });
    const path = (bytes: Uint8Array) => `${sha256(bytes).slice(0, 2)}/${sha256(bytes)}`;
    expect(storedFiles(dataDir).sort()).toEqual([path(shared), path(lobbyOnly)].sort());

    // Four more lobby messages: retention (3) deletes both file messages of the lobby.
    for (let n = 0; n < 4; n++) {
      expect(
        await emitRaw(alice, 'message:send', { clientId: `later-${n}`, text: `later ${n}` }),
      ).toMatchObject({ ok: true });
    }
    await waitFor(
      () => !storedFiles(dataDir).includes(path(lobbyOnly)),
      'the lobby-only file to be deleted',
    );
    // Still carried by a message in Archive: kept, and still readable there.
    expect(storedFiles(dataDir)).toEqual([path(shared)]);
    expect(
      await emitRaw(alice, 'file:read', { id: sha256(shared), offset: 0, length: 10 }),
    ).toMatchObject({ ok: true });
  });
});
