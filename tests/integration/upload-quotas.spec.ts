/**
 * Upload quotas and reclaimed uploads against a real server and data directory: bytes per address
 * per hour, the space for stored files, the free-space floor, uploads open per connection, address
 * and server, and uploads dropped for making too little progress. Every refusal is checked to
 * leave nothing behind (no temporary file, no message) and to leave others unaffected. Other
 * loopback addresses (127.0.0.x) play other machines, with loopback not exempt.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { begin, dataDirectory, storedFiles, tempFiles, uploadRaw } from '../support/files';
import {
  collect,
  emitRaw,
  onCleanup,
  rawSocket,
  startServer,
  waitFor,
  type RawSocket,
  joinWith,
} from '../support/chat';
import type { ChatServer, ChatServerOptions } from '../../src/server/chat-server';

const LAN_SIM: ChatServerOptions = { isRateLimitExempt: () => false };

async function serverWithData(options: ChatServerOptions = {}) {
  const dataDir = dataDirectory();
  const server = await startServer({ dataDir, ...LAN_SIM, ...options });
  return { server, dataDir };
}

let nicknames = 0;
/** A joined raw socket from `address` (another machine for the per-address limits). */
async function joinedFrom(server: ChatServer, address: string): Promise<RawSocket> {
  const socket = await rawSocket(server, address);
  const joined = await joinWith(socket, { nickname: `user${++nicknames}` });
  expect(joined).toMatchObject({ ok: true });
  return socket;
}

const uploadIdOf = (begun: Awaited<ReturnType<typeof begin>>) =>
  begun.ok ? (begun.uploadId as string) : '';

describe('upload volume per address per hour', () => {
  it('refuses an upload that would go past it, counts only what was sent of a cancelled one, and not other addresses', async () => {
    const { server, dataDir } = await serverWithData({ uploads: { bytesPerHour: 10_000 } });
    const watcher = await joinedFrom(server, '127.0.0.9');
    const messages = collect(watcher, 'message:created');
    const sender = await joinedFrom(server, '127.0.0.2');
    expect(await uploadRaw(sender, randomBytes(6000))).toMatchObject({ ok: true });

    const refused = await begin(sender, { size: 5000 });
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'quota_exceeded',
        message: expect.stringMatching(
          /^This device has sent as many files as the server accepts in an hour \(9\.8 KB\)\. More can be sent in \d+ min\.$/,
        ) as string,
      },
    });
    // The refusal took nothing: the 4000 bytes left still fit, from another connection too.
    const second = await joinedFrom(server, '127.0.0.2');
    const begun = await begin(second, { size: 4000 });
    expect(begun).toMatchObject({ ok: true });
    // Cancelled after 1000 bytes: only those count, so 3000 more fit.
    const uploadId = uploadIdOf(begun);
    await emitRaw(second, 'file:chunk', { uploadId, offset: 0, data: randomBytes(1000) });
    expect(await emitRaw(second, 'file:cancel', { uploadId })).toEqual({ ok: true });
    expect(await uploadRaw(sender, randomBytes(3000))).toMatchObject({ ok: true });
    expect(await begin(sender, { size: 1 })).toMatchObject({ error: { code: 'quota_exceeded' } });

    // Another address has its own hour.
    const neighbour = await joinedFrom(server, '127.0.0.3');
    expect(await uploadRaw(neighbour, randomBytes(9000))).toMatchObject({ ok: true });
    expect(tempFiles(dataDir)).toEqual([]);
    await waitFor(() => messages.length === 3, 'the three stored files posted');
    expect(storedFiles(dataDir)).toHaveLength(3);
  });
});

