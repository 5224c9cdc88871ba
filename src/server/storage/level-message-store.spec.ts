import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../shared/protocol';
import { LevelMessageStore } from './level-message-store';

const message = (id: number) => ({
  id,
  clientId: `c${id}`,
  room: 'lobby',
  author: { id: 'a', nickname: 'alice' },
  text: `message ${id}`.padEnd(500, '.'),
  sentAt: id,
});

describe('LevelMessageStore', () => {
  it('refuses a folder where LevelDB skips a damaged record on opening, in its own words', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-level-'));
    const store = await LevelMessageStore.open(dir);
    for (let id = 1; id <= 6; id++) await store.write([message(id)]);
    await store.close();
    // One byte changed in the middle of the log: LevelDB drops that record and what follows.
    const log = join(
      dir,
      readdirSync(dir).find((name) => name.endsWith('.log'))!,
    );
    const bytes = readFileSync(log);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(log, bytes);

    const warnings: string[] = [];
    const opening = LevelMessageStore.open(dir, { onWarning: (w) => warnings.push(w) });
    await expect(opening).rejects.toMatchObject({ code: 'data_damaged' });
    await expect(opening).rejects.toThrow(/Corruption/);
    // And again on the next start: the damage is written down, not forgotten.
    await expect(LevelMessageStore.open(dir)).rejects.toMatchObject({ code: 'data_damaged' });
  });

  it('says nothing on opening an undamaged folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-level-'));
    const store = await LevelMessageStore.open(dir);
    await store.write([message(1)]);
    await store.close();
    const warnings: string[] = [];
    const reopened = await LevelMessageStore.open(dir, { onWarning: (w) => warnings.push(w) });
    expect(await reopened.lastId()).toBe(1);
    await reopened.close();
    expect(warnings).toEqual([]);
  });

  it('after a failed write that LevelDB holds against it, reopens; reads wait, nothing is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-level-'));
    const store = await LevelMessageStore.open(dir, { onWarning: () => {} });
    await store.write([message(1)]);
    // Injected on the real database: one write fails, and rolling the log afterwards fails as
    // LevelDB does once it refuses writes until reopened (a failed fsync, a failed table write).
    const db = store.db as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const realBatch = db.batch!.bind(store.db);
    db.batch = () => Promise.reject(new Error('IO error: 000003.log: Input/output error'));
    await expect(store.write([message(2)])).rejects.toThrow(/Input\/output error/);
    db.batch = realBatch;
    db.compactRange = () => Promise.reject(new Error('IO error: background error'));

    // A read that comes while the database is being closed and opened again waits for that.
    let reading: Promise<ChatMessage[]> | null = null;
    store.db.once('closing', () => (reading = store.page('lobby', { after: 0 }, 10)));
    await store.write([message(3)]);
    expect(reading, 'the database was reopened').not.toBeNull();
    expect((await reading!).map((m) => m.id)).toEqual([1]);
    expect((await store.page('lobby', { after: 0 }, 10)).map((m) => m.id)).toEqual([1, 3]);
    await store.close();

    const again = await LevelMessageStore.open(dir, { onWarning: () => {} });
    expect((await again.page('lobby', { after: 0 }, 10)).map((m) => m.id)).toEqual([1, 3]);
    expect(await again.lastId()).toBe(3);
    await again.close();
  });
});
