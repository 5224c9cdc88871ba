/**
 * FileTransfers (the `files` API over a ChatClient) and saving to disk, against a real server:
 * argument checks, progress by transfer id, cancelling by it, and what a download leaves on disk.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { client, onCleanup, startServer, urlOf } from '../../tests/support/chat';
import type { TransferProgress } from '../shared/api';
import { LIMITS, LOBBY } from '../shared/limits';
import type { FileAttachment } from '../shared/protocol';
import { FileTransfers } from './file-transfers';
import { saveFile } from './node/save-file';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function setUp() {
  const server = await startServer();
  const chat = client();
  expect((await chat.connect(urlOf(server), 'alice')).ok).toBe(true);
  const transfers = new FileTransfers(chat);
  const progress: TransferProgress[] = [];
  transfers.onProgress((event) => progress.push(event));
  return { transfers, progress };
}

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-save-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('FileTransfers', () => {
  it('refuses malformed arguments without sending anything', async () => {
    const { transfers } = await setUp();
    const file = { name: 'a.txt', type: 'text/plain', bytes: new Uint8Array([1]) };
    expect(await transfers.upload({ name: 'a.txt' }, LOBBY, 't1')).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    expect(await transfers.upload(file, 'no room!', 't1')).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    expect(await transfers.upload(file, LOBBY, 'bad id!')).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    expect(
      await transfers.download({ id: '../etc', name: 'x', size: 1, type: '' }, 't2'),
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    const svg: FileAttachment = {
      id: 'a'.repeat(64),
      name: 'x.svg',
      size: 10,
      type: 'image/svg+xml',
    };
    expect(await transfers.preview(svg)).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
  });

  it('reports progress under the transfer id, and cancels by it', async () => {
    const { transfers, progress } = await setUp();
    const bytes = randomBytes(LIMITS.fileChunkBytes * 3);
    const sent = await transfers.upload({ name: 'a.bin', type: '', bytes }, LOBBY, 'up-1');
    expect(sent.ok).toBe(true);
    expect(progress.at(-1)).toEqual({
      transferId: 'up-1',
      done: bytes.length,
      total: bytes.length,
    });

    const big = randomBytes(LIMITS.fileChunkBytes * 60);
    transfers.onProgress((event) => {
      if (event.transferId === 'up-2') transfers.cancel('up-2');
    });
    expect(
      await transfers.upload({ name: 'b.bin', type: '', bytes: big }, LOBBY, 'up-2'),
    ).toMatchObject({
      ok: false,
      error: { code: 'cancelled' },
    });
  });

  it('saves a download to disk whole, and leaves nothing when it is cancelled', async () => {
    const { transfers } = await setUp();
    const bytes = randomBytes(LIMITS.fileChunkBytes * 30 + 7);
    const sent = await transfers.upload({ name: 'data.bin', type: '', bytes }, LOBBY, 'up');
    const file = sent.ok ? sent.message.file! : ({} as FileAttachment);
    const dir = folder();

    const path = join(dir, 'data.bin');
    expect(await saveFile(transfers, file, 'down-1', path)).toEqual({ ok: true, saved: true });
    // Compared by hash: a deep comparison of megabytes, byte by byte, takes seconds.
    expect(sha256(readFileSync(path))).toBe(sha256(bytes));

    transfers.onProgress((event) => {
      if (event.transferId === 'down-2') transfers.cancel('down-2');
    });
    const cancelledPath = join(dir, 'cancelled.bin');
    expect(await saveFile(transfers, file, 'down-2', cancelledPath)).toMatchObject({
      ok: false,
      error: { code: 'cancelled' },
    });
    expect(existsSync(cancelledPath)).toBe(false);
    expect(readdirSync(dir)).toEqual(['data.bin']);
  });
});
