/**
 * Damage is never silent: a data folder made by a real server is damaged the ways issue 12 found
 * (LevelDB's log cut in half, a byte of it flipped, CURRENT deleted, an empty MANIFEST), and the
 * server either opens it with every acknowledged message or refuses with a message that names
 * the damage and what to do; `parley check` finds each damage without changing the folder and
 * `parley check --repair` keeps what can be read, says what it could not, and never lets an id
 * be used twice. The commands run through the CLI's own entry point (main), in this process.
 */
import { spawn } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { describe, expect, it } from 'vitest';
import { HostingService } from '../../src/desktop/hosting-service';
import { createChatServer, type ChatServer } from '../../src/server/chat-server';
import { ChatServerError } from '../../src/server/errors';
import { ID_BLOCK, IDS_FILE } from '../../src/server/storage/id-watermark';
import type { ChatMessage } from '../../src/shared/protocol';
import { emitRaw, joinRaw, onCleanup, startServer } from '../support/chat';
import { allMessages, parley, sendFile } from '../support/data-commands';

function dataDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-damage-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Sends `count` messages, each acknowledged; returns their ids. */
async function send(server: ChatServer, count: number, tag = 'm'): Promise<number[]> {
  const socket = await joinRaw(server, `writer-${tag}`);
  const ids: number[] = [];
  for (let index = 0; index < count; index++) {
    const sent = await emitRaw(socket, 'message:send', {
      clientId: `${tag}${index}`,
      text: `${tag} ${index}`,
    });
    if (!sent.ok) throw new Error(sent.error.message);
    ids.push((sent.message as ChatMessage).id);
  }
  socket.disconnect();
  return ids;
}

/** A data folder holding `count` acknowledged messages; with `flushed`, part of them in tables. */
async function dataWith(count: number, flushed = 0): Promise<{ dataDir: string; ids: number[] }> {
  const dataDir = dataDirectory();
  const ids: number[] = [];
  if (flushed > 0) {
    const first = await createChatServer({ ...serverOptions, dataDir });
    ids.push(...(await send(first, flushed, 'a')));
    await first.close();
  }
  // Opening again turns the log written so far into a table (.ldb) and starts a new log.
  const server = await createChatServer({ ...serverOptions, dataDir });
  ids.push(...(await send(server, count - flushed, 'b')));
  await server.close();
  return { dataDir, ids };
}

/** Servers on loopback that let a test send as fast as it likes. */
const serverOptions = {
  host: '127.0.0.1',
  port: 0,
  webRoot: null,
  rateLimits: { message: { points: 100_000, durationSeconds: 1 } },
};

const history = (dataDir: string) => join(dataDir, 'history');
const levelFile = (dataDir: string, pattern: RegExp) =>
  join(
    history(dataDir),
    readdirSync(history(dataDir)).find((name) => pattern.test(name))!,
  );

/** What starting a server on `dataDir` does: the refusal, or null when it started. */
async function startError(dataDir: string): Promise<ChatServerError | null> {
  try {
    const server = await createChatServer({ ...serverOptions, dataDir });
    await server.close();
    return null;
  } catch (error) {
    if (error instanceof ChatServerError) return error;
    throw error;
  }
}

/** Starts a server on the repaired folder: it opens, and the next message gets a new id. */
async function nextIdAfterRepair(dataDir: string): Promise<{ id: number; kept: number[] }> {
  const server = await startServer({ ...serverOptions, dataDir });
  const kept = (await allMessages(server)).map((message) => message.id);
  const [id] = await send(server, 1, 'after');
  return { id: id!, kept };
}

function snapshot(dataDir: string): Record<string, number> {
  return Object.fromEntries(
    readdirSync(history(dataDir)).map((name) => [
      name,
      statSync(join(history(dataDir), name)).size,
    ]),
  );
}

