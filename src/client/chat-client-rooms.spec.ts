import { memoryDeviceKey } from './device-key';
import { describe, expect, it } from 'vitest';
import { client, startServer, urlOf, waitFor } from '../../tests/support/chat';
import type { ChatEvent } from '../shared/api';
import type { ChatMessage } from '../shared/protocol';
import type { ChatClient } from './chat-client';

function watch(chat: ChatClient) {
  const messages: ChatMessage[] = [];
  const events: ChatEvent[] = [];
  chat.onEvent((event) => {
    events.push(event);
    if (event.type === 'session') messages.push(...event.session.messages);
    if (event.type === 'room-joined') messages.push(...event.joined.messages);
    if (event.type === 'message') messages.push(event.message);
  });
  const inRoom = (room: string) =>
    messages.filter((message) => message.room === room).map((message) => message.text);
  return { messages, events, inRoom };
}

describe('ChatClient in several rooms', () => {
  it('creates, joins and posts to rooms; after a dropped connection it is back in each, with no gaps', async () => {
    const server = await startServer();
    const alice = client();
    const bob = client();
    const seen = watch(alice);
    await alice.connect(urlOf(server), 'alice');
    await bob.connect(urlOf(server), 'bob');

    expect(await alice.createRoom('   ')).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: 'Room name cannot be empty.' },
    });
    const created = await alice.createRoom('Design');
    if (!created.ok) throw new Error(created.error.message);
    const design = created.room.id;
    expect((await alice.joinRoom(design)).ok).toBe(true);
    expect((await bob.joinRoom(design)).ok).toBe(true);
    expect(alice.rooms.map((room) => room.name)).toEqual(['Design']);

    bob.post('one', design);
    bob.post('lobby one');
    await waitFor(
      () => seen.inRoom(design).length === 1 && seen.inRoom('lobby').length === 1,
      'both',
    );

    // Alice's connection drops; meanwhile Bob writes in both rooms.
    for (const socket of server.io.sockets.sockets.values()) {
      if (socket.data.user?.nickname === 'alice') socket.conn.close();
    }
    await waitFor(() => alice.status.state !== 'connected', 'the drop');
    bob.post('two', design);
    bob.post('lobby two');
    bob.post('three', design);
    await waitFor(() => bob.outbox.length === 0, "bob's messages");

    await waitFor(() => alice.status.state === 'connected', 'the rejoin');
    await waitFor(() => seen.inRoom(design).length === 3, 'the room to catch up');
    expect(seen.inRoom(design)).toEqual(['one', 'two', 'three']);
    expect(seen.inRoom('lobby')).toEqual(['lobby one', 'lobby two']);
    const ids = seen.messages.map((message) => message.id);
    expect(new Set(ids).size).toBe(ids.length);

    expect((await alice.leaveRoom(design)).ok).toBe(true);
    expect(alice.rooms).toEqual([]);
    expect(seen.events.some((event) => event.type === 'room-left' && event.room === design)).toBe(
      true,
    );
  });

  it('hears about rooms others create', async () => {
    const server = await startServer();
    const alice = client();
    const bob = client();
    const seen = watch(bob);
    await alice.connect(urlOf(server), 'alice');
    await bob.connect(urlOf(server), 'bob');
    await alice.createRoom('Ops');
    await waitFor(
      () => seen.events.some((event) => event.type === 'room-created' && event.room.name === 'Ops'),
      'the announcement',
    );
  });
});

describe('ChatClient direct conversations', () => {
  it('only the two see them; what is written while one is away waits and arrives once, in order', async () => {
    const server = await startServer();
    const alice = client();
    const bobKey = memoryDeviceKey();
    const bob = client({ deviceKey: bobKey });
    const carol = client();
    const bobSees = watch(bob);
    const carolSees = watch(carol);
    await alice.connect(urlOf(server), 'alice');
    await bob.connect(urlOf(server), 'bob');
    await carol.connect(urlOf(server), 'carol');

    const opened = await alice.openDirect('bob');
    if (!opened.ok) throw new Error(opened.error.message);
    const dm = opened.joined.room;
    expect(dm).toMatchObject({ kind: 'direct', name: 'bob' });
    await waitFor(
      () =>
        bobSees.events.some(
          (event) => event.type === 'room-joined' && event.joined.room.name === 'alice',
        ),
      'bob to be in it',
    );

    alice.post('just for you', dm.id);
    await waitFor(() => bobSees.inRoom(dm.id).length === 1, 'bob to get it');

    await bob.disconnect();
    await waitFor(() => server.io.sockets.sockets.size === 2, 'bob to be gone');
    alice.post('are you there?', dm.id);
    alice.post('call me', dm.id);
    await waitFor(() => alice.outbox.length === 0, 'both to be acknowledged');
    // bob, away, can still be written to by name.
    expect(await alice.openDirect('bob')).toMatchObject({
      ok: true,
      joined: { room: { id: dm.id } },
    });

    // bob comes back (the same device key): the join lists the conversation and the client opens
    // it, with what was written meanwhile, each message once and in order.
    const back = client({ deviceKey: bobKey });
    const backSees = watch(back);
    const joined = await back.connect(urlOf(server), 'bob');
    if (!joined.ok) throw new Error(joined.error.message);
    expect(joined.session.directs).toMatchObject([{ id: dm.id, name: 'alice', kind: 'direct' }]);
    await waitFor(() => backSees.inRoom(dm.id).length === 3, 'the conversation to be opened');
    expect(backSees.inRoom(dm.id)).toEqual(['just for you', 'are you there?', 'call me']);
    // carol, in the lobby all along, saw none of it.
    const lobbyMarker = 'marker after the direct messages';
    alice.post(lobbyMarker);
    await waitFor(
      () => carolSees.messages.some((message) => message.text === lobbyMarker),
      'the marker',
    );
    expect(carolSees.messages.filter((message) => message.room === dm.id)).toEqual([]);
  });
});
