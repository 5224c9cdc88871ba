import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  collect,
  emitRaw,
  joinRaw,
  nextEvent,
  onCleanup,
  rawSocket,
  startServer,
  waitFor,
  type RawSocket,
  joinWith,
} from '../../tests/support/chat';
import { memoryDeviceKey } from '../../tests/support/join-with';
import { LIMITS } from '../shared/limits';
import type { ChatMessage, JoinedRoom, RoomInfo } from '../shared/protocol';
import { createChatServer, type ChatServer } from './chat-server';

type Reply<T> = { ok: true } & T;

async function create(socket: RawSocket, name: string): Promise<RoomInfo> {
  const result = await emitRaw(socket, 'room:create', { name });
  if (!result.ok) throw new Error(result.error.message);
  return (result as unknown as Reply<{ room: RoomInfo }>).room;
}

async function enter(socket: RawSocket, room: string, since?: number): Promise<JoinedRoom> {
  const result = await emitRaw(socket, 'room:join', {
    room,
    ...(since === undefined ? {} : { since }),
  });
  if (!result.ok) throw new Error(result.error.message);
  return result as unknown as JoinedRoom;
}

const send = (socket: RawSocket, room: string, clientId: string, text: string) =>
  emitRaw(socket, 'message:send', { room, clientId, text });

describe('rooms', () => {
  it('creates a room with a valid name, unique ignoring case, and tells everyone', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const announced = nextEvent(bob, 'room:created');
    const room = await create(alice, '  Design Team ');
    expect(room).toMatchObject({ kind: 'room', name: 'Design Team', members: 0 });
    expect((await announced).room).toEqual(room);

    for (const name of ['design team', 'DESIGN TEAM', 'Lobby', 'lobby']) {
      expect(await emitRaw(alice, 'room:create', { name })).toMatchObject({
        ok: false,
        error: { code: 'room_exists', message: `A room named "${name}" exists already.` },
      });
    }
    for (const name of [
      '',
      '   ',
      'x'.repeat(LIMITS.roomNameMaxLength + 1),
      'a\u200bb',
      'a\u0000b',
      5,
    ]) {
      expect(await emitRaw(alice, 'room:create', { name })).toMatchObject({
        ok: false,
        error: { code: 'invalid_payload' },
      });
    }
    expect(await create(alice, 'x'.repeat(LIMITS.roomNameMaxLength))).toMatchObject({
      name: 'x'.repeat(LIMITS.roomNameMaxLength),
    });
  });

  it('delivers a room message to its members only, and several rooms at once', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const carol = await joinRaw(server, 'carol');
    const design = await create(alice, 'Design');
    const ops = await create(alice, 'Ops');
    await enter(alice, design.id);
    await enter(alice, ops.id);
    const bobJoins = nextEvent(alice, 'presence:joined');
    const joined = await enter(bob, design.id);
    expect(joined.users.map((user) => user.nickname)).toEqual(['alice', 'bob']);
    expect(await bobJoins).toMatchObject({ room: design.id, user: { nickname: 'bob' } });

    const aliceSaw = collect(alice, 'message:created');
    const bobSaw = collect(bob, 'message:created');
    const carolSaw = collect(carol, 'message:created');
    expect(await send(bob, design.id, 'b1', 'in design')).toMatchObject({ ok: true });
    expect(await send(alice, ops.id, 'a1', 'in ops')).toMatchObject({ ok: true });
    expect(await send(carol, design.id, 'c1', 'not a member')).toMatchObject({
      ok: false,
      error: { code: 'not_in_room' },
    });
    await waitFor(() => aliceSaw.length === 2 && bobSaw.length === 1, 'the messages');
    expect(aliceSaw.map((message) => [message.room, message.text])).toEqual([
      [design.id, 'in design'],
      [ops.id, 'in ops'],
    ]);
    expect(bobSaw.map((message) => message.text)).toEqual(['in design']);
    expect(carolSaw).toEqual([]);
    // Carol cannot read it either.
    expect(await emitRaw(carol, 'history:fetch', { room: design.id, after: 0 })).toMatchObject({
      ok: false,
      error: { code: 'not_in_room' },
    });

    const bobLeaves = nextEvent(alice, 'presence:left');
    expect(await emitRaw(bob, 'room:leave', { room: design.id })).toMatchObject({ ok: true });
    expect(await bobLeaves).toMatchObject({ room: design.id, user: { nickname: 'bob' } });
    expect(await send(bob, design.id, 'b2', 'gone')).toMatchObject({
      ok: false,
      error: { code: 'not_in_room' },
    });
    expect(await emitRaw(bob, 'room:leave', { room: 'lobby' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: 'Everyone stays in the lobby.' },
    });
    expect(await emitRaw(bob, 'room:join', { room: 'r-nosuchroom' })).toMatchObject({
      ok: false,
      error: { code: 'unknown_room' },
    });
  });

  it('sends member counts of the rooms that changed', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const room = await create(alice, 'Counted');
    const counts = collect(alice, 'room:counts');
    await enter(alice, room.id);
    await waitFor(() => counts.some((event) => event.counts[room.id] === 1), 'the count', 6_000);
  });
});

