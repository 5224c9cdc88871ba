/**
 * Join replies list a first page of the people, with how many there are; `people:page` lists
 * the rest, in the order they came online, searched by nickname. A server that lists 3 people
 * per join stands in for the real 100: the paging is the same, with a handful of clients.
 */
import { describe, expect, it } from 'vitest';
import {
  emitRaw,
  joinRaw,
  rawSocket,
  startServer,
  type RawSocket,
} from '../../../tests/support/chat';
import { joinWith } from '../../../tests/support/join-with';
import { LIMITS } from '../../shared/limits';
import type { JoinedRoom, PeoplePage, RoomInfo } from '../../shared/protocol';
import type { Result } from '../../shared/result';
import type { ChatServer } from '../chat-server';

const PAGE = 3;
const NAMES = ['ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal'];

async function page(socket: RawSocket, payload: Record<string, unknown>): Promise<PeoplePage> {
  const reply = (await emitRaw(socket, 'people:page', payload)) as Result<PeoplePage>;
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
  return reply;
}

/** Everyone, page after page from `after`, as a client that scrolls to the end gets them. */
async function everyone(
  socket: RawSocket,
  payload: Record<string, unknown>,
  after?: number,
): Promise<string[]> {
  const names: string[] = [];
  let next = after;
  do {
    const got = await page(socket, { ...payload, ...(next === undefined ? {} : { after: next }) });
    names.push(...got.users.map((user) => user.nickname));
    next = got.next;
  } while (next !== undefined);
  return names;
}

async function crowd(server: ChatServer): Promise<RawSocket[]> {
  const sockets: RawSocket[] = [];
  // One after another: the join order is the order of the names.
  for (const name of NAMES) sockets.push(await joinRaw(server, name));
  return sockets;
}