describe('the space for stored files (--max-storage)', () => {
  it('counts stored files and open uploads, refuses what does not fit, and counts again after a restart', async () => {
    const dataDir = dataDirectory();
    const options = { dataDir, ...LAN_SIM, uploads: { maxStorageBytes: 10_000 } };
    const server = await startServer(options);
    const alice = await joinedFrom(server, '127.0.0.2');
    expect(await uploadRaw(alice, randomBytes(6000))).toMatchObject({ ok: true });

    expect(await begin(alice, { size: 5000 })).toEqual({
      ok: false,
      error: {
        code: 'storage_full',
        message:
          "The server's space for files is full (5.9 KB of 9.8 KB used), so it cannot take this file. Messages still work.",
      },
    });
    // An open upload holds its announced size: two that fit alone do not fit together.
    const open = await begin(alice, { size: 3000 });
    expect(open).toMatchObject({ ok: true });
    expect(await begin(alice, { size: 2000 })).toMatchObject({ error: { code: 'storage_full' } });
    expect(await emitRaw(alice, 'file:cancel', { uploadId: uploadIdOf(open) })).toEqual({
      ok: true,
    });
    expect(await uploadRaw(alice, randomBytes(4000))).toMatchObject({ ok: true });
    expect(await begin(alice, { size: 1 })).toMatchObject({ error: { code: 'storage_full' } });
    expect(tempFiles(dataDir)).toEqual([]);
    // Messages still work.
    expect(await emitRaw(alice, 'message:send', { clientId: 'm1', text: 'hi' })).toMatchObject({
      ok: true,
    });

    // Restarted on the same data: what is stored is counted when the store opens.
    await server.close();
    const again = await startServer(options);
    const bob = await joinedFrom(again, '127.0.0.3');
    expect(await begin(bob, { size: 1 })).toMatchObject({ error: { code: 'storage_full' } });
  });

  it('frees the space of files that retention released', async () => {
    const { server, dataDir } = await serverWithData({
      retention: 1,
      fileReleaseGraceMs: 0,
      uploads: { maxStorageBytes: 10_000 },
    });
    const alice = await joinedFrom(server, '127.0.0.2');
    expect(await uploadRaw(alice, randomBytes(6000))).toMatchObject({ ok: true });
    expect(await begin(alice, { size: 6000 })).toMatchObject({ error: { code: 'storage_full' } });
    // Newer messages push the file's message out of the lobby: the file is released.
    for (let n = 0; n < 2; n++) {
      await emitRaw(alice, 'message:send', { clientId: `later-${n}`, text: `later ${n}` });
    }
    await waitFor(() => storedFiles(dataDir).length === 0, 'the file to be released');
    expect(await uploadRaw(alice, randomBytes(9000))).toMatchObject({ ok: true });
  });
});

describe('the free-space floor', () => {
  it('refuses uploads with a clear reason while the disk has less free space, and messages still work', async () => {
    const { server, dataDir } = await serverWithData({
      uploads: { minFreeDiskBytes: Number.MAX_SAFE_INTEGER },
    });
    const alice = await joinedFrom(server, '127.0.0.2');
    expect(await begin(alice, { size: 10 })).toEqual({
      ok: false,
      error: {
        code: 'storage_full',
        message: expect.stringMatching(
          /^The server's disk is nearly full \([\d.]+ MB free\), so it accepts no files now\. Messages still work\.$/,
        ) as string,
      },
    });
    expect(tempFiles(dataDir)).toEqual([]);
    expect(await emitRaw(alice, 'message:send', { clientId: 'm1', text: 'hi' })).toMatchObject({
      ok: true,
    });
  });
});

