/**
 * One person on several devices, against a real server: linking a device with a one-time code
 * (wrong, used, expired and guessed codes refused), both devices online together, presence once
 * per person, direct messages reaching every device, removing the person removing every device,
 * and read positions following the person.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  collect,
  emitRaw,
  joinWith,
  nextEvent,
  onCleanup,
  rawSocket,
  startServer,
  waitFor,
  type RawSocket,
} from '../../../tests/support/chat';
import { memoryDeviceKey, type DeviceKey } from '../../../tests/support/join-with';
import { LIMITS, LOBBY } from '../../shared/limits';
import type { ChatMessage, JoinedSession, LinkCode } from '../../shared/protocol';
import type { ChatServer } from '../chat-server';

interface Device {
  socket: RawSocket;
  session: JoinedSession;
  key: DeviceKey;
}

async function joinDevice(
  server: ChatServer,
  nickname: string,
  options: { key?: DeviceKey; link?: string } = {},
): Promise<Device> {
  const key = options.key ?? memoryDeviceKey();
  const socket = await rawSocket(server);
  const joined = await joinWith(
    socket,
    { nickname, ...(options.link === undefined ? {} : { link: options.link }) },
    key,
  );
  if (!joined.ok) throw new Error(`join failed: ${joined.error.message}`);
  return { socket, session: joined, key };
}

async function linkCodeOf(device: Device): Promise<string> {
  const reply = await emitRaw(device.socket, 'device:link-code', {});
  if (!reply.ok) throw new Error(reply.error.message);
  return (reply as unknown as LinkCode).code;
}

/** A first device, and a second one linked to the same person with a code from the first. */
async function personWithTwoDevices(server: ChatServer, nickname: string) {
  const first = await joinDevice(server, nickname);
  const second = await joinDevice(server, nickname, { link: await linkCodeOf(first) });
  return { first, second };
}

async function send(socket: RawSocket, room: string, text: string): Promise<ChatMessage> {
  const clientId = text.replace(/[^A-Za-z0-9]/g, '_');
  const reply = await emitRaw(socket, 'message:send', { room, clientId, text });
  if (!reply.ok) throw new Error(reply.error.message);
  return (reply as unknown as { message: ChatMessage }).message;
}