describe('direct messages', () => {
  it('reach only the two people; a third cannot join or read them', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const carol = await joinRaw(server, 'carol');
    const opened = nextEvent(bob, 'dm:opened');
    const result = await emitRaw(alice, 'dm:open', { nickname: 'BOB' });
    expect(result).toMatchObject({ ok: true, room: { kind: 'direct', name: 'bob', members: 2 } });
    const dm = (result as unknown as JoinedRoom).room;
    expect((await opened).room).toMatchObject({ id: dm.id, kind: 'direct', name: 'alice' });

    const bobSaw = collect(bob, 'message:created');
    const carolSaw = collect(carol, 'message:created');
    expect(await send(alice, dm.id, 'a1', 'psst')).toMatchObject({ ok: true });
    expect(await send(bob, dm.id, 'b1', 'yes?')).toMatchObject({ ok: true });
    await waitFor(() => bobSaw.length === 2, 'bob to get both');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(carolSaw).toEqual([]);
    expect(await emitRaw(carol, 'room:join', { room: dm.id })).toMatchObject({
      ok: false,
      error: { code: 'unknown_room' },
    });
    expect(await send(carol, dm.id, 'c1', 'hi')).toMatchObject({
      ok: false,
      error: { code: 'not_in_room' },
    });
    expect(await emitRaw(carol, 'history:fetch', { room: dm.id, after: 0 })).toMatchObject({
      ok: false,
      error: { code: 'not_in_room' },
    });
  });

  it('reopen for someone who closed one when the other writes again', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const opened = nextEvent(bob, 'dm:opened');
    const dm = ((await emitRaw(alice, 'dm:open', { nickname: 'bob' })) as unknown as JoinedRoom)
      .room;
    await opened;
    expect(await send(alice, dm.id, 'a1', 'first')).toMatchObject({ ok: true });
    expect(await emitRaw(bob, 'room:leave', { room: dm.id })).toMatchObject({ ok: true });

    // Bob closed it; alice writes: bob is in it again, with what he missed, and gets the message.
    const reopened = nextEvent(bob, 'dm:opened');
    const bobSaw = collect(bob, 'message:created');
    expect(await send(alice, dm.id, 'a2', 'are you ignoring me?')).toMatchObject({ ok: true });
    const again = (await reopened) as JoinedRoom;
    expect(again.room).toMatchObject({ id: dm.id, kind: 'direct', name: 'alice' });
    expect(again.messages.map((message) => message.text)).toEqual(['first']);
    await waitFor(() => bobSaw.length === 1, 'bob to get the new message');
    expect(bobSaw[0]).toMatchObject({ room: dm.id, text: 'are you ignoring me?' });
  });

  it('refuses a conversation with nobody of that name, or with oneself; keeps one with someone away', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    expect(await emitRaw(alice, 'dm:open', { nickname: 'dave' })).toEqual({
      ok: false,
      error: { code: 'unknown_user', message: 'Nobody called "dave" has joined this server.' },
    });
    expect(await emitRaw(alice, 'dm:open', { nickname: 'Alice' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: 'You cannot write to yourself.' },
    });
    const dm = ((await emitRaw(alice, 'dm:open', { nickname: 'bob' })) as unknown as JoinedRoom)
      .room;
    const left = nextEvent(alice, 'presence:left');
    bob.disconnect();
    await left;
    // Stored for bob, who gets it when he is back (see the restart test below).
    expect(await send(alice, dm.id, 'a1', 'still there?')).toMatchObject({
      ok: true,
      message: { text: 'still there?' },
    });
    expect(await emitRaw(alice, 'dm:open', { nickname: 'BOB' })).toMatchObject({
      ok: true,
      room: { id: dm.id, name: 'bob', peer: dm.peer },
    });
  });

  it('never lets a new holder of a nickname into the conversations of the person who had it', async () => {
    // The takeover of issue 13: before, whoever joined as BOB after bob left got the history.
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const dm = ((await emitRaw(alice, 'dm:open', { nickname: 'bob' })) as unknown as JoinedRoom)
      .room;
    await send(alice, dm.id, 'secret-1', 'the secret');
    const left = nextEvent(alice, 'presence:left');
    bob.disconnect();
    await left;

    // Actively: the name is bob's; another key cannot take it, so cannot open bob's conversation.
    const impostor = await rawSocket(server);
    expect(await joinWith(impostor, { nickname: 'BOB' })).toMatchObject({
      ok: false,
      error: { code: 'nickname_taken' },
    });
    expect(await joinWith(impostor, { nickname: 'b0b' })).toMatchObject({ ok: false });
    const other = await joinRaw(server, 'mallory');
    expect(await emitRaw(other, 'room:join', { room: dm.id })).toMatchObject({
      ok: false,
      error: { code: 'unknown_room' },
    });
    const theirs = (await emitRaw(other, 'dm:open', {
      nickname: 'alice',
    })) as unknown as JoinedRoom;
    expect(theirs.room.id).not.toBe(dm.id);
    expect(theirs.messages).toEqual([]);

    // Passively: when alice writes again, nobody but bob is brought into it.
    const dmOpened = collect(other, 'dm:opened');
    const created = collect(other, 'message:created');
    await send(alice, dm.id, 'secret-2', 'another secret');
    await send(alice, theirs.room.id, 'hello-m', 'hello mallory');
    await waitFor(() => created.length === 1, 'mallory to get her own message');
    expect(created.map((message) => message.text)).toEqual(['hello mallory']);
    expect(dmOpened).toEqual([]);
  });
});

