import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
  it('says so when LevelDB skips a damaged record on opening, in its own words', async () => {
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
    const reopened = await LevelMessageStore.open(dir, { onWarning: (w) => warnings.push(w) });
    await reopened.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(dir);
    expect(warnings[0]).toMatch(/damaged records/);
    expect(warnings[0]).toMatch(/Corruption/);
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
});
