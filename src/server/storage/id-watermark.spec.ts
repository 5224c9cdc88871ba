/**
 * The id marks beside LevelDB (PARLEY-IDS): `reserved` is on disk before an id above it is
 * written, `acknowledged` follows completed writes only, and a write that fails moves neither
 * past what was stored.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chatMessage } from '../../../tests/support/bare-server';
import { IDS_FILE, ID_BLOCK, IdWatermark, readIdMarks, WatermarkedStore } from './id-watermark';
import { LevelMessageStore } from './level-message-store';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function folder(): string {
  const path = mkdtempSync(join(tmpdir(), 'parley-ids-'));
  folders.push(path);
  return path;
}

describe('IdWatermark', () => {
  it("starts at the store's last id, reserves a block ahead on disk, and acknowledges only upwards", async () => {
    const directory = folder();
    const watermark = await IdWatermark.open(directory, 7);
    expect(await readIdMarks(directory)).toEqual({ reserved: 7, acknowledged: 7 });

    await watermark.reserve(8);
    expect(await readIdMarks(directory)).toEqual({ reserved: 8 + ID_BLOCK, acknowledged: 7 });
    await watermark.reserve(500); // inside the block: nothing to write
    watermark.acknowledge(9);
    watermark.acknowledge(8);
    await watermark.close();
    expect(await readIdMarks(directory)).toEqual({ reserved: 8 + ID_BLOCK, acknowledged: 9 });

    // A later open keeps the marks rather than starting again from the store's last id.
    const reopened = await IdWatermark.open(directory, 3);
    expect(reopened.marks).toEqual({ reserved: 8 + ID_BLOCK, acknowledged: 9 });
    await reopened.close();
  });

  it('refuses marks it cannot read', async () => {
    const directory = folder();
    writeFileSync(join(directory, IDS_FILE), 'reserved 12\n');
    await expect(IdWatermark.open(directory, 0)).rejects.toThrow(`${IDS_FILE} is unreadable`);
  });

  it('a store whose write fails leaves acknowledged where it was', async () => {
    const directory = folder();
    const level = await LevelMessageStore.open(directory);
    const store = new WatermarkedStore(level, await IdWatermark.open(directory, 0));
    await store.write([chatMessage(1), chatMessage(2)]);
    await level.close(); // every write fails from here on
    await expect(store.write([chatMessage(3)])).rejects.toThrow();
    await store.close().catch(() => {});
    const marks = await readIdMarks(directory);
    expect(marks).toEqual({ reserved: 2 + ID_BLOCK, acknowledged: 2 });
  });
});