describe('rooms and direct conversations last', () => {
  it('a restarted server on the same data directory has the rooms, every history and who is who', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-rooms-'));
    const start = () => createChatServer({ host: '127.0.0.1', port: 0, dataDir, webRoot: null });
    let server: ChatServer = await start();
    onCleanup(() => server.close());
    const aliceKey = memoryDeviceKey();
    const bobKey = memoryDeviceKey();
    const alice = await joinRaw(server, 'alice', aliceKey);
    const bob = await joinRaw(server, 'bob', bobKey);
    const design = await create(alice, 'Design');
    await enter(alice, design.id);
    await send(alice, design.id, 'd1', 'room history');
    const dm = ((await emitRaw(alice, 'dm:open', { nickname: 'bob' })) as unknown as JoinedRoom)
      .room;
    await send(bob, dm.id, 'p1', 'private history');
    // bob goes away; alice writes to him; the server restarts before he is back.
    const left = nextEvent(alice, 'presence:left');
    bob.disconnect();
    await left;
    await send(alice, dm.id, 'p2', 'written while you were away');
    await send(alice, dm.id, 'p3', 'and once more');
    await server.close();

    server = await start();
    // The names are still bound to their people.
    expect(await joinWith(await rawSocket(server), { nickname: 'bob' })).toMatchObject({
      ok: false,
      error: { code: 'nickname_taken' },
    });
    const alice2Socket = await rawSocket(server);
    const alice2Joined = await joinWith(alice2Socket, { nickname: 'alice' }, aliceKey);
    if (!alice2Joined.ok) throw new Error(alice2Joined.error.message);
    const alice2 = alice2Joined.self;
    const bob2 = await rawSocket(server);
    const bobJoined = await joinWith(bob2, { nickname: 'bob' }, bobKey);
    if (!bobJoined.ok) throw new Error(bobJoined.error.message);
    // bob's join lists the conversation (alice online: she joined first); opening it gives what
    // was written, once and in order.
    expect(bobJoined.directs).toMatchObject([
      { id: dm.id, kind: 'direct', name: 'alice', peer: alice2.id, peerOnline: true },
    ]);
    // alice's join came while bob was away: it said so.
    expect(alice2Joined.directs).toMatchObject([{ id: dm.id, peerOnline: false }]);
    const texts = (messages: ChatMessage[]) => messages.map((message) => message.text);
    const opened = await enter(bob2, dm.id);
    expect(texts(opened.messages)).toEqual([
      'private history',
      'written while you were away',
      'and once more',
    ]);
    const ids = opened.messages.map((message) => message.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const joined = await joinWith(await rawSocket(server), { nickname: 'carol' });
    expect((joined as unknown as { rooms: RoomInfo[] }).rooms.map((room) => room.name)).toEqual([
      'Lobby',
      'Design',
    ]);
    expect(texts((await enter(alice2Socket, design.id)).messages)).toEqual(['room history']);
    const again = (await emitRaw(bob2, 'dm:open', { nickname: 'alice' })) as unknown as JoinedRoom;
    expect(again.room.id).toBe(dm.id);
  });
});
