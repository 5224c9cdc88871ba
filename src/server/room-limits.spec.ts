/**
 * Rooms are bounded and can end: a limit on rooms in total and on rooms made per address, deleting
 * a room (its creator or the host; never the lobby) with its messages, and a join reply that lists
 * only the first page of rooms however many there are (room:list finds the rest).
 */
import { memoryDeviceKey, type DeviceKey } from '../../tests/support/join-with';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  client,
  emitRaw,
  nextEvent,
  onCleanup,
  rawSocket,
  startServer,
  urlOf,
  waitFor,
  type RawSocket,
  joinWith,
} from '../../tests/support/chat';
import { LIMITS, LOBBY } from '../shared/limits';
import type { ChatMessage, JoinedSession, RoomInfo, RoomPage } from '../shared/protocol';
import { createChatServer, type ChatServer, type ChatServerOptions } from './chat-server';
import { EmbeddedHistory } from './storage/embedded-history';
import { StorageError, type HistoryStore } from './storage/history-store';

type Reply<T> = { ok: true } & T;

/** Joins as `nickname`, from `address` (another loopback address is another machine). */
async function joinFrom(
  server: ChatServer,
  nickname: string,
  address = '127.0.0.1',
  key?: DeviceKey,
): Promise<{ socket: RawSocket; session: JoinedSession }> {
  const socket = await rawSocket(server, address);
  const result = await joinWith(socket, { nickname }, key);
  if (!result.ok) throw new Error(result.error.message);
  return { socket, session: result as unknown as JoinedSession };
}

async function create(socket: RawSocket, name: string): Promise<RoomInfo> {
  const result = await emitRaw(socket, 'room:create', { name });
  if (!result.ok) throw new Error(result.error.message);
  return (result as unknown as Reply<{ room: RoomInfo }>).room;
}

async function listRooms(socket: RawSocket, query: object): Promise<RoomPage> {
  const result = await emitRaw(socket, 'room:list', query);
  if (!result.ok) throw new Error(result.error.message);
  return result as unknown as RoomPage;
}

async function send(socket: RawSocket, room: string, clientId: string): Promise<ChatMessage> {
  const result = await emitRaw(socket, 'message:send', { room, clientId, text: clientId });
  if (!result.ok) throw new Error(result.error.message);
  return (result as unknown as Reply<{ message: ChatMessage }>).message;
}

/** Only 127.0.0.1 is the host: other loopback addresses play people on other machines. */
const HOST_IS_127_0_0_1: ChatServerOptions = {
  isHostAddress: (address) => address === '127.0.0.1',
};

describe('room limits', () => {
  it('refuses a room past the server total, clearly, until one is deleted', async () => {
    const server = await startServer({ maxRooms: 3 });
    const { socket: alice, session } = await joinFrom(server, 'alice');
    expect(session.roomCount).toBe(1);
    const design = await create(alice, 'Design');
    await create(alice, 'Ops');
    const refused = await emitRaw(alice, 'room:create', { name: 'Music' });
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'too_many_rooms',
        message:
          'This server has as many rooms as it allows (3). Ask the host, or delete a room you made.',
      },
    });
    // Nothing was made: the list is as it was.
    const listed = await listRooms(alice, {});
    expect(listed.rooms.map((room) => room.name)).toEqual(['Lobby', 'Design', 'Ops']);

    expect(await emitRaw(alice, 'room:delete', { room: design.id })).toEqual({ ok: true });
    expect(await create(alice, 'Music')).toMatchObject({ name: 'Music' });
  });

  it('refuses a server with a room limit that is not a whole number above 0', async () => {
    for (const maxRooms of [0, -1, 1.5, Number.NaN]) {
      await expect(createChatServer({ host: '127.0.0.1', port: 0, maxRooms })).rejects.toThrow(
        /most rooms must be a whole number, at least 1/,
      );
    }
  });

  it('counts rooms made per address, over all its connections; a name taken costs nothing', async () => {
    const server = await startServer({
      isRateLimitExempt: () => false,
      rateLimits: { roomCreatePerAddress: { points: 2, durationSeconds: 600 } },
    });
    const { socket: alice } = await joinFrom(server, 'alice', '127.0.0.2');
    const { socket: alicesOther } = await joinFrom(server, 'alice-laptop', '127.0.0.2');
    const { socket: bob } = await joinFrom(server, 'bob', '127.0.0.3');
    await create(alice, 'One');
    expect(await emitRaw(alicesOther, 'room:create', { name: 'one' })).toMatchObject({
      ok: false,
      error: { code: 'room_exists' },
    });
    await create(alicesOther, 'Two');
    for (const socket of [alice, alicesOther]) {
      expect(await emitRaw(socket, 'room:create', { name: 'Three' })).toEqual({
        ok: false,
        error: {
          code: 'rate_limited',
          message: 'Too many rooms were made from your address. Try again in 10 min.',
        },
      });
    }
    // Another address is not held back by this one.
    expect(await create(bob, 'Three')).toMatchObject({ name: 'Three' });
    const listed = await listRooms(bob, {});
    expect(listed.total).toBe(4);
  });
});

