/**
 * Names that look alike are the same name, against a real server: joining, direct conversations,
 * resending, room names; and names that show nothing are refused.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  client,
  emitRaw,
  joinRaw,
  rawSocket,
  startServer,
  urlOf,
  waitFor,
  joinWith,
} from '../../tests/support/chat';
import { memoryDeviceKey } from '../../tests/support/join-with';
import type { ChatMessage, JoinedRoom, RoomInfo } from '../shared/protocol';
import { LevelMessageStore } from './storage/level-message-store';

// One look-alike of "alice" for every kind the skeleton must catch.
const LOOKALIKES_OF_ALICE: Array<[string, string]> = [
  ['Cyrillic а', '\u0430lice'],
  ['Cyrillic і', 'al\u0456ce'],
  ['Cyrillic capital А', '\u0410lice'],
  ['fullwidth letters', '\uFF41\uFF4C\uFF49\uFF43\uFF45'],
  ['a mathematical letter', '\u{1D5BA}lice'],
  ['U+3164 HANGUL FILLER', 'alice\u3164'],
  ['U+FFA0 HALFWIDTH HANGUL FILLER', 'ali\uFFA0ce'],
  ['U+034F COMBINING GRAPHEME JOINER', 'ali\u034Fce'],
  ['U+2800 BRAILLE PATTERN BLANK', 'alice\u2800'],
  ['digit one for l', 'a1ice'],
  ['another case', 'ALICE'],
];

const BLANK_NAMES: Array<[string, string]> = [
  ['U+3164 HANGUL FILLER', '\u3164'],
  ['U+115F and U+1160', '\u115F\u1160'],
  ['U+FFA0', '\uFFA0'],
  ['U+034F COMBINING GRAPHEME JOINER', '\u034F'],
  ['U+2800 BRAILLE PATTERN BLANK', '\u2800\u2800'],
  ['combining marks', '\u0301\u0308'],
  ['fillers between spaces', ' \u3164 \u3000 '],
];

describe('look-alike nicknames', () => {
  it('refuses a look-alike of every kind while the original is online, naming the original', async () => {
    const server = await startServer();
    await joinRaw(server, 'alice');
    for (const [kind, lookalike] of LOOKALIKES_OF_ALICE) {
      const socket = await rawSocket(server);
      const reply = await joinWith(socket, { nickname: lookalike });
      expect(reply, kind).toMatchObject({ ok: false, error: { code: 'nickname_taken' } });
      if (kind !== 'another case') {
        expect(!reply.ok && reply.error.message, kind).toBe(
          `The nickname "${lookalike}" looks the same as "alice", which belongs to someone else on this server. Choose another one.`,
        );
      }
      socket.disconnect();
    }
    // Names that only resemble it stay free.
    for (const other of ['alicia', 'alce', 'Zoë']) {
      expect((await joinWith(await rawSocket(server), { nickname: other })).ok).toBe(true);
    }
    expect(server.io.sockets.sockets.size).toBe(4);
  });

  it('keeps the name as it was typed: only the comparison changes', async () => {
    const server = await startServer();
    const socket = await rawSocket(server);
    const reply = await joinWith(socket, { nickname: '\uFF21da' });
    expect(reply).toMatchObject({ ok: true, self: { nickname: '\uFF21da' } });
  });

  it('refuses names that show nothing, with a clear message, and lets the connection join after', async () => {
    const server = await startServer();
    const socket = await rawSocket(server);
    for (const [kind, blank] of BLANK_NAMES) {
      expect(await joinWith(socket, { nickname: blank }), kind).toEqual({
        ok: false,
        error: {
          code: 'invalid_payload',
          message: 'A nickname must show at least one letter, digit or symbol.',
        },
      });
    }
    expect(server.io.sockets.sockets.size).toBe(1);
    expect((await joinWith(socket, { nickname: 'visible' })).ok).toBe(true);
  });

  it('the client (and so the join form) refuses a blank-looking name with the same message', async () => {
    const server = await startServer();
    const chat = client();
    expect(await chat.connect(urlOf(server), '\u3164\u2800')).toEqual({
      ok: false,
      error: {
        code: 'invalid_payload',
        message: 'A nickname must show at least one letter, digit or symbol.',
      },
    });
    expect(server.io.sockets.sockets.size).toBe(0);
  });

  it('opens the direct conversation of the person a look-alike name stands for', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const byName = (await emitRaw(bob, 'dm:open', { nickname: 'alice' })) as unknown as JoinedRoom;
    const byLookalike = (await emitRaw(bob, 'dm:open', {
      nickname: '\u0430l\u0456ce',
    })) as unknown as JoinedRoom;
    expect(byLookalike.room).toMatchObject({ id: byName.room.id, name: 'alice' });
    expect(await emitRaw(alice, 'dm:open', { nickname: '\uFF41lice' })).toEqual({
      ok: false,
      error: { code: 'invalid_payload', message: 'You cannot write to yourself.' },
    });
  });

  it('treats a resend by the same person under a look-alike of their name as the same message', async () => {
    const server = await startServer();
    const aliceKey = memoryDeviceKey();
    const first = await joinRaw(server, 'alice', aliceKey);
    const sent = await emitRaw(first, 'message:send', { clientId: 'c1', text: 'once' });
    expect(sent.ok).toBe(true);
    first.disconnect();
    await waitFor(() => server.io.sockets.sockets.size === 0, 'alice to leave');

    const again = await joinRaw(server, '\u0430lice', aliceKey);
    const resent = await emitRaw(again, 'message:send', { clientId: 'c1', text: 'once' });
    const message = (resent as unknown as { message: ChatMessage }).message;
    expect(message).toEqual((sent as unknown as { message: ChatMessage }).message);
    const history = (await emitRaw(again, 'room:join', { room: 'lobby' })) as unknown as JoinedRoom;
    expect(history.messages.map((each) => each.text)).toEqual(['once']);
  });

  it('never opens a direct conversation protocol 1 stored between two nicknames', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-lookalike-'));
    const first = await startServer({ dataDir });
    await first.close();
    // As protocol 1 stored it: between two nicknames, with no people.
    const store = await LevelMessageStore.open(join(dataDir, 'history'));
    await store.saveRoom({
      id: 'd-storedbyanearlierversion',
      kind: 'direct',
      name: '',
      members: ['bob', 'emma'],
      createdAt: 1,
    });
    await store.close();

    const server = await startServer({ dataDir });
    const emma = await joinRaw(server, 'Emma');
    const bob = await joinRaw(server, 'bob');
    // Whoever holds these names now cannot prove they were those people: a new conversation.
    const opened = (await emitRaw(bob, 'dm:open', { nickname: 'emma' })) as unknown as JoinedRoom;
    expect(opened.room.id).not.toBe('d-storedbyanearlierversion');
    for (const socket of [emma, bob]) {
      expect(await emitRaw(socket, 'room:join', { room: 'd-storedbyanearlierversion' })).toEqual({
        ok: false,
        error: { code: 'unknown_room', message: 'There is no such room.' },
      });
    }
  });
});

describe('look-alike room names', () => {
  it('refuses a room whose name looks like an existing one, and a name that shows nothing', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const created = await emitRaw(alice, 'room:create', { name: 'Cafe Talk' });
    expect((created as unknown as { room: RoomInfo }).room).toMatchObject({ name: 'Cafe Talk' });
    for (const name of ['C\u0430fe T\u0430lk', '\uFF23afe Talk', 'Cafe Talk\u3164', 'CAFE  TALK']) {
      expect(await emitRaw(alice, 'room:create', { name }), name).toEqual({
        ok: false,
        error: { code: 'room_exists', message: `A room named "${name}" exists already.` },
      });
    }
    expect(await emitRaw(alice, 'room:create', { name: '\u3164\u2800' })).toEqual({
      ok: false,
      error: {
        code: 'invalid_payload',
        message: 'A room name must show at least one letter, digit or symbol.',
      },
    });
    const list = (await emitRaw(alice, 'room:list', {})) as unknown as { rooms: RoomInfo[] };
    expect(list.rooms.map((room) => room.name)).toEqual(['Lobby', 'Cafe Talk']);
  });
});
