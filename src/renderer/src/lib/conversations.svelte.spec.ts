/**
 * Conversations and its ChatStates, fed the ChatEvents a ChatClient emits: which room gets what,
 * the room list with counts, direct conversations, leaving, and reset. Plain objects in, state
 * out (Svelte's runes, compiled for these specs).
 */
import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../../shared/api';
import type { ChatMessage, RoomInfo } from '../../../shared/protocol';
import { alice, bob, joinedRoom, lobbySession, message } from './chat-fixtures';
import { Conversations } from './conversations.svelte';

const lobbyInfo: RoomInfo = { id: 'lobby', kind: 'room', name: 'Lobby', members: 2 };
const design: RoomInfo = { id: 'r-design', kind: 'room', name: 'Design', members: 1 };
const direct: RoomInfo = { id: 'd-ab', kind: 'direct', name: 'bob', members: 2 };

/** The lobby's join acknowledgement, on a server with the lobby and Design. */
const session = (messages: ChatMessage[] = []) => lobbySession(messages, [lobbyInfo, design]);
function feed(conversations: Conversations, ...events: ChatEvent[]): void {
  for (const event of events) conversations.apply(event);
}

const connected: ChatEvent = {
  type: 'status',
  status: { state: 'connected', url: 'http://127.0.0.1:4321', reason: null },
};

