/**
 * A real full disk: the history on a small tmpfs that the test fills with a file and frees again
 * (tests/support/small-disk.ts; needs root, else skipped with the reason printed). What must hold:
 * a send the disk refuses is answered storage_full and leaves nothing behind; once space is back
 * the server goes on by itself; after a kill -9 every acknowledged message is there, nothing
 * refused is, and ids only grow. The trap it guards against: a write that fails half-way leaves a
 * half-written record at the end of LevelDB's log, and on the next open LevelDB drops everything
 * written after it (see LevelMessageStore.#repair).
 */
import { memoryDeviceKey, type DeviceKey } from '../../src/client/device-key';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { MessageLog } from '../../src/server/storage/message-log';
import { LevelMessageStore } from '../../src/server/storage/level-message-store';
import { StorageError } from '../../src/server/storage/history-store';
import type { ChatMessage } from '../../src/shared/protocol';
import { collect, onCleanup, waitFor, type RawSocket, joinWith } from '../support/chat';
import { freePort, ServerProcess } from '../support/server-process';
import { mountSmallDisk } from '../support/small-disk';

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
    for (let n = 0; n < 5; n++) expect(await send(`before-${n}`)).toMatchObject({ ok: true });

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
    for (let n = 0; n < 15; n++)
      expect(JSON.stringify(await send(`after-${n}`))).toMatch(/^{"ok":true/);
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
    // Said once when writes started failing and once when they worked again; on reopening,
    // nothing (the half-written record was at the very end of the old log: LevelDB stops there).
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Cannot write to the history in .*No space left on device.*free some space/,
      ),
      expect.stringMatching(/^Writing to the history in .* works again/),
    ]);
  });
});

describe.skipIf(unavailable !== null)('parley serve on a full disk', () => {
  it('answers storage_full, recovers by itself when space returns, loses nothing on kill -9', async () => {
    if ('unavailable' in disk) return;
    const server = new ServerProcess({
      port: await freePort(),
      dataDir: folder(),
      args: ['--message-rate', '100000/1'],
    });
    onCleanup(() => server.kill());
    await server.start();
    const keys = new Map<string, DeviceKey>();
    const connect = async (nickname: string, since?: number) => {
      const socket: RawSocket = io(server.url, { transports: ['websocket'], forceNew: true });
      onCleanup(() => void socket.disconnect());
      if (!keys.has(nickname)) keys.set(nickname, memoryDeviceKey());
      const joined = await joinWith(
        socket,
        { nickname, ...(since === undefined ? {} : { since }) },
        keys.get(nickname),
      );
      if (!joined.ok) throw new Error(joined.error.message);
      return { socket, joined };
    };
    /** Every message the server holds, by paging from the start. */
    const everything = async (socket: RawSocket) => {
      const messages: ChatMessage[] = [];
      for (;;) {
        const after = messages.at(-1)?.id ?? 0;
        const page = await socket.timeout(10_000).emitWithAck('history:fetch', { after });
        if (!page.ok) throw new Error(page.error.message);
        messages.push(...page.messages);
        if (!page.hasMore) return messages.map((m) => [m.id, m.clientId]);
      }
    };

    const alice = (await connect('alice')).socket;
    const bob = (await connect('bob')).socket;
    // carol is known to the server before the disk fills: a new person could not be stored then.
    (await connect('carol')).socket.disconnect();
    const broadcast = collect(bob, 'message:created');
    const acknowledged = new Map<number, string>();
    let number = 0;
    const send = async (clientId: string) => {
      const ack = await alice
        .timeout(10_000)
        .emitWithAck('message:send', { clientId, text: text(number++) });
      if (ack.ok) acknowledged.set(ack.message.id, clientId);
      return ack;
    };
    for (let n = 0; n < 5; n++) expect(await send(`before-${n}`)).toMatchObject({ ok: true });

    disk.fill();
    const refused: string[] = [];
    // The log file's last page may still take a message or two; then the disk says no.
    for (let n = 0; refused.length === 0 && n < 200; n++) {
      if (!(await send(`full-${n}`)).ok) refused.push(`full-${n}`);
    }
    for (let n = 0; n < 3; n++) {
      refused.push(`still-full-${n}`);
      expect(await send(`still-full-${n}`)).toMatchObject({
        ok: false,
        error: { code: 'storage_full', message: expect.stringMatching(/disk is full/) },
      });
    }
    // A resend with the same client id is not answered "ok" while nothing was stored.
    expect(await send(refused[0]!)).toMatchObject({ ok: false, error: { code: 'storage_full' } });
    // Nothing refused shows anywhere: not in history, not in a catch-up, not broadcast.
    expect(await everything(bob)).toEqual([...acknowledged]);
    const carol = await connect('carol', 0);
    expect(carol.joined.messages.map((m: ChatMessage) => [m.id, m.clientId])).toEqual([
      ...acknowledged,
    ]);
    await waitFor(() => broadcast.length === acknowledged.size, 'the broadcasts');

    disk.free();
    const highest = Math.max(...acknowledged.keys());
    const resent = await send(refused[0]!);
    expect(resent).toMatchObject({ ok: true, message: { clientId: refused[0] } });
    expect(resent.ok && resent.message.id).toBeGreaterThan(highest);
    for (let n = 0; n < 15; n++)
      expect(JSON.stringify(await send(`after-${n}`))).toMatch(/^{"ok":true/);
    await waitFor(() => broadcast.length === acknowledged.size, 'the broadcasts after recovery');
    expect(broadcast.map((m) => [m.id, m.clientId])).toEqual([...acknowledged]);

    await server.kill();
    await server.start();
    const dave = (await connect('dave')).socket;
    expect(await everything(dave)).toEqual([...acknowledged]);
    const next = await dave
      .timeout(10_000)
      .emitWithAck('message:send', { clientId: 'x', text: 'x' });
    expect(next.ok && next.message.id).toBeGreaterThan(Math.max(...acknowledged.keys()));
    expect(server.unexpectedExits).toBe(0);
    // The operator heard of it once, when writes started failing, and once when they worked
    // again; not once per refused message, and no complaint from LevelDB on restarting.
    expect(server.errorOutput.match(/Cannot write to the history/g)).toHaveLength(1);
    expect(server.errorOutput).toMatch(/No space left on device/);
    expect(server.errorOutput.match(/Writing to the history in .* works again/g)).toHaveLength(1);
    expect(server.errorOutput).not.toMatch(/damaged records/);
  });
});