describe('linking a device', () => {
  it('joins a new device as the same person with a one-time code', async () => {
    const server = await startServer();
    const first = await joinDevice(server, 'alice');
    const reply = await emitRaw(first.socket, 'device:link-code', {});
    expect(reply).toMatchObject({ ok: true, code: expect.stringMatching(/^[2-9A-HJKMNP-Z]{10}$/) });
    const { code, expiresAt } = reply as unknown as LinkCode;
    expect(expiresAt).toBeGreaterThan(Date.now() + LIMITS.linkCodeTtlMs - 60_000);
    // Typed in small letters with a space: the same code.
    const typed = `${code.slice(0, 5).toLowerCase()} ${code.slice(5)}`;
    const second = await joinDevice(server, 'alice', { link: typed });
    expect(second.session.self).toEqual(first.session.self);
    // Linked for good: the second device joins again without a code.
    second.socket.disconnect();
    await waitFor(() => server.io.sockets.sockets.size === 1, 'the second device to leave');
    const again = await joinDevice(server, 'alice', { key: second.key });
    expect(again.session.self.id).toBe(first.session.self.id);
  });

  it('refuses a wrong, a used, a replaced and an expired code, and changes nothing', async () => {
    let now = Date.now();
    const server = await startServer({ clock: () => now });
    const first = await joinDevice(server, 'alice');
    const refused = async (link: string, key = memoryDeviceKey()) =>
      joinWith(await rawSocket(server), { nickname: 'alice', link }, key);
    const invalid = {
      ok: false,
      error: { code: 'link_invalid', message: expect.stringMatching(/wrong, expired or used/) },
    };

    expect(await refused('ABCDEFGHJK')).toEqual(invalid);
    const code = await linkCodeOf(first);
    await joinDevice(server, 'alice', { link: code });
    expect(await refused(code)).toEqual(invalid);
    // Asking again replaces the code not used yet.
    const replaced = await linkCodeOf(first);
    await linkCodeOf(first);
    expect(await refused(replaced)).toEqual(invalid);
    const expiring = await linkCodeOf(first);
    now += LIMITS.linkCodeTtlMs;
    expect(await refused(expiring)).toEqual(invalid);
    // A malformed code is not a guess: the schema refuses it.
    expect(await refused('short')).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    // Nobody else joined: the refused keys belong to no one (they join as new people).
    expect(server.io.sockets.sockets.size).toBeGreaterThan(0);
    const stranger = await joinWith(await rawSocket(server), { nickname: 'zed' });
    expect(stranger.ok && stranger.self.id).not.toBe(first.session.self.id);
  });

  it('limits guesses per address, counting each before it is checked: even the right code is refused then', async () => {
    const server = await startServer();
    const first = await joinDevice(server, 'alice');
    const code = await linkCodeOf(first);
    const { points } = LIMITS.rate.wrongLinkCode;
    // Guesses sent all at once, each on its own connection.
    const guesses = await Promise.all(
      Array.from({ length: points + 3 }, async (_, n) =>
        joinWith(await rawSocket(server), {
          nickname: 'alice',
          link: `${'23456789AB'.slice(0, 9)}${'CDEFGHJKMN'[n % 10]}`,
        }),
      ),
    );
    const codes = guesses.map((guess) => (guess.ok ? 'ok' : guess.error.code));
    expect(codes.filter((got) => got === 'link_invalid')).toHaveLength(points);
    expect(codes.filter((got) => got === 'rate_limited')).toHaveLength(3);
    const right = await joinWith(await rawSocket(server), { nickname: 'alice', link: code });
    expect(right).toMatchObject({
      ok: false,
      error: { code: 'rate_limited', message: expect.stringMatching(/wrong link codes/) },
    });
    // Another address still links with it.
    const elsewhere = await rawSocket(server, '127.0.0.2');
    expect(await joinWith(elsewhere, { nickname: 'alice', link: code })).toMatchObject({
      ok: true,
      self: first.session.self,
    });
  });

  it("refuses to link a device that is someone else's, and keeps the code", async () => {
    const server = await startServer();
    const alice = await joinDevice(server, 'alice');
    const bob = await joinDevice(server, 'bob');
    const code = await linkCodeOf(alice);
    bob.socket.disconnect();
    await waitFor(() => server.io.sockets.sockets.size === 1, 'bob to leave');
    const refused = await joinWith(
      await rawSocket(server),
      { nickname: 'alice', link: code },
      bob.key,
    );
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'key_in_use',
        message: expect.stringMatching(/already belongs to someone else on this server \("bob"\)/),
      },
    });
    expect((await joinDevice(server, 'alice', { link: code })).session.self).toEqual(
      alice.session.self,
    );
  });

  it('shows one name on every device: another name is refused while another device is online', async () => {
    const server = await startServer();
    const first = await joinDevice(server, 'Alice');
    const code = await linkCodeOf(first);
    const renamed = await joinWith(await rawSocket(server), { nickname: 'Alicia', link: code });
    expect(renamed).toEqual({
      ok: false,
      error: {
        code: 'nickname_taken',
        message:
          'You are online on another device as "Alice". Join with that name, or leave there first to change it.',
      },
    });
    // The code was not used up by the refused join; other cases are the same name.
    const second = await joinDevice(server, 'ALICE', { link: code });
    expect(second.session.self).toMatchObject({ id: first.session.self.id, nickname: 'Alice' });
  });

  it('keeps a linked key across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-link-'));
    onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
    const server = await startServer({ dataDir });
    const { first, second } = await personWithTwoDevices(server, 'alice');
    await server.close();
    const restarted = await startServer({ dataDir });
    const back = await joinDevice(restarted, 'alice', { key: second.key });
    expect(back.session.self).toEqual(first.session.self);
  });
});

