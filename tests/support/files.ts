/**
 * Test support for file transfers against a real server: a throwaway data directory, what lies
 * on disk under `<data>/files`, and uploads over a raw socket one chunk at a time.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { emitRaw, onCleanup, type RawSocket } from './chat';
import { LIMITS } from '../../src/shared/limits';

/** A new data directory, removed after the test. */
export function dataDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-files-test-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `<data>/files` except the tmp folder, as `aa/<sha>` paths. */
export function storedFiles(dataDir: string): string[] {
  const root = join(dataDir, 'files');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((entry) => entry !== 'tmp')
    .flatMap((prefix) => readdirSync(join(root, prefix)).map((name) => `${prefix}/${name}`));
}

/** The uploads in progress (or left behind) in `<data>/files/tmp`. */
export function tempFiles(dataDir: string): string[] {
  const tmp = join(dataDir, 'files', 'tmp');
  return existsSync(tmp) ? readdirSync(tmp) : [];
}

export async function begin(socket: RawSocket, payload: Record<string, unknown>) {
  return emitRaw(socket, 'file:begin', { name: 'notes.txt', type: 'text/plain', ...payload });
}

/** Uploads `bytes` over a raw socket, one chunk at a time; returns the ack of file:end. */
export async function uploadRaw(
  socket: RawSocket,
  bytes: Uint8Array,
  name = 'notes.txt',
  room?: string,
  clientId?: string,
) {
  const begun = await begin(socket, {
    name,
    size: bytes.length,
    ...(room ? { room } : {}),
    ...(clientId ? { clientId } : {}),
  });
  expect(begun).toMatchObject({ ok: true });
  const uploadId = begun.ok ? (begun.uploadId as string) : '';
  for (let offset = 0; offset < bytes.length; offset += LIMITS.fileChunkBytes) {
    const data = bytes.subarray(offset, offset + LIMITS.fileChunkBytes);
    expect(await emitRaw(socket, 'file:chunk', { uploadId, offset, data })).toEqual({
      ok: true,
      received: offset + data.length,
    });
  }
  return emitRaw(socket, 'file:end', { uploadId });
}