describe('deleting a room', () => {
  it('lets the creator delete it: members are told and out of it, everyone drops it, the name starts fresh', async () => {
    const server = await startServer(HOST_IS_127_0_0_1);
    const { socket: alice } = await joinFrom(server, 'alice', '127.0.0.2');
    const { socket: bob } = await joinFrom(server, 'bob', '127.0.0.3');
    const { socket: carol } = await joinFrom(server, 'carol', '127.0.0.4');
    const design = await create(alice, 'Design');
    expect(design).toMatchObject({ createdBy: 'alice', creator: expect.stringMatching(/^p-/) });
    for (const socket of [alice, bob]) {
      expect((await emitRaw(socket, 'room:join', { room: design.id })).ok).toBe(true);
    }
    const old = await send(bob, design.id, 'before');
    const told = [alice, bob, carol].map((socket) => nextEvent(socket, 'room:deleted'));

    expect(await emitRaw(alice, 'room:delete', { room: design.id })).toEqual({ ok: true });
    for (const event of await Promise.all(told)) {
      expect(event).toEqual({ room: design.id, roomCount: 1 });
    }

    // Out of it: nothing can be posted, joined or read there.
    expect(
      await emitRaw(bob, 'message:send', { room: design.id, clientId: 'after', text: 'x' }),
    ).toMatchObject({ ok: false, error: { code: 'unknown_room' } });
    expect(await emitRaw(carol, 'room:join', { room: design.id })).toMatchObject({
      ok: false,
      error: { code: 'unknown_room' },
    });
    expect(await emitRaw(bob, 'room:delete', { room: design.id })).toMatchObject({
      ok: false,
      error: { code: 'unknown_room' },
    });
    expect(server.io.sockets.adapter.rooms.get(design.id)).toBeUndefined();
    const listed = await listRooms(carol, {});
    expect(listed.rooms.map((room) => room.name)).toEqual(['Lobby']);

    // The same name later is a new room: a new id, no old messages, and ids go on.
    const again = await create(carol, 'design');
    expect(again.id).not.toBe(design.id);
    const joined = await emitRaw(bob, 'room:join', { room: again.id });
    expect(joined).toMatchObject({ ok: true, messages: [], hasOlder: false });
    expect((await send(bob, again.id, 'fresh')).id).toBeGreaterThan(old.id);
  });

  it('refuses others, the lobby and direct conversations; the host may delete any room', async () => {
    const server = await startServer(HOST_IS_127_0_0_1);
    const { socket: alice } = await joinFrom(server, 'alice', '127.0.0.2');
    const { socket: bob } = await joinFrom(server, 'bob', '127.0.0.3');
    const { socket: host, session } = await joinFrom(server, 'host', '127.0.0.1');
    expect(session.host).toBe(true);
    const design = await create(alice, 'Design');

    expect(await emitRaw(bob, 'room:delete', { room: design.id })).toEqual({
      ok: false,
      error: {
        code: 'not_allowed',
        message: 'Only the person who made this room, the host or an admin can delete it.',
      },
    });
    for (const socket of [alice, host]) {
      expect(await emitRaw(socket, 'room:delete', { room: LOBBY })).toEqual({
        ok: false,
        error: { code: 'invalid_payload', message: 'The lobby cannot be deleted.' },
      });
    }
    const direct = await emitRaw(alice, 'dm:open', { nickname: 'bob' });
    const directId = (direct as unknown as Reply<{ room: RoomInfo }>).room.id;
    expect(await emitRaw(alice, 'room:delete', { room: directId })).toMatchObject({
      ok: false,
      error: { code: 'not_allowed' },
    });
    // Someone else's direct conversation is answered as if it did not exist.
    expect(await emitRaw(host, 'room:delete', { room: directId })).toMatchObject({
      ok: false,
      error: { code: 'unknown_room' },
    });
    for (const room of ['r-nothing', 5, '']) {
      expect((await emitRaw(alice, 'room:delete', { room })).ok).toBe(false);
    }
    // Nothing changed: the room is there, and alice still in the lobby.
    const listed = await listRooms(bob, {});
    expect(listed.rooms.map((room) => room.name)).toEqual(['Lobby', 'Design']);

    const told = nextEvent(alice, 'room:deleted');
    expect(await emitRaw(host, 'room:delete', { room: design.id })).toEqual({ ok: true });
    expect(await told).toEqual({ room: design.id, roomCount: 1 });
  });

  it('a room belongs to the identity that made it: not to whoever holds that name later', async () => {
    const server = await startServer(HOST_IS_127_0_0_1);
    const { socket: host } = await joinFrom(server, 'host', '127.0.0.1');
    const { socket: alice, session } = await joinFrom(server, 'alice', '127.0.0.2');
    const design = await create(alice, 'Design');
    expect(design.creator).toBe(session.self.id);
    // The host renames alice; someone else takes "alice".
    expect(
      await emitRaw(host, 'name:set', { userId: session.self.id, nickname: 'alicia' }),
    ).toMatchObject({ ok: true });
    const { socket: namesake } = await joinFrom(server, 'alice', '127.0.0.3');
    expect(await emitRaw(namesake, 'room:delete', { room: design.id })).toMatchObject({
      ok: false,
      error: { code: 'not_allowed' },
    });
    expect((await listRooms(namesake, {})).rooms.map((room) => room.name)).toContain('Design');
    // The person who made it, under their new name, still may.
    expect(await emitRaw(alice, 'room:delete', { room: design.id })).toEqual({ ok: true });
  });

  it('refuses a file that finishes storing after its room was deleted: nothing is kept under the dead id', async () => {
    // The file's reference is recorded (the last step before the message is stored) only when
    // the test says so: the room is deleted meanwhile, as another person may do at any moment.
    const inner = await EmbeddedHistory.open({ directory: null, capacity: 1_000, retention: null });
    let reached!: () => void;
    const recording = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const history: HistoryStore = Object.assign(Object.create(inner) as HistoryStore, {
      rooms: inner.rooms,
      fileReferences: {
        allowed: (fileId: string, rooms: Iterable<string>) =>
          inner.fileReferences.allowed(fileId, rooms),
        record: async (fileId: string, room: string) => {
          reached();
          await released;
          await inner.fileReferences.record(fileId, room);
        },
      },
      append: (request: Parameters<HistoryStore['append']>[0]) => inner.append(request),
      page: (...args: Parameters<HistoryStore['page']>) => inner.page(...args),
      latest: (...args: Parameters<HistoryStore['latest']>) => inner.latest(...args),
      hasBefore: (...args: Parameters<HistoryStore['hasBefore']>) => inner.hasBefore(...args),
      flush: () => inner.flush(),
      close: () => inner.close(),
    });
    const server = await startServer({ ...HOST_IS_127_0_0_1, history });
    const { socket: alice } = await joinFrom(server, 'alice', '127.0.0.2');
    const design = await create(alice, 'Design');
    expect((await emitRaw(alice, 'room:join', { room: design.id })).ok).toBe(true);
    const bytes = new TextEncoder().encode('late file');
    const begun = await emitRaw(alice, 'file:begin', {
      name: 'late.txt',
      type: 'text/plain',
      size: bytes.length,
      room: design.id,
    });
    const uploadId = (begun as unknown as Reply<{ uploadId: string }>).uploadId;
    expect(await emitRaw(alice, 'file:chunk', { uploadId, offset: 0, data: bytes })).toMatchObject({
      ok: true,
    });
    const ended = emitRaw(alice, 'file:end', { uploadId });
    await recording;
    expect(await emitRaw(alice, 'room:delete', { room: design.id })).toEqual({ ok: true });
    release();

    expect(await ended).toEqual({
      ok: false,
      error: { code: 'unknown_room', message: 'The room was deleted.' },
    });
    expect((await inner.page(design.id, { after: 0 }, 100)).messages).toEqual([]);
    expect(await inner.latest(design.id, 100)).toEqual([]);
  });

  it('keeps the room, and says so, when the store cannot delete it', async () => {
    const inner = await EmbeddedHistory.open({ directory: null, capacity: 100 });
    let failing: StorageError | null = null;
    // The embedded store, with deletions that fail on demand as a full disk makes them.
    const history: HistoryStore = {
      append: (request) => inner.append(request),
      latest: (...args) => inner.latest(...args),
      page: (...args) => inner.page(...args),
      hasBefore: (...args) => inner.hasBefore(...args),
      find: (...args) => inner.find(...args),
      pinned: (...args) => inner.pinned(...args),
      rooms: {
        rooms: () => inner.rooms.rooms(),
        saveRoom: (room) => inner.rooms.saveRoom(room),
        deleteRoom: (id) => (failing ? Promise.reject(failing) : inner.rooms.deleteRoom(id)),
      },
      identities: inner.identities,
      readPositions: inner.readPositions,
      fileReferences: inner.fileReferences,
      adminTokens: inner.adminTokens,
      linkCodes: inner.linkCodes,
      flush: () => inner.flush(),
      close: () => inner.close(),
    };
    const errors: unknown[] = [];
    const server = await startServer({ history, onError: (error) => errors.push(error) });
    const { socket: alice } = await joinFrom(server, 'alice');
    const design = await create(alice, 'Design');
    await emitRaw(alice, 'room:join', { room: design.id });
    await send(alice, design.id, 'kept');

    failing = StorageError.fromWriteFailure(Object.assign(new Error('disk'), { code: 'ENOSPC' }));
    expect(await emitRaw(alice, 'room:delete', { room: design.id })).toEqual({
      ok: false,
      error: {
        code: 'storage_full',
        message:
          "The server's disk is full, so the room could not be deleted. It is still there; try again later.",
      },
    });
    expect(errors).toEqual([failing]);
    // Still there: listed, joined, and its messages kept.
    expect((await listRooms(alice, {})).rooms.map((room) => room.name)).toEqual([
      'Lobby',
      'Design',
    ]);
    expect(await send(alice, design.id, 'still')).toMatchObject({ text: 'still' });

    failing = null;
    expect(await emitRaw(alice, 'room:delete', { room: design.id })).toEqual({ ok: true });
  });

  it('removes the room and its messages from the data folder: gone after a restart, ids not reused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-room-delete-'));
    onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await createChatServer({ host: '127.0.0.1', port: 0, webRoot: null, dataDir });
    const aliceKey = memoryDeviceKey();
    const { socket: alice } = await joinFrom(first, 'alice', '127.0.0.1', aliceKey);
    const design = await create(alice, 'Design');
    const ops = await create(alice, 'Ops');
    await emitRaw(alice, 'room:join', { room: design.id });
    await emitRaw(alice, 'room:join', { room: ops.id });
    const last = await send(alice, design.id, 'd1');
    await send(alice, ops.id, 'o1');
    expect(await emitRaw(alice, 'room:delete', { room: design.id })).toEqual({ ok: true });
    await first.close();

    const stored = await EmbeddedHistory.open({
      directory: join(dataDir, 'history'),
      capacity: 10,
    });
    expect((await stored.rooms.rooms()).map((room) => room.name)).toEqual(['Ops']);
    expect(await stored.latest(design.id, 10)).toEqual([]);
    expect((await stored.latest(ops.id, 10)).map((message) => message.text)).toEqual(['o1']);
    await stored.close();

    const second = await startServer({ dataDir });
    const { socket: again, session } = await joinFrom(second, 'alice', '127.0.0.1', aliceKey);
    expect(session.rooms.map((room) => room.name)).toEqual(['Lobby', 'Ops']);
    expect((await send(again, LOBBY, 'next')).id).toBeGreaterThan(last.id + 1);
  });
});