describe('uploads open at once', () => {
  it('caps them per address and on the whole server, and gives a slot back when an upload ends', async () => {
    const { server, dataDir } = await serverWithData({
      uploads: { uploadsPerAddress: 2, uploadsPerServer: 3 },
    });
    // Two connections from one address: two uploads between them.
    const first = await joinedFrom(server, '127.0.0.2');
    const second = await joinedFrom(server, '127.0.0.2');
    const held = await begin(first, { size: 100 });
    expect(held).toMatchObject({ ok: true });
    expect(await begin(second, { size: 100 })).toMatchObject({ ok: true });
    expect(await begin(second, { size: 100 })).toEqual({
      ok: false,
      error: {
        code: 'too_many_uploads',
        message: 'At most 2 files can be sent at once from one device. Wait for one to finish.',
      },
    });
    // Another address gets the server's last slot; a third address none.
    const other = await joinedFrom(server, '127.0.0.3');
    expect(await begin(other, { size: 100 })).toMatchObject({ ok: true });
    const late = await joinedFrom(server, '127.0.0.4');
    expect(await begin(late, { size: 100 })).toEqual({
      ok: false,
      error: {
        code: 'too_many_uploads',
        message:
          'The server is receiving as many files as it can at once (3). Try again in a moment.',
      },
    });
    expect(tempFiles(dataDir)).toHaveLength(3);

    // A cancel gives the slot back; so does a disconnect.
    expect(await emitRaw(first, 'file:cancel', { uploadId: uploadIdOf(held) })).toEqual({
      ok: true,
    });
    expect(await begin(late, { size: 100 })).toMatchObject({ ok: true });
    other.disconnect();
    await waitFor(() => tempFiles(dataDir).length === 2, 'the disconnected upload dropped');
    expect(await begin(first, { size: 100 })).toMatchObject({ ok: true });
  });
});

describe('uploads that make too little progress', () => {
  /** Slow-drip settings: checked every 300 ms, at least 256 KB/s. */
  const slow = {
    uploadIdleTimeoutMs: 300,
    uploads: { minBytesPerSecond: 256 * 1024 },
    // Many tiny chunks: the chunk rate limit is not what this test is about.
    rateLimits: { fileChunk: { points: 1_000_000, durationSeconds: 1 } },
  };

  it('drops an upload fed one byte at a time, however steadily, and deletes what arrived', async () => {
    const { server, dataDir } = await serverWithData(slow);
    const watcher = await joinedFrom(server, '127.0.0.9');
    const messages = collect(watcher, 'message:created');
    const dripper = await joinedFrom(server, '127.0.0.2');
    const size = 10_000_000;
    const uploadId = uploadIdOf(await begin(dripper, { size }));
    // Never silent (each byte goes as soon as the last is acknowledged), only slow: an idle
    // timeout alone would keep it forever. Ends when the server stops it.
    let answer: Awaited<ReturnType<typeof emitRaw>> = { ok: true };
    let offset = 0;
    while (answer.ok && offset < size) {
      answer = await emitRaw(dripper, 'file:chunk', { uploadId, offset, data: Buffer.from('x') });
      offset += 1;
    }
    expect(answer).toEqual({
      ok: false,
      error: {
        code: 'upload_stalled',
        message:
          'The upload was stopped: it was too slow (under 256 KB a second for 0.3 s). Try again on a better connection.',
      },
    });
    await waitFor(() => tempFiles(dataDir).length === 0, 'the temporary file deleted');
    expect(await emitRaw(dripper, 'file:end', { uploadId })).toMatchObject({
      error: { code: 'unknown_upload' },
    });
    expect(storedFiles(dataDir)).toEqual([]);
    expect(messages).toEqual([]);
    // The slot it held is free again (the default allows 3 per connection).
    for (let n = 0; n < 3; n++)
      expect(await begin(dripper, { size: 10 })).toMatchObject({ ok: true });
  });

  it('keeps an upload that keeps up, and drops a complete one that never ends', async () => {
    const { server, dataDir } = await serverWithData(slow);
    const alice = await joinedFrom(server, '127.0.0.2');
    expect(await uploadRaw(alice, randomBytes(2_000_000))).toMatchObject({ ok: true });

    const uploadId = uploadIdOf(await begin(alice, { size: 3 }));
    await emitRaw(alice, 'file:chunk', { uploadId, offset: 0, data: Buffer.from('abc') });
    await waitFor(() => tempFiles(dataDir).length === 0, 'the unfinished upload dropped');
    expect(await emitRaw(alice, 'file:end', { uploadId })).toMatchObject({
      error: { code: 'upload_stalled' },
    });
  });
});

/**
 * A data directory on a small tmpfs the test mounts itself (needs root); null, with the reason,
 * when it cannot. Unmounted after the test.
 */
function smallDisk(bytes: number): { dir: string } | { reason: string } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `cannot mount a small tmpfs (${(error as Error).message.split('\n')[0]})` };
  }
  onCleanup(() => {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir };
}

