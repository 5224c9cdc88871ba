/**
 * `parley backup` and `parley restore` on data made by real servers: a backup of a running server
 * taken while messages keep arriving holds every message acknowledged before it began, and the
 * files; the restored folder opens and new ids never repeat old ones. And each refusal. The
 * commands run through the CLI's own entry point (main), in this process.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/shared/limits';
import type { ChatMessage } from '../../src/shared/protocol';
import { io as connect } from 'socket.io-client';
import {
  emitRaw,
  joinRaw,
  onCleanup,
  startServer,
  type RawSocket,
  joinWith,
} from '../support/chat';
import { freePort, ServerProcess } from '../support/server-process';
import { allMessages, parley, sendFile } from '../support/data-commands';

function folder(prefix = 'parley-backup-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const serverOptions = { rateLimits: { message: { points: 100_000, durationSeconds: 1 } } };

async function send(socket: RawSocket, clientId: string): Promise<ChatMessage> {
  const sent = await emitRaw(socket, 'message:send', { clientId, text: `text of ${clientId}` });
  if (!sent.ok) throw new Error(sent.error.message);
  return sent.message as ChatMessage;
}

/** A data folder with `count` messages, written by a server that has stopped again. */
async function stoppedData(count: number): Promise<{ dataDir: string; sent: ChatMessage[] }> {
  const dataDir = folder('parley-data-');
  const server = await startServer({ ...serverOptions, dataDir });
  const socket = await joinRaw(server, 'alice');
  const sent: ChatMessage[] = [];
  for (let index = 0; index < count; index++) sent.push(await send(socket, `s${index}`));
  await server.close();
  return { dataDir, sent };
}