describe('the list of rooms', () => {
  it('keeps the join reply small with thousands of rooms; a client finds and joins any of them', async () => {
    const rooms = 3_000;
    const server = await startServer({
      maxRooms: rooms + 1,
      rateLimits: { rooms: { points: 1_000_000, durationSeconds: 1 } },
    });
    const { socket: maker } = await joinFrom(server, 'maker');
    const names = Array.from({ length: rooms }, (_, n) => `Room ${String(n).padStart(4, '0')}`);
    for (let start = 0; start < rooms; start += 500) {
      await Promise.all(names.slice(start, start + 500).map((name) => create(maker, name)));
    }
    // Someone is in one old room: the busiest come first.
    const busy = await listRooms(maker, { search: 'room 0007' });
    expect(busy.rooms.map((room) => room.name)).toEqual(['Room 0007']);
    await emitRaw(maker, 'room:join', { room: busy.rooms[0]!.id });

    const reader = await rawSocket(server);
    const joined = await joinWith(reader, { nickname: 'reader' });
    const session = joined as unknown as Reply<JoinedSession>;
    expect(session.roomCount).toBe(rooms + 1);
    expect(session.rooms).toHaveLength(LIMITS.joinRoomListLength);
    expect(session.rooms[0]!.id).toBe(LOBBY);
    expect(session.rooms[1]!.name).toBe('Room 0007');
    // The newest next: rooms of the last batch made (or its neighbour's, made in the same ms).
    expect(session.rooms.slice(2).every((room) => room.name >= 'Room 2000')).toBe(true);
    // A bound on the bytes, whatever the number of rooms: 50 rooms of at most 48 characters.
    expect(JSON.stringify(joined).length).toBeLessThan(16 * 1024);

    // Every room, once, page by page.
    const seen = new Set<string>();
    let offset = 0;
    for (;;) {
      const page = await listRooms(reader, { offset });
      expect(page.total).toBe(rooms + 1);
      expect(page.rooms.length).toBeLessThanOrEqual(LIMITS.roomListPageLength);
      for (const room of page.rooms) seen.add(room.name);
      offset += page.rooms.length;
      if (!page.hasMore) break;
    }
    expect(seen.size).toBe(rooms + 1);

    // The client: search by name, then join.
    const chat = client();
    await chat.connect(urlOf(server), 'finder');
    const found = await chat.listRooms({ search: 'ROOM 1234' });
    if (!found.ok) throw new Error(found.error.message);
    expect(found).toMatchObject({ total: 1, hasMore: false });
    const entered = await chat.joinRoom(found.rooms[0]!.id);
    expect(entered).toMatchObject({ ok: true, joined: { room: { name: 'Room 1234' } } });
    expect(await chat.listRooms({ limit: LIMITS.roomListPageLength + 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    expect(await emitRaw(reader, 'room:list', { search: 'x'.repeat(49) })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
  });

  it('drops a deleted room from the client, which does not rejoin it', async () => {
    const server = await startServer();
    const alice = client();
    await alice.connect(urlOf(server), 'alice');
    const created = await alice.createRoom('Design');
    if (!created.ok) throw new Error(created.error.message);
    await alice.joinRoom(created.room.id);
    const deletedEvents: string[] = [];
    alice.onEvent((event) => {
      if (event.type === 'room-deleted') deletedEvents.push(event.room);
    });
    expect(await alice.deleteRoom(created.room.id)).toEqual({ ok: true });
    await waitFor(() => deletedEvents.length === 1, 'room-deleted');
    expect(deletedEvents).toEqual([created.room.id]);
    expect(alice.rooms).toEqual([]);

    // Deleted while the client was away: its rejoin finds the room gone, and drops it too.
    const again = await alice.createRoom('Ops');
    if (!again.ok) throw new Error(again.error.message);
    await alice.joinRoom(again.room.id);
    const away = client({ reconnectDelayMs: 60_000, reconnectDelayMaxMs: 60_000 });
    await away.connect(urlOf(server), 'carol');
    await away.joinRoom(again.room.id);
    const awayDeleted: string[] = [];
    away.onEvent((event) => {
      if (event.type === 'room-deleted') awayDeleted.push(event.room);
    });
    for (const socket of server.io.sockets.sockets.values()) {
      if (socket.data.user?.nickname === 'carol') socket.conn.close();
    }
    await waitFor(() => away.status.state !== 'connected', 'the drop');
    expect(await alice.deleteRoom(again.room.id)).toEqual({ ok: true });
    await away.reconnectNow();
    await waitFor(() => away.status.state === 'connected', 'the rejoin');
    expect(awayDeleted).toEqual([again.room.id]);
    expect(away.rooms).toEqual([]);
    expect(await alice.deleteRoom(LOBBY)).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: 'The lobby cannot be deleted.' },
    });
  });
});