describe('people in join replies and people:page', () => {
  it('a join lists a first page with the joiner and the right count; paging lists everyone once, in order', async () => {
    const server = await startServer({ joinPeoplePage: PAGE });
    await crowd(server);
    const socket = await rawSocket(server);
    const session = await joinWith(socket, { nickname: 'ivy' });
    if (!session.ok) throw new Error(session.error.message);
    // The first others in join order, then the joiner (who came last).
    expect(session.users.map((user) => user.nickname)).toEqual(['ann', 'bob', 'ivy']);
    expect(session.userCount).toBe(NAMES.length + 1);
    expect(session.usersNext).toBeTypeOf('number');

    const rest = await everyone(socket, { limit: 2 }, session.usersNext);
    expect(rest).toEqual(['cat', 'dan', 'eve', 'fay', 'gus', 'hal', 'ivy']);
    // From the start, everyone exactly once.
    expect(await everyone(socket, {})).toEqual([...NAMES, 'ivy']);
    const first = await page(socket, { limit: 4 });
    expect(first.total).toBe(NAMES.length + 1);
  });

  it('a small room lists everyone in the join reply, with no page to follow', async () => {
    const server = await startServer({ joinPeoplePage: PAGE });
    await joinRaw(server, 'ann');
    const socket = await rawSocket(server);
    const joined = await joinWith(socket, { nickname: 'bob' });
    if (!joined.ok) throw new Error(joined.error.message);
    expect(joined.users.map((user) => user.nickname)).toEqual(['ann', 'bob']);
    expect(joined.userCount).toBe(2);
    expect(joined.usersNext).toBeUndefined();
    expect(await page(socket, {})).toEqual({ ok: true, users: joined.users, total: 2 });
  });

  it('someone who leaves or comes between pages is listed neither twice nor skipped', async () => {
    const server = await startServer({ joinPeoplePage: PAGE });
    const sockets = await crowd(server);
    const first = await page(sockets[0]!, { limit: 3 });
    expect(first.users.map((user) => user.nickname)).toEqual(['ann', 'bob', 'cat']);
    // bob (on the page already) and dan (not yet) leave; jon comes.
    sockets[1]!.disconnect();
    sockets[3]!.disconnect();
    await joinRaw(server, 'jon');
    // The server has seen both leave once the count says so.
    let rest: PeoplePage;
    do rest = await page(sockets[0]!, { after: first.next, limit: 100 });
    while (rest.total !== NAMES.length - 1);
    expect(rest.users.map((user) => user.nickname)).toEqual(['eve', 'fay', 'gus', 'hal', 'jon']);
  });

  it('a query finds someone beyond the first page, ignoring case, and pages its matches', async () => {
    const server = await startServer({ joinPeoplePage: PAGE });
    const sockets = await crowd(server);
    await joinRaw(server, 'Hannah');
    const found = await page(sockets[0]!, { query: 'HA' });
    expect(found.users.map((user) => user.nickname)).toEqual(['hal', 'Hannah']);
    expect(found.total).toBe(2);
    expect(found.next).toBeUndefined();
    const one = await page(sockets[0]!, { query: 'a', limit: 2 });
    expect(one.users.map((user) => user.nickname)).toEqual(['ann', 'cat']);
    expect(one.total).toBe(6);
    expect(await everyone(sockets[0]!, { query: 'a', limit: 2 })).toEqual([
      'ann',
      'cat',
      'dan',
      'fay',
      'hal',
      'Hannah',
    ]);
    expect((await page(sockets[0]!, { query: 'zzz' })).users).toEqual([]);
  });

  it('room:join lists a first page of the room and the count; people:page lists that room', async () => {
    const server = await startServer({ joinPeoplePage: PAGE });
    const sockets = await crowd(server);
    const made = await emitRaw(sockets[0]!, 'room:create', { name: 'Design' });
    if (!made.ok) throw new Error(made.error.message);
    const room = made.room as RoomInfo;
    // Everyone but bob comes in, the last first: listed all the same in the order they came online.
    for (const socket of [...sockets].reverse()) {
      if (socket === sockets[1]) continue;
      const reply = (await emitRaw(socket, 'room:join', { room: room.id })) as Result<JoinedRoom>;
      if (!reply.ok) throw new Error(reply.error.message);
    }
    const again = await rawSocket(server);
    await joinWith(again, { nickname: 'ivy' });
    const joined = (await emitRaw(again, 'room:join', { room: room.id })) as Result<JoinedRoom>;
    if (!joined.ok) throw new Error(joined.error.message);
    expect(joined.users.map((user) => user.nickname)).toEqual(['ann', 'cat', 'ivy']);
    expect(joined.userCount).toBe(NAMES.length);
    expect(await everyone(again, { room: room.id }, joined.usersNext)).toEqual([
      'dan',
      'eve',
      'fay',
      'gus',
      'hal',
      'ivy',
    ]);
    expect(await everyone(again, { room: room.id, query: 'A' })).toEqual([
      'ann',
      'cat',
      'dan',
      'fay',
      'hal',
    ]);
  });

  it('refuses malformed requests, unknown rooms and rooms one is not in, with a clear error', async () => {
    const server = await startServer({ joinPeoplePage: PAGE });
    const [ann, bob] = await crowd(server);
    const made = await emitRaw(ann!, 'room:create', { name: 'Quiet' });
    if (!made.ok) throw new Error(made.error.message);
    const room = made.room as RoomInfo;

    const refusals: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ after: -1 }, 'invalid_payload', /after cannot be negative/],
      [{ after: 'bob' }, 'invalid_payload', /after must be a number/],
      [{ limit: LIMITS.peoplePageLength + 1 }, 'invalid_payload', /limit can be at most/],
      [
        { query: 'x'.repeat(LIMITS.nicknameMaxLength + 1) },
        'invalid_payload',
        /query can be at most/,
      ],
      [{ extra: true }, 'invalid_payload', /extra/],
      [{ room: 'nowhere' }, 'unknown_room', /There is no room "nowhere"/],
      [{ room: room.id }, 'not_in_room', /Join the room first/],
    ];
    for (const [payload, code, message] of refusals) {
      const reply = await emitRaw(bob!, 'people:page', payload);
      expect(reply, JSON.stringify(payload)).toMatchObject({ ok: false, error: { code } });
      if (!reply.ok) expect(reply.error.message).toMatch(message);
    }
    // Still connected and answered.
    expect((await page(bob!, { limit: 1 })).total).toBe(NAMES.length);
    const stranger = await rawSocket(server);
    expect(await emitRaw(stranger, 'people:page', {})).toMatchObject({
      ok: false,
      error: { code: 'not_joined' },
    });
  });

  it('refuses a join page size the server cannot use', async () => {
    await expect(startServer({ joinPeoplePage: 1 })).rejects.toThrow(/from 2 to 100/);
    await expect(startServer({ joinPeoplePage: LIMITS.joinPeoplePage + 1 })).rejects.toThrow(
      /from 2 to 100/,
    );
  });
});