describe('on a small disk (a tmpfs the test mounts)', () => {
  const KiB = 1024;

  it('drops an upload when the disk falls below the floor while it arrives', async (context) => {
    const disk = smallDisk(2048 * KiB);
    if ('reason' in disk) return context.skip(disk.reason);
    const server = await startServer({
      dataDir: disk.dir,
      ...LAN_SIM,
      uploadIdleTimeoutMs: 200,
      uploads: { minFreeDiskBytes: 512 * KiB, minBytesPerSecond: 0 },
      rateLimits: { fileChunk: { points: 1_000_000, durationSeconds: 1 } },
    });
    const alice = await joinedFrom(server, '127.0.0.2');
    const uploadId = uploadIdOf(await begin(alice, { size: 400 * KiB }));
    expect(uploadId).not.toBe('');
    expect(
      await emitRaw(alice, 'file:chunk', { uploadId, offset: 0, data: randomBytes(1000) }),
    ).toMatchObject({ ok: true });
    // Something else fills the disk to below the floor, while the upload goes on, byte by byte.
    writeFileSync(join(disk.dir, 'filler'), Buffer.alloc(1700 * KiB));
    let answer: Awaited<ReturnType<typeof emitRaw>> = { ok: true };
    for (let offset = 1000; answer.ok && offset < 400 * KiB; offset++) {
      answer = await emitRaw(alice, 'file:chunk', { uploadId, offset, data: Buffer.from('x') });
    }
    await waitFor(() => tempFiles(disk.dir).length === 0, 'the temporary file deleted');
    expect(answer).toEqual({
      ok: false,
      error: {
        code: 'storage_full',
        message: expect.stringMatching(/^The server's disk is nearly full/) as string,
      },
    });
    expect(storedFiles(disk.dir)).toEqual([]);
    expect(await emitRaw(alice, 'message:send', { clientId: 'm1', text: 'hi' })).toMatchObject({
      ok: true,
    });
  });

  it('answers a write that finds the disk full with storage_full, and leaves nothing', async (context) => {
    const disk = smallDisk(1024 * KiB);
    if ('reason' in disk) return context.skip(disk.reason);
    const server = await startServer({
      dataDir: disk.dir,
      ...LAN_SIM,
      uploads: { minFreeDiskBytes: 0 },
    });
    const alice = await joinedFrom(server, '127.0.0.2');
    const size = 600 * KiB;
    const uploadId = uploadIdOf(await begin(alice, { size }));
    expect(uploadId).not.toBe('');
    writeFileSync(join(disk.dir, 'filler'), Buffer.alloc(700 * KiB));
    let answer: Awaited<ReturnType<typeof emitRaw>> = { ok: true };
    for (let offset = 0; answer.ok && offset < size; offset += 48 * KiB) {
      const data = randomBytes(Math.min(48 * KiB, size - offset));
      answer = await emitRaw(alice, 'file:chunk', { uploadId, offset, data });
    }
    expect(answer).toEqual({
      ok: false,
      error: {
        code: 'storage_full',
        message: "The server's disk is full: the file was not stored. Messages still work.",
      },
    });
    await waitFor(() => tempFiles(disk.dir).length === 0, 'the temporary file deleted');
    expect(storedFiles(disk.dir)).toEqual([]);
  });
});

describe('quota and cap options', () => {
  it('refuses a setting that is not a whole number, before anything is opened', async () => {
    const dataDir = join(dataDirectory(), 'never-made');
    await expect(startServer({ dataDir, uploads: { maxStorageBytes: 0 } })).rejects.toMatchObject({
      code: 'invalid_payload',
      message: 'uploads.maxStorageBytes must be a whole number, at least 1 (not 0).',
    });
    await expect(
      startServer({ dataDir, connections: { joinTimeoutMs: 1.5 } }),
    ).rejects.toMatchObject({
      code: 'invalid_payload',
      message: 'connections.joinTimeoutMs must be a whole number, at least 1 (not 1.5).',
    });
    expect(existsSync(dataDir)).toBe(false);
  });
});
