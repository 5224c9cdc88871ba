/**
 * Freeing a nickname whose person is gone for good (they lost their device key, say): the host's
 * `name:release`, and `parley release-name` for `parley serve`, against a running server (through
 * its control socket) and a stopped one. The person keeps their conversations, not the name.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { emitRaw, joinRaw, nextEvent, onCleanup, rawSocket, startServer } from '../support/chat';
import { parley } from '../support/data-commands';
import { joinWith, memoryDeviceKey } from '../support/join-with';
import { freePort, ServerProcess } from '../support/server-process';

describe('releasing a name', () => {
  it('the host frees a name; nobody else may; the person keeps their conversations', async () => {
    const server = await startServer({ isHostAddress: (address) => address === '127.0.0.1' });
    const bobKey = memoryDeviceKey();
    const bob = await joinRaw(server, 'bob', bobKey);
    const host = await joinRaw(server, 'host');
    const dm = (await emitRaw(host, 'dm:open', { nickname: 'bob' })) as unknown as {
      room: { id: string };
    };
    bob.disconnect();

    const guest = await rawSocket(server, '127.0.0.5');
    expect(await joinWith(guest, { nickname: 'guest' })).toMatchObject({ ok: true });
    expect(await emitRaw(guest, 'name:release', { nickname: 'bob' })).toEqual({
      ok: false,
      error: { code: 'not_allowed', message: 'Only the host or an admin can release a name.' },
    });
    expect(await emitRaw(host, 'name:release', { nickname: 'nobody' })).toMatchObject({
      ok: false,
      error: { code: 'unknown_user' },
    });
    expect(await emitRaw(host, 'name:release', { nickname: 'BOB' })).toEqual({
      ok: true,
      released: 'bob',
    });

    // Someone new takes the name, and finds none of bob's conversations.
    const newBob = await rawSocket(server);
    const joined = await joinWith(newBob, { nickname: 'bob' });
    if (!joined.ok) throw new Error(joined.error.message);
    expect(joined.directs).toEqual([]);
    expect(await emitRaw(newBob, 'room:join', { room: dm.room.id })).toMatchObject({
      ok: false,
      error: { code: 'unknown_room' },
    });
    // bob, back with his key under another name, still has his.
    const oldBob = await rawSocket(server);
    const back = await joinWith(oldBob, { nickname: 'robert' }, bobKey);
    if (!back.ok) throw new Error(back.error.message);
    expect(back.directs.map((room) => room.id)).toEqual([dm.room.id]);

    // A name released while its person is online stays theirs on screen until they leave.
    const carol = await joinRaw(server, 'carol');
    expect(await emitRaw(host, 'name:release', { nickname: 'carol' })).toMatchObject({ ok: true });
    const dave = await rawSocket(server);
    expect(await joinWith(dave, { nickname: 'Carol' })).toEqual({
      ok: false,
      error: {
        code: 'nickname_taken',
        message: 'The nickname "Carol" is in use. Choose another one.',
      },
    });
    const left = nextEvent(host, 'presence:left');
    carol.disconnect();
    await left;
    expect(await joinWith(dave, { nickname: 'Carol' })).toMatchObject({ ok: true });
  });

  it('parley release-name frees a name on a running parley serve, and on a stopped one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-release-'));
    const server = new ServerProcess({ port: await freePort(), dataDir });
    onCleanup(() => server.kill());
    await server.start();
    const joinAs = async (nickname: string) => {
      const socket = connect(server.url, { transports: ['websocket'], forceNew: true });
      onCleanup(() => void socket.disconnect());
      const joined = await joinWith(socket, { nickname });
      socket.disconnect();
      return joined;
    };
    expect(await joinAs('carol')).toMatchObject({ ok: true });
    expect(await joinAs('dave')).toMatchObject({ ok: true });
    expect(await joinAs('carol')).toMatchObject({ ok: false, error: { code: 'nickname_taken' } });

    const running = await parley('release-name', '--data', dataDir, '--nickname', 'Carol');
    expect(running).toMatchObject({ code: 0, output: expect.stringContaining('Released "carol"') });
    expect(await joinAs('carol')).toMatchObject({ ok: true });

    // Killed: the release waits on nothing but the folder (acknowledged bindings are on disk).
    await server.kill();
    const stopped = await parley('release-name', '--data', dataDir, '--nickname', 'dave');
    expect(stopped).toMatchObject({ code: 0, output: expect.stringContaining('Released "dave"') });
    const again = await parley('release-name', '--data', dataDir, '--nickname', 'dave');
    expect(again).toMatchObject({ code: 1, output: expect.stringContaining('Nobody') });
    await server.start();
    expect(await joinAs('dave')).toMatchObject({ ok: true });
  });
});
