/**
 * An attacker holding connections and uploads cannot lock others out: the built `parley serve`
 * runs with 1024 file descriptors (`ulimit -n 1024`, as on many systems) and its default caps,
 * while ten "machines" (other loopback addresses, with loopback counted by the per-address limits:
 * --limit-loopback) each open as many connections as the connection rate allows, leave half of
 * them unjoined and start every upload they can on the rest, never finishing one. A newcomer
 * from elsewhere still connects, joins, sends a message and a file; then what the attacker held
 * is reclaimed (short --join-timeout and --upload-timeout make that quick). Without the caps the
 * attack holds well over 1024 descriptors and newcomers get "websocket error" (EMFILE).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectSocket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { emitRaw, onCleanup, waitFor, type RawSocket, joinWith } from '../support/chat';
import { begin, tempFiles, uploadRaw } from '../support/files';
import { freePort, ServerProcess } from '../support/server-process';
import { LIMITS } from '../../src/shared/limits';

const ATTACKERS = Array.from({ length: 10 }, (_, n) => `127.0.0.${n + 2}`);
/** Connections each attacker tries: all the connection rate lets through. */
const ATTEMPTS = LIMITS.rate.connect.points;

type Attempt = { socket: RawSocket; refusal: null } | { socket: RawSocket; refusal: Error };

/** Opens a connection from `localAddress`; resolves once it is accepted or refused. */
function attempt(url: string, localAddress: string): Promise<Attempt> {
  const socket: RawSocket = connectSocket(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 60_000,
    localAddress,
  } as Parameters<typeof connectSocket>[1]);
  onCleanup(() => void socket.disconnect());
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket, refusal: null }));
    socket.once('connect_error', (refusal) => resolve({ socket, refusal }));
  });
}

let nicknames = 0;

describe('parley serve under ulimit -n 1024', () => {
  it('lets a newcomer in while an attacker holds all it can, then reclaims what the attacker held', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-descriptors-'));
    onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
    const server = new ServerProcess({
      port: await freePort(),
      dataDir,
      maxOpenFiles: 1024,
      args: ['--limit-loopback', '--join-timeout', '4', '--upload-timeout', '4'],
    });
    onCleanup(() => server.kill());
    await server.start();

    const attempts = (
      await Promise.all(
        ATTACKERS.map(async (address) => {
          const tries = await Promise.all(
            Array.from({ length: ATTEMPTS }, () => attempt(server.url, address)),
          );
          return tries.map((one) => ({ ...one, address }));
        }),
      )
    ).flat();
    const held = attempts.filter((one) => one.refusal === null).map((one) => one.socket);
    const refused = attempts.flatMap((one) => (one.refusal ? [one.refusal] : []));
    // Each address holds its share and no more; the rest were told why.
    expect(held).toHaveLength(ATTACKERS.length * LIMITS.connectionsPerAddress);
    for (const refusal of refused) {
      expect((refusal as Error & { data?: unknown }).data).toMatchObject({ code: 'server_full' });
    }

    // Half of each address's connections join and start every upload they can, sending one byte
    // of each and then nothing; the other half never join.
    const joiners = held.filter((_, n) => n % 2 === 0);
    const idle = held.filter((_, n) => n % 2 === 1);
    const idleGone = idle.map(
      (socket) => new Promise<void>((resolve) => socket.once('disconnect', () => resolve())),
    );
    const begun = await Promise.all(
      joiners.map(async (socket) => {
        const joined = await joinWith(socket, { nickname: `x${++nicknames}` });
        expect(joined).toMatchObject({ ok: true });
        const answers = [];
        for (let n = 0; n < LIMITS.uploadsPerConnection; n++) {
          const answer = await begin(socket, { size: 10_000_000 });
          if (answer.ok) {
            await emitRaw(socket, 'file:chunk', {
              uploadId: answer.uploadId,
              offset: 0,
              data: Buffer.from('x'),
            });
          }
          answers.push(answer);
        }
        return answers;
      }),
    );
    const started = begun.flat().filter((answer) => answer.ok).length;
    expect(started).toBe(ATTACKERS.length * LIMITS.uploadsPerAddress);
    expect(started).toBeLessThan(LIMITS.uploadsPerServer);

    // A newcomer from another machine connects, joins, sends a message and a file.
    const newcomer = await attempt(server.url, '127.0.0.200');
    expect(newcomer.refusal).toBeNull();
    expect(await joinWith(newcomer.socket, { nickname: 'newcomer' })).toMatchObject({
      ok: true,
    });
    expect(
      await emitRaw(newcomer.socket, 'message:send', { clientId: 'hello', text: 'made it' }),
    ).toMatchObject({ ok: true, message: { text: 'made it' } });
    expect(await uploadRaw(newcomer.socket, Buffer.from('a file'))).toMatchObject({ ok: true });

    // What the attacker held is reclaimed: unjoined connections closed, stalled uploads deleted.
    await Promise.all(idleGone);
    await waitFor(() => tempFiles(dataDir).length === 0, 'the stalled uploads deleted', 60_000);
    expect(server.running).toBe(true);
    expect(server.errorOutput).not.toMatch(/EMFILE/);
  }, 180_000);
});