describe('one person on two devices', () => {
  it('keeps both online, lists the person once, and says joined and left once', async () => {
    const server = await startServer();
    const observer = await joinDevice(server, 'observer');
    const joinedNotices = collect(observer.socket, 'presence:joined');
    const leftNotices = collect(observer.socket, 'presence:left');
    const { first, second } = await personWithTwoDevices(server, 'alice');
    expect(first.socket.connected && second.socket.connected).toBe(true);
    expect(second.session.users.map((user) => user.nickname)).toEqual(['observer', 'alice']);

    // Both devices in a room: one person in it.
    const created = await emitRaw(observer.socket, 'room:create', { name: 'Design' });
    const room = (created as unknown as { room: { id: string } }).room.id;
    await emitRaw(observer.socket, 'room:join', { room });
    await emitRaw(first.socket, 'room:join', { room });
    const joinedRoom = await emitRaw(second.socket, 'room:join', { room });
    // Three sockets, two people.
    expect(joinedRoom).toMatchObject({ ok: true, room: { members: 2 } });
    expect(
      (joinedRoom as unknown as { users: Array<{ nickname: string }> }).users.map(
        (user) => user.nickname,
      ),
    ).toEqual(['observer', 'alice']);

    first.socket.disconnect();
    await waitFor(() => server.io.sockets.sockets.size === 2, 'the first device to leave');
    // The second device is still there: its leaving is the person's only "left".
    second.socket.disconnect();
    await waitFor(() => leftNotices.length === 2, 'alice to leave the lobby and the room');
    // Broadcasts keep their order per room: anything more would have come before these.
    const markers = collect(observer.socket, 'message:created');
    await send(observer.socket, LOBBY, 'marker one');
    await send(observer.socket, room, 'marker two');
    await waitFor(() => markers.length === 2, 'the markers');
    const seen = (notices: typeof joinedNotices) =>
      notices.map(({ room: where, user }) => `${where} ${user.nickname}`).sort();
    expect(seen(joinedNotices)).toEqual([`${LOBBY} alice`, `${room} alice`].sort());
    expect(seen(leftNotices)).toEqual([`${LOBBY} alice`, `${room} alice`].sort());
  });

  it('delivers a direct message to every device of both people', async () => {
    const server = await startServer();
    const alice = await personWithTwoDevices(server, 'alice');
    const bob = await joinDevice(server, 'bob');
    const opened = [
      nextEvent(alice.first.socket, 'dm:opened'),
      nextEvent(alice.second.socket, 'dm:opened'),
    ];
    const reply = await emitRaw(bob.socket, 'dm:open', { nickname: 'alice' });
    const room = (reply as unknown as { room: { id: string } }).room.id;
    const [onFirst, onSecond] = await Promise.all(opened);
    expect(onFirst?.room).toMatchObject({ id: room, name: 'bob', members: 2 });
    expect(onSecond?.room.id).toBe(room);
    const delivered = [alice.first, alice.second].map((device) =>
      nextEvent(device.socket, 'message:created'),
    );
    const message = await send(bob.socket, room, 'hello alice');
    expect(await Promise.all(delivered)).toEqual([message, message]);

    // A reply from one of alice's devices reaches her other device too.
    const echoed = nextEvent(alice.first.socket, 'message:created');
    const answer = await send(alice.second.socket, room, 'hi bob');
    expect(await echoed).toEqual(answer);
  });

  it('removes every device of a person the host removes', async () => {
    const server = await startServer();
    const observer = await joinDevice(server, 'observer');
    const leftNotices = collect(observer.socket, 'presence:left');
    const { first, second } = await personWithTwoDevices(server, 'mallory');
    const ended = [first, second].map((device) => nextEvent(device.socket, 'session:ended'));
    expect(server.kick(first.session.self.id)).toMatchObject({
      ok: true,
      user: { nickname: 'mallory' },
    });
    expect(await Promise.all(ended)).toEqual([
      { code: 'kicked', message: 'The host removed you from the room.' },
      { code: 'kicked', message: 'The host removed you from the room.' },
    ]);
    await waitFor(() => first.socket.disconnected && second.socket.disconnected, 'both closed');
    await send(observer.socket, LOBBY, 'marker');
    await waitFor(() => leftNotices.length > 0, 'mallory to be gone');
    expect(leftNotices.map((notice) => notice.user.nickname)).toEqual(['mallory']);
    // And neither device comes back.
    const back = await joinWith(await rawSocket(server), { nickname: 'mallory' }, second.key);
    expect(back).toMatchObject({ ok: false, error: { code: 'kicked' } });
  });

  it('still lets the same device take over its own older session', async () => {
    const server = await startServer();
    const { first, second } = await personWithTwoDevices(server, 'alice');
    const ended = nextEvent(first.socket, 'session:ended');
    const again = await joinDevice(server, 'alice', { key: first.key });
    expect(await ended).toMatchObject({ code: 'session_replaced' });
    expect(again.session.self).toEqual(first.session.self);
    expect(second.socket.connected).toBe(true);
  });
});