describe('Conversations', () => {
  it('lists the server rooms, lobby first, and which are joined, with live member counts', () => {
    const conversations = new Conversations();
    feed(conversations, connected, { type: 'session', session: session() });
    feed(conversations, {
      type: 'room-created',
      room: { id: 'r-alpha', kind: 'room', name: 'alpha', members: 0 },
    });
    expect(conversations.rooms.map((room) => [room.name, room.joined, room.members])).toEqual([
      ['Lobby', true, 2],
      ['alpha', false, 0],
      ['Design', false, 1],
    ]);
    feed(conversations, { type: 'room-counts', counts: { 'r-alpha': 3, lobby: 4 } });
    expect(conversations.rooms.map((room) => room.members)).toEqual([4, 3, 1]);
  });

  it('gives each joined room its own messages, people and typing; the lobby keeps its own', () => {
    const conversations = new Conversations();
    const hello = message('lobby', 'hello lobby');
    feed(conversations, connected, { type: 'session', session: session([hello]) });
    const older = message('r-design', 'design history');
    feed(conversations, { type: 'room-joined', joined: joinedRoom(design, [older], true) });

    const room = conversations.joined.find((chat) => chat.room === 'r-design')!;
    expect(room.self).toEqual(alice);
    expect(room.serverName).toBe('Lab');
    expect(room.status.state).toBe('connected');
    expect(room.hasOlder).toBe(true);

    const news = message('r-design', 'design news');
    feed(
      conversations,
      { type: 'message', message: news },
      { type: 'typing', room: 'r-design', user: bob, typing: true },
      { type: 'user-left', room: 'lobby', user: bob },
    );
    expect(room.messages.map((entry) => entry.text)).toEqual(['design history', 'design news']);
    expect(room.typing).toEqual([bob]);
    expect(room.users).toEqual([alice, bob]);
    expect(conversations.lobby.messages.map((entry) => entry.text)).toEqual(['hello lobby']);
    expect(conversations.lobby.typing).toEqual([]);
    expect(conversations.lobby.users).toEqual([alice]);
    expect(conversations.isOnline({ name: 'BOB' })).toBe(false);
    expect(conversations.isOnline({ name: 'someone', peer: alice.id })).toBe(true);
    expect(conversations.isOnline({ name: 'alice', peer: bob.id })).toBe(false);
  });

  it('knows a direct conversation’s other person is online though the lobby listed only its first page', () => {
    const conversations = new Conversations();
    feed(conversations, connected, { type: 'session', session: session() });
    // Carol is online, but on a later page of the lobby's people than the join listed.
    const carol = { id: 'p-carol', nickname: 'carol' };
    const withCarol: RoomInfo = {
      id: 'd-ac',
      kind: 'direct',
      name: 'carol',
      peer: carol.id,
      peerOnline: true,
      members: 1,
    };
    feed(conversations, { type: 'room-joined', joined: joinedRoom(withCarol, [], false) });
    expect(conversations.lobby.users.some((user) => user.id === carol.id)).toBe(false);
    expect(conversations.isOnline(withCarol)).toBe(true);
    // She goes, and comes back: the lobby's presence tells.
    feed(conversations, { type: 'user-left', room: 'lobby', user: carol });
    expect(conversations.isOnline(withCarol)).toBe(false);
    feed(conversations, { type: 'user-joined', room: 'lobby', user: carol });
    expect(conversations.isOnline(withCarol)).toBe(true);
    // A new join of the server starts again from what it says.
    feed(conversations, { type: 'session', session: session() });
    expect(conversations.isOnline(withCarol)).toBe(false);
  });

  it('shows a rename or a new role everywhere the person is listed, this person included', () => {
    const conversations = new Conversations();
    feed(conversations, connected, { type: 'session', session: session() });
    feed(conversations, { type: 'room-joined', joined: joinedRoom(design, [], false) });
    const room = conversations.joined.find((chat) => chat.room === 'r-design')!;
    const robert = { ...bob, nickname: 'Robert', role: 'moderator' as const };
    const admin = { ...alice, role: 'admin' as const };
    feed(
      conversations,
      { type: 'person-updated', user: robert },
      { type: 'person-updated', user: admin },
    );
    expect(room.users).toEqual([admin, robert]);
    expect(conversations.lobby.users.find((user) => user.id === alice.id)).toEqual(admin);
    expect(conversations.lobby.users.some((user) => user.nickname === 'bob')).toBe(false);
    expect(conversations.lobby.self).toEqual(admin);
    expect(room.self).toEqual(admin);
  });

  it('shows only joined rooms; leaving the one on screen shows the lobby', () => {
    const conversations = new Conversations();
    feed(conversations, connected, { type: 'session', session: session() });
    expect(conversations.show('r-design')).toBe(false);
    expect(conversations.current.room).toBe('lobby');

    feed(conversations, { type: 'room-joined', joined: joinedRoom(design) });
    expect(conversations.show('r-design')).toBe(true);
    expect(conversations.current.room).toBe('r-design');
    expect(conversations.currentEntry.name).toBe('Design');

    feed(conversations, { type: 'room-left', room: 'r-design' });
    expect(conversations.current.room).toBe('lobby');
    expect(conversations.isJoined('r-design')).toBe(false);
    // Its messages no longer land anywhere.
    feed(conversations, { type: 'message', message: message('r-design', 'after leaving') });
    expect(conversations.joined.flatMap((chat) => chat.messages)).toEqual([]);
  });

  it('lets the creator (by identity) or the host delete a room, never the lobby; a deleted room leaves the list', () => {
    const mine: RoomInfo = { ...design, createdBy: 'alice', creator: alice.id };
    const bobs: RoomInfo = {
      id: 'r-ops',
      kind: 'room',
      name: 'Ops',
      members: 0,
      createdBy: 'bob',
      creator: bob.id,
    };
    // Made by someone who was called alice then: another identity.
    const namesakes: RoomInfo = {
      id: 'r-old',
      kind: 'room',
      name: 'Old',
      members: 0,
      createdBy: 'alice',
      creator: 'p-earlier-alice',
    };
    const conversations = new Conversations();
    feed(conversations, connected, {
      type: 'session',
      session: { ...lobbySession([], [lobbyInfo, mine, bobs, namesakes]), roomCount: 10 },
    });
    const deletable = () => conversations.rooms.map((room) => [room.name, room.deletable]);
    expect(deletable()).toEqual([
      ['Lobby', false],
      ['Design', true],
      ['Old', false],
      ['Ops', false],
    ]);
    expect(conversations.roomCount).toBe(10);

    feed(conversations, { type: 'room-joined', joined: joinedRoom(mine) });
    conversations.show('r-design');
    feed(conversations, { type: 'room-deleted', room: 'r-design', roomCount: 9 });
    expect(conversations.rooms.map((room) => room.name)).toEqual(['Lobby', 'Old', 'Ops']);
    expect(conversations.isJoined('r-design')).toBe(false);
    expect(conversations.current.room).toBe('lobby');
    expect(conversations.roomCount).toBe(9);

    const host = new Conversations();
    feed(host, connected, {
      type: 'session',
      session: { ...lobbySession([], [lobbyInfo, bobs]), host: true },
    });
    expect(host.rooms.map((room) => [room.name, room.deletable])).toEqual([
      ['Lobby', false],
      ['Ops', true],
    ]);
  });

  it('keeps direct conversations apart from rooms, named after the other person', () => {
    const conversations = new Conversations();
    feed(conversations, connected, { type: 'session', session: session() });
    feed(conversations, { type: 'room-joined', joined: joinedRoom(direct) });
    expect(conversations.rooms.map((room) => room.id)).toEqual(['lobby', 'r-design']);
    expect(conversations.directs).toEqual([
      { id: 'd-ab', kind: 'direct', name: 'bob', members: 2, joined: true, deletable: false },
    ]);
    expect(conversations.isDirect('d-ab')).toBe(true);
    expect(conversations.nameOf('d-ab')).toBe('bob');
    expect(conversations.nameOf('r-design')).toBe('Design');
  });

  it('puts notices and errors in the room on screen, and own unsent messages in their room', () => {
    const conversations = new Conversations();
    feed(conversations, connected, { type: 'session', session: session() });
    feed(conversations, { type: 'room-joined', joined: joinedRoom(design) });
    conversations.show('r-design');
    feed(
      conversations,
      { type: 'error', error: { code: 'rate_limited', message: 'Slow down.' } },
      {
        type: 'outbox',
        entries: [
          {
            clientId: 'x1',
            room: 'r-design',
            text: 'to design',
            state: 'sending',
            error: null,
            createdAt: 1,
          },
          { clientId: 'x2', text: 'to the lobby', state: 'sending', error: null, createdAt: 2 },
        ],
      },
    );
    const room = conversations.current;
    expect(room.timeline.filter((entry) => entry.kind === 'notice')).toHaveLength(1);
    expect(conversations.lobby.timeline.filter((entry) => entry.kind === 'notice')).toEqual([]);
    expect(room.outbox.map((entry) => entry.text)).toEqual(['to design']);
    expect(conversations.lobby.outbox.map((entry) => entry.text)).toEqual(['to the lobby']);
  });

  it('forgets every room and conversation on reset, keeping the lobby', () => {
    const conversations = new Conversations();
    const lobby = conversations.lobby;
    feed(conversations, connected, { type: 'session', session: session([message('lobby', 'x')]) });
    feed(conversations, { type: 'room-joined', joined: joinedRoom(direct) });
    conversations.show('d-ab');
    conversations.reset();
    expect(conversations.lobby).toBe(lobby);
    expect(conversations.joined).toEqual([lobby]);
    expect(conversations.current).toBe(lobby);
    expect(conversations.rooms).toEqual([]);
    expect(conversations.directs).toEqual([]);
    expect(lobby.messages).toEqual([]);
  });
});
