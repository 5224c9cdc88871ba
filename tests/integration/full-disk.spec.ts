/**
 * A real full disk: the history on a small tmpfs that the test fills with a file and frees again
 * (tests/support/small-disk.ts; needs root, else skipped with the reason printed). What must hold:
 * a send the disk refuses is answered storage_full and leaves nothing behind; once space is back
 * the server goes on by itself; after a kill -9 every acknowledged message is there, nothing
 * refused is, and ids only grow. The trap it guards against: a write that fails half-way leaves a
 * half-written record at the end of LevelDB's log, and on the next open LevelDB drops everything
 * written after it (see LevelMessageStore.#repair).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MessageLog } from '../../src/server/storage/message-log';
import { LevelMessageStore } from '../../src/server/storage/level-message-store';
import { StorageError } from '../../src/server/storage/history-store';
import { mountSmallDisk } from '../support/small-disk';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

const disk = mountSmallDisk(4);
const unavailable = 'unavailable' in disk ? disk.unavailable : null;
if (unavailable) console.warn(`full-disk: skipped: ${unavailable}`);
afterAll(() => {
  if (!('unavailable' in disk)) disk.unmount();
});
let folders = 0;
const folder = () => {
  if ('unavailable' in disk) throw new Error(disk.unavailable);
  const path = join(disk.path, `history-${++folders}`);
  mkdirSync(path);
  return path;
};

const alice = { id: 'a', nickname: 'alice' };
/** A message text big enough that a few fill LevelDB's log buffer. */
const text = (n: number) => `message ${n} `.padEnd(2_000, '.');

describe.skipIf(unavailable !== null)('the message log on a full disk', () => {
  it('refuses what the disk refuses, keeps every acknowledged message across a reopen', async () => {
    if ('unavailable' in disk) return;
    const dir = folder();
    const warnings: string[] = [];
    const open = async () =>
      MessageLog.open('lobby', {
        capacity: 1_000,
        store: await LevelMessageStore.open(dir, { onWarning: (w) => warnings.push(w) }),
      });
    let log = await open();
    const acknowledged = new Map<number, string>();
    const refused: string[] = [];
    const send = async (clientId: string) => {
      const { message, durable } = log.append('lobby', alice, clientId, text(acknowledged.size));
      try {
        await durable;
        acknowledged.set(message.id, clientId);
        return { ok: true, id: message.id };
      } catch (error) {
        refused.push(clientId);
        return { ok: false, id: message.id, error: StorageError.fromWriteFailure(error) };
      }
    };
    for (let n = 0; n < 5; n++) expect((await send(`before-${n}`)).ok).toBe(true);

    disk.fill();
    // The log file's last page may still take a message or two; then the disk says no.
    let first = await send('full-0');
    for (let n = 1; first.ok && n < 200; n++) first = await send(`full-${n}`);
    expect(first).toMatchObject({ ok: false, error: { code: 'storage_full' } });
    for (let n = 0; n < 3; n++) {
      expect(await send(`still-full-${n}`)).toMatchObject({
        ok: false,
        error: { code: 'storage_full' },
      });
    }
    const highestRefused = log.lastId;
    // Nothing refused is readable, and its client id is free again.
    const page = await log.page('lobby', { after: 0 }, 1_000);
    expect(page.messages.map((m) => m.id)).toEqual([...acknowledged.keys()]);

    disk.free();
    // The same client id again: stored this time, with a new id.
    const resent = await send(refused[0]!);
    expect(resent).toMatchObject({ ok: true });
    expect(resent.id).toBeGreaterThan(highestRefused);
    for (let n = 0; n < 15; n++) expect((await send(`after-${n}`)).ok).toBe(true);
    const handedOut = log.lastId;

    // LevelDB's close writes nothing of the log into tables, so the reopening reads the log as
    // after a kill -9 (the server process test below kills for real).
    await log.close();
    log = await open();
    try {
      const stored = await log.page('lobby', { after: 0 }, 1_000);
      expect(stored.messages.map((m) => [m.id, m.clientId])).toEqual([...acknowledged]);
      const next = await send('after-restart');
      expect(next.id).toBeGreaterThan(handedOut);
    } finally {
      await log.close();
    }
    // The half-written record was at the very end of the old log: LevelDB reads it as the end.
    expect(warnings).toEqual([]);
  });
});