describe('read positions', () => {
  it('stores how far a person read, tells their other devices, and lists it when another device joins', async () => {
    const server = await startServer();
    const alice = await personWithTwoDevices(server, 'alice');
    const bob = await joinDevice(server, 'bob');
    const reply = await emitRaw(bob.socket, 'dm:open', { nickname: 'alice' });
    const room = (reply as unknown as { room: { id: string } }).room.id;
    const one = await send(bob.socket, room, 'one');
    const two = await send(bob.socket, room, 'two');
    await send(bob.socket, room, 'three');

    const told = nextEvent(alice.second.socket, 'room:read');
    expect(await emitRaw(alice.first.socket, 'room:read', { room, id: two.id })).toEqual({
      ok: true,
      room,
      id: two.id,
    });
    expect(await told).toEqual({ room, id: two.id });
    // Never back: an older position answers with the one kept.
    expect(await emitRaw(alice.second.socket, 'room:read', { room, id: one.id })).toEqual({
      ok: true,
      room,
      id: two.id,
    });

    // A third device, linked now: the same conversation, read as far.
    const third = await joinDevice(server, 'alice', { link: await linkCodeOf(alice.first) });
    expect(third.session.directs.map((direct) => [direct.id, direct.name])).toEqual([
      [room, 'bob'],
    ]);
    expect(third.session.readPositions).toEqual({ [room]: two.id });
    // Bob's position is his own.
    const bobAgain = await joinDevice(server, 'bob', { key: bob.key });
    expect(bobAgain.session.readPositions).toEqual({});
  });

  it('refuses a room one cannot see and a message the room does not hold, and stores nothing', async () => {
    const server = await startServer();
    const alice = await joinDevice(server, 'alice');
    const bob = await joinDevice(server, 'bob');
    const carol = await joinDevice(server, 'carol');
    const reply = await emitRaw(bob.socket, 'dm:open', { nickname: 'carol' });
    const room = (reply as unknown as { room: { id: string } }).room.id;
    const message = await send(bob.socket, room, 'private');
    expect(await emitRaw(alice.socket, 'room:read', { room, id: message.id })).toMatchObject({
      ok: false,
      error: { code: 'unknown_room' },
    });
    expect(await emitRaw(alice.socket, 'room:read', { room: 'r-none', id: 1 })).toMatchObject({
      ok: false,
      error: { code: 'unknown_room' },
    });
    expect(await emitRaw(carol.socket, 'room:read', { room, id: message.id + 5 })).toEqual({
      ok: false,
      error: {
        code: 'invalid_payload',
        message: `The room has no message ${message.id + 5} (yet): nothing was read.`,
      },
    });
    expect(await emitRaw(carol.socket, 'room:read', { room, id: 0 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    const carolAgain = await joinDevice(server, 'carol', { key: carol.key });
    expect(carolAgain.session.readPositions).toEqual({});
  });
});