describe('a damaged data folder', () => {
  it('whose log lost its second half refuses to start, every time, naming the missing ids', async () => {
    const { dataDir, ids } = await dataWith(150);
    const log = levelFile(dataDir, /\.log$/);
    truncateSync(log, Math.floor(statSync(log).size / 2));

    const refusal = await startError(dataDir);
    expect(refusal?.code).toBe('data_damaged');
    expect(refusal?.message).toMatch(
      /messages up to id 150 were acknowledged, but it ends at id \d+/,
    );
    expect(refusal?.message).toContain(`parley check --data ${dataDir} --repair`);
    expect(refusal?.message).toContain('parley restore --from BACKUP');
    // LevelDB has dropped the cut record by now; the refusal must not depend on seeing it again.
    expect((await startError(dataDir))?.code).toBe('data_damaged');

    const checked = await parley('check', '--data', dataDir);
    expect(checked.code).toBe(2);
    const lostFrom = Number(
      /ids (\d+) to 150 were acknowledged and are missing/.exec(checked.output)?.[1],
    );
    expect(lostFrom).toBeGreaterThan(1);
    expect(lostFrom).toBeLessThan(150);

    const repaired = await parley('check', '--data', dataDir, '--repair');
    expect(repaired.code).toBe(0);
    expect(repaired.output).toContain(`lobby: ${lostFrom - 1} messages`);
    expect(repaired.output).toContain(
      `the messages with ids ${lostFrom} to 150 (${151 - lostFrom})`,
    );

    const { id, kept } = await nextIdAfterRepair(dataDir);
    expect(kept).toEqual(ids.slice(0, lostFrom - 1));
    expect(id).toBeGreaterThan(Math.max(...ids)); // never an id a client already holds
  });

  it('whose log has a damaged record refuses even without the id marks (LevelDB LOG says so)', async () => {
    const { dataDir } = await dataWith(150);
    const log = levelFile(dataDir, /\.log$/);
    const bytes = readFileSync(log);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(log, bytes);
    rmSync(join(history(dataDir), IDS_FILE)); // as in a folder from before the marks

    const refusal = await startError(dataDir);
    expect(refusal?.code).toBe('data_damaged');
    expect(refusal?.message).toMatch(
      /dropped it \(.*dropping \d+ bytes; Corruption: checksum mismatch/,
    );
    // The first open made LevelDB drop the record for good: the second start still refuses.
    expect((await startError(dataDir))?.message).toMatch(/dropping \d+ bytes/);

    const repaired = await parley('check', '--data', dataDir, '--repair');
    expect(repaired.code).toBe(0);
    expect(await startError(dataDir)).toBeNull();
  });

  it('without CURRENT refuses instead of starting an empty history, and repair keeps all', async () => {
    const { dataDir, ids } = await dataWith(150, 100);
    expect(readdirSync(history(dataDir)).some((name) => name.endsWith('.ldb'))).toBe(true);
    rmSync(join(history(dataDir), 'CURRENT'));
    const before = snapshot(dataDir);

    const refusal = await startError(dataDir);
    expect(refusal?.code).toBe('data_damaged');
    expect(refusal?.message).toMatch(/its CURRENT file is missing/);
    expect(refusal?.message).toContain(`parley check --data ${dataDir} --repair`);
    expect(snapshot(dataDir)).toEqual(before); // nothing created, nothing deleted

    const checked = await parley('check', '--data', dataDir);
    expect(checked.code).toBe(2);
    expect(checked.output).toMatch(/CURRENT file is missing/);
    expect(snapshot(dataDir)).toEqual(before); // a check changes nothing

    const repaired = await parley('check', '--data', dataDir, '--repair');
    expect(repaired.code).toBe(0);
    expect(repaired.output).toContain('lobby: 150 messages');
    expect(repaired.output).toContain('Nothing that could be found was lost.');
    expect(repaired.output).toMatch(/The folder as it was is kept in .*history-before-repair-/);
    const { id, kept } = await nextIdAfterRepair(dataDir);
    expect(kept).toEqual(ids);
    expect(id).toBeGreaterThan(150);
  });

  it("with an empty MANIFEST refuses, naming LevelDB's cause, and repair keeps all", async () => {
    const { dataDir, ids } = await dataWith(150, 100);
    writeFileSync(levelFile(dataDir, /^MANIFEST-/), '');

    const refusal = await startError(dataDir);
    expect(refusal?.code).toBe('data_damaged');
    expect(refusal?.message).toMatch(
      /its MANIFEST-\d+ file \(LevelDB's list of its own files\) is damaged: LevelDB says "Corruption: [^"]+"/,
    );
    const checked = await parley('check', '--data', dataDir);
    expect(checked.code).toBe(2);
    expect(checked.output).toMatch(/MANIFEST-\d+ file .* is damaged/);
    expect(refusal?.message).toContain(`parley check --data ${dataDir} --repair`);

    const repaired = await parley('check', '--data', dataDir, '--repair');
    expect(repaired.code).toBe(0);
    expect(repaired.output).toContain('lobby: 150 messages');
    const { id, kept } = await nextIdAfterRepair(dataDir);
    expect(kept).toEqual(ids);
    expect(id).toBeGreaterThan(150);
  });

  it('whose id marks are unreadable refuses; repair starts new ids a block above the highest', async () => {
    const { dataDir, ids } = await dataWith(30);
    writeFileSync(join(history(dataDir), IDS_FILE), 'reserved 00');

    const refusal = await startError(dataDir);
    expect(refusal?.code).toBe('data_damaged');
    expect(refusal?.message).toContain(`its id marks cannot be read (${IDS_FILE} is unreadable)`);

    const repaired = await parley('check', '--data', dataDir, '--repair');
    expect(repaired.code).toBe(0);
    expect(repaired.output).toContain(`New messages are numbered after ${30 + ID_BLOCK}`);
    const { id, kept } = await nextIdAfterRepair(dataDir);
    expect(kept).toEqual(ids);
    expect(id).toBe(31 + ID_BLOCK);
  });

  it('that lost a table file refuses, and the repair says the messages in it are lost', async () => {
    const { dataDir, ids } = await dataWith(150, 100);
    rmSync(levelFile(dataDir, /\.ldb$/));

    const refusal = await startError(dataDir);
    expect(refusal?.code).toBe('data_damaged');
    expect(refusal?.message).toMatch(/LevelDB cannot open it: "Corruption: 1 missing files/);

    const repaired = await parley('check', '--data', dataDir, '--repair');
    expect(repaired.output).toMatch(
      /Found before the repair:\n {2}- LevelDB cannot open it: "Corruption: 1 missing files/,
    );
    expect(repaired.output).toContain('lobby: 50 messages');
    expect(repaired.output).toContain(
      'Messages in the parts found missing or dropped above are lost',
    );
    expect(repaired.code).toBe(0);
    const { id, kept } = await nextIdAfterRepair(dataDir);
    expect(kept).toEqual(ids.slice(100));
    expect(id).toBeGreaterThan(150);
  });

  it(
    'parley serve prints the damage and what to do, and exits non-zero',
    { timeout: 60_000 },
    async () => {
      const { dataDir } = await dataWith(20);
      rmSync(join(history(dataDir), 'CURRENT'));
      const child = spawn(
        process.execPath,
        ['bin/parley.mjs', 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      onCleanup(() => void (child.exitCode === null && child.kill('SIGKILL')));
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(output).toContain(`The message history in ${history(dataDir)} is damaged`);
      expect(output).toContain(`parley check --data ${dataDir} --repair`);
      expect(output).not.toContain('Parley is running');
    },
  );
});

describe('a damaged data folder in the desktop app', () => {
  it('"Host a room" gets the same refusal, as a result the window shows', async () => {
    const { dataDir } = await dataWith(20);
    rmSync(join(history(dataDir), 'CURRENT'));
    const hosting = new HostingService({
      host: '127.0.0.1',
      dataDir,
      createServer: (options) => createChatServer({ ...options, webRoot: null }),
      onError: () => undefined,
    });
    onCleanup(async () => void (await hosting.stop()));
    const started = await hosting.start({ port: 0 });
    expect(started).toEqual({
      ok: false,
      error: { code: 'data_damaged', message: (await startError(dataDir))!.message },
    });
    expect(started.ok || started.error.message).toMatch(/CURRENT file is missing.*parley check/);
  });
});

describe('parley check', () => {
  it('says a sound folder is sound, with its messages per room', async () => {
    const { dataDir } = await dataWith(30);
    const checked = await parley('check', '--data', dataDir);
    expect(checked).toEqual({ code: 0, output: expect.stringContaining('is sound') });
    expect(checked.output).toContain('lobby: 30 messages');
  });

  it('finds a record that does not parse, a last id below the ids, a missing file; repair mends what it can', async () => {
    const dataDir = dataDirectory();
    const server = await startServer({ ...serverOptions, dataDir });
    const socket = await joinRaw(server, 'alice');
    const withFile = await sendFile(socket, Buffer.from('the attachment'));
    await send(server, 10);
    await server.close();
    const fileId = withFile.file!.id;
    const db = new ClassicLevel<string, string>(history(dataDir), { valueEncoding: 'utf8' });
    await db.put('msg!lobby!0000000000000005', '{"id": 5, "tex');
    await db.put('meta!lastId', '3');
    await db.close();
    rmSync(join(dataDir, 'files', fileId.slice(0, 2), fileId));

    const checked = await parley('check', '--data', dataDir);
    expect(checked.code).toBe(2);
    expect(checked.output).toContain(`${dataDir} is damaged:`);
    expect(checked.output).toContain('record msg!lobby!0000000000000005 cannot be used: not JSON');
    expect(checked.output).toContain(
      'the recorded last id (3) is below the highest message id (11): ids would be reused',
    );
    expect(checked.output).toContain('1 file(s) that messages carry are missing from');
    expect(checked.output).toContain('lobby: 10 messages');

    const repaired = await parley('check', '--data', dataDir, '--repair');
    expect(repaired.output).toContain(
      'Removed 1 record(s) that could not be read:\n  - msg!lobby!0000000000000005 (not JSON)',
    );
    expect(repaired.output).toMatch(
      /Still wrong after the repair:\n {2}- 1 file\(s\) that messages carry are missing/,
    );
    expect(repaired.code).toBe(2);
    const { id, kept } = await nextIdAfterRepair(dataDir);
    expect(kept).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
    expect(id).toBeGreaterThan(11);
  });

  it('refuses while a server runs on the folder, with or without --repair', async () => {
    const dataDir = dataDirectory();
    await startServer({ dataDir });
    for (const args of [[], ['--repair']]) {
      const checked = await parley('check', '--data', dataDir, ...args);
      expect(checked.code).toBe(1);
      expect(checked.output).toContain(`A Parley server is using ${dataDir}. Stop it first`);
    }
  });

  it('refuses a folder without Parley data, and missing options', async () => {
    const empty = dataDirectory();
    expect(await parley('check', '--data', empty)).toEqual({
      code: 1,
      output: `${empty} holds no Parley data (no history folder).\n`,
    });
    const bare = await parley('check');
    expect(bare.code).toBe(1);
    expect(bare.output).toMatch(/^parley check needs --data\./);
    expect((await parley('check', '--data', empty, '--nonsense')).code).toBe(1);
  });
});
