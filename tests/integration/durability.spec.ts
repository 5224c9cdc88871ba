/**
 * "Acknowledged" means on the disk, not only handed to the operating system: with strace attached
 * to a running `parley serve`, every acknowledged message must have been followed by an fsync of
 * the history (fdatasync or fsync) before its acknowledgement arrived. Needs strace (Debian's
 * `strace` package; `.ci/run` installs it) and the right to trace one's own child process; where
 * either is missing the test is skipped and says why.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import type { RawSocket } from '../support/chat';
import { onCleanup, joinWith } from '../support/chat';
import { freePort, ServerProcess } from '../support/server-process';

const hasStrace = spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;
if (!hasStrace) console.warn('durability: skipped: no strace (apt-get install strace)');

describe.skipIf(!hasStrace)('acknowledgements and the disk', () => {
  it('fsyncs the history before each acknowledged message is acknowledged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-durability-'));
    const server = new ServerProcess({ port: await freePort(), dataDir: join(dir, 'data') });
    onCleanup(() => server.kill());
    await server.start();

    // Attached to every thread of the server (LevelDB writes on libuv's pool), from now on.
    const trace = join(dir, 'trace.txt');
    const strace = spawn(
      'strace',
      ['-f', '-tt', '-e', 'trace=fsync,fdatasync', '-o', trace, '-p', String(server.pid)],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    onCleanup(() => void strace.kill('SIGINT'));
    let straceSaid = '';
    await new Promise<void>((resolve, reject) => {
      strace.stderr.on('data', (chunk: Buffer) => {
        straceSaid += chunk;
        if (/attached/.test(straceSaid)) resolve();
      });
      strace.once('exit', () => reject(new Error(`strace could not attach: ${straceSaid}`)));
    });

    const socket: RawSocket = io(server.url, { transports: ['websocket'], forceNew: true });
    onCleanup(() => void socket.disconnect());
    const joined = await joinWith(socket, { nickname: 'ann' });
    expect(joined.ok).toBe(true);
    const sent = 5;
    for (let n = 0; n < sent; n++) {
      const ack = await socket
        .timeout(10_000)
        .emitWithAck('message:send', { clientId: `c${n}`, text: `message ${n}` });
      expect(ack.ok, `message ${n}`).toBe(true);
    }
    strace.kill('SIGINT');
    await new Promise((resolve) => strace.once('exit', resolve));

    // One message at a time, each waited for: one group commit each, so one sync each at least.
    const syncs = readFileSync(trace, 'utf8')
      .split('\n')
      .filter((line) => /\b(fsync|fdatasync)\(/.test(line));
    expect(syncs.length, readFileSync(trace, 'utf8')).toBeGreaterThanOrEqual(sent);
  });
});