describe('parley backup and restore', () => {
  it('backs up a running server while messages arrive; the restore has every message acknowledged before, and the files', async () => {
    const dataDir = folder('parley-data-');
    const server = await startServer({ ...serverOptions, dataDir });
    const alice = await joinRaw(server, 'alice');
    const bytes = randomBytes(3 * LIMITS.fileChunkBytes + 17);
    const before: ChatMessage[] = [await sendFile(alice, bytes)];
    for (let index = 0; index < 40; index++) before.push(await send(alice, `before${index}`));

    // Bob keeps sending, before, during and after the backup.
    const bob = await joinRaw(server, 'bob');
    const during: ChatMessage[] = [];
    let sending = true;
    let firstDuring: () => void = () => {};
    const started = new Promise<void>((resolve) => (firstDuring = resolve));
    const sender = (async () => {
      for (let index = 0; sending; index++) {
        during.push(await send(bob, `during${index}`));
        firstDuring();
      }
    })();
    await started;

    const backupDir = join(folder(), 'backup');
    const backedUp = await parley('backup', '--data', dataDir, '--to', backupDir);
    sending = false;
    await sender;
    expect(backedUp.output).toMatch(/^Backed up the running server's data in /);
    expect(backedUp.output).toMatch(/\d+ messages in 1 room and 1 file, as they stood at /);
    expect(backedUp.code).toBe(0);
    await server.close();
    const highestEver = Math.max(...[...before, ...during].map((message) => message.id));

    const restored = folder('parley-restored-');
    const restoring = await parley('restore', '--from', backupDir, '--data', restored);
    expect(restoring.code).toBe(0);
    expect(restoring.output).toContain(`Restored ${backupDir} into ${restored}:`);
    expect(restoring.output).toMatch(/Messages sent after the backup was taken are not in it/);

    const again = await startServer({ ...serverOptions, dataDir: restored });
    const messages = await allMessages(again);
    const byId = new Map(messages.map((message) => [message.id, message]));
    for (const message of before) expect(byId.get(message.id)).toEqual(message);
    // Whatever else it holds is what was acknowledged during the backup, unchanged.
    const duringById = new Map(during.map((message) => [message.id, message]));
    for (const message of messages) {
      if (!before.some(({ id }) => id === message.id)) {
        expect(message).toEqual(duringById.get(message.id));
      }
    }
    const fileId = before[0]!.file!.id;
    expect(readFileSync(join(restored, 'files', fileId.slice(0, 2), fileId))).toEqual(bytes);
    const next = await send(await joinRaw(again, 'carol'), 'after-restore');
    expect(next.id).toBeGreaterThan(highestEver);
  });

  it("backs up a stopped server's folder, and restores it with --force over newer data, keeping ids above it", async () => {
    const { dataDir, sent } = await stoppedData(20);
    const backupDir = join(folder(), 'backup');
    const backedUp = await parley('backup', '--data', dataDir, '--to', backupDir);
    expect(backedUp.code).toBe(0);
    expect(backedUp.output).toContain('(no server was running)');
    expect(backedUp.output).toContain('20 messages in 1 room and 0 files');

    // The folder goes on after the backup; the restore replaces it only when told to.
    const server = await startServer({ ...serverOptions, dataDir });
    const later = await send(await joinRaw(server, 'bob'), 'later');
    await server.close();
    const refused = await parley('restore', '--from', backupDir, '--data', dataDir);
    expect(refused).toEqual({
      code: 1,
      output: `${dataDir} already holds Parley data. Add --force to replace it (it is moved aside, not deleted).\n`,
    });
    const forced = await parley('restore', '--from', backupDir, '--data', dataDir, '--force');
    expect(forced.code).toBe(0);
    const movedTo = /The data it replaced was moved to (.+)\./.exec(forced.output)![1]!;
    expect(statSync(join(movedTo, 'history')).isDirectory()).toBe(true);

    const again = await startServer({ ...serverOptions, dataDir });
    expect((await allMessages(again)).map((message) => message.id)).toEqual(
      sent.map((message) => message.id),
    );
    const next = await send(await joinRaw(again, 'carol'), 'after-restore');
    expect(next.id).toBeGreaterThan(later.id);
  });

  it(
    'the built parley backup copies a parley serve running in another process, which then is killed',
    { timeout: 240_000 },
    async () => {
      const dataDir = join(folder('parley-data-'), 'data');
      const server = new ServerProcess({
        port: await freePort(),
        dataDir,
        args: ['--message-rate', '100000/1'],
      });
      onCleanup(() => server.kill());
      await server.start();
      const socket = connect(server.url, {
        transports: ['websocket'],
        forceNew: true,
      }) as RawSocket;
      onCleanup(() => void socket.disconnect());
      const joined = await joinWith(socket, { nickname: 'alice' });
      expect(joined.ok).toBe(true);
      const sent: ChatMessage[] = [];
      for (let index = 0; index < 25; index++) sent.push(await send(socket, `p${index}`));

      const backupDir = join(folder(), 'backup');
      const printed = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          ['bin/parley.mjs', 'backup', '--data', dataDir, '--to', backupDir],
          (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)),
        ),
      );
      expect(printed).toContain("Backed up the running server's data");
      expect(printed).toContain('25 messages in 1 room and 0 files');
      await server.kill(); // no shutdown: the backup must not depend on one

      const restored = folder('parley-restored-');
      expect((await parley('restore', '--from', backupDir, '--data', restored)).code).toBe(0);
      const again = await startServer({ dataDir: restored });
      expect(await allMessages(again)).toEqual(sent);
    },
  );

  it('keeps the control socket where only the owner reaches it', async () => {
    const dataDir = folder('parley-data-');
    await startServer({ dataDir });
    expect(statSync(join(dataDir, 'control')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'control', 'socket')).mode & 0o777).toBe(0o600);
  });

  it('says to stop a server that holds the data but has no control socket', async () => {
    const dataDir = folder('parley-data-');
    writeFileSync(join(dataDir, 'control'), 'not a folder'); // the socket cannot be made
    const errors: unknown[] = [];
    await startServer({ dataDir, onError: (error) => errors.push(error) });
    expect(errors).toHaveLength(1); // reported, and the server runs on without it
    const backupDir = join(folder(), 'backup');
    expect(await parley('backup', '--data', dataDir, '--to', backupDir)).toEqual({
      code: 1,
      output:
        `A Parley server is using ${dataDir} but does not answer on ${join(dataDir, 'control', 'socket')}, ` +
        'so it cannot be asked for a consistent copy. Stop it (Ctrl+C) and run the backup again.\n',
    });
  });

  it('refuses: a backup into a folder that is not empty, a restore while a server runs, a folder that is no backup, missing options', async () => {
    const { dataDir } = await stoppedData(3);
    const full = folder();
    writeFileSync(join(full, 'something'), 'x');
    expect(await parley('backup', '--data', dataDir, '--to', full)).toEqual({
      code: 1,
      output: `${full} is not empty: a backup needs an empty or new folder.\n`,
    });

    const backupDir = join(folder(), 'backup');
    expect((await parley('backup', '--data', dataDir, '--to', backupDir)).code).toBe(0);
    const running = folder('parley-data-');
    await startServer({ dataDir: running });
    expect(await parley('restore', '--from', backupDir, '--data', running, '--force')).toEqual({
      code: 1,
      output: `A Parley server is using ${running}. Stop it before restoring.\n`,
    });
    // The server's own data is untouched and it still answers a backup.
    expect((await parley('backup', '--data', running, '--to', join(folder(), 'b'))).code).toBe(0);

    const notBackup = folder();
    mkdirSync(join(notBackup, 'history'));
    const target = folder('parley-restored-');
    expect(await parley('restore', '--from', notBackup, '--data', target)).toEqual({
      code: 1,
      output: `${notBackup} is not a complete Parley backup (no PARLEY-BACKUP.json); it cannot be restored.\n`,
    });

    const noTarget = await parley('backup', '--data', dataDir);
    expect(noTarget.code).toBe(1);
    expect(noTarget.output).toMatch(/^parley backup needs --to\./);
    const noSource = await parley('restore', '--data', target);
    expect(noSource.output).toMatch(/^parley restore needs --from\./);
    expect(
      (await parley('backup', '--data', folder(), '--to', join(folder(), 'x'))).output,
    ).toMatch(/holds no Parley data/);
  });
});
