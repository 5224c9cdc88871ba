/**
 * A client that asks with PRESENCE_LISTED_QUERY hears the joins and leaves of the people it lists
 * (the join's first page, and the pages it went on to), of the other person of each of its
 * direct conversations wherever they are, and nobody else's: newcomers past its list are counted
 * (`room:counts`), not announced. A server that lists 2 people per join stands in for the real
 * 100. Batches go out in order, so a later event a client does get shows that nothing it must not
 * get came before it.
 */
import { describe, expect, it } from 'vitest';
import {
  collect,
  emitRaw,
  joinRaw,
  rawSocket,
  startServer,
  waitFor,
  type RawSocket,
} from '../../../tests/support/chat';
import { joinWith } from '../../../tests/support/join-with';
import { LOBBY } from '../../shared/limits';
import {
  PRESENCE_LISTED_QUERY,
  type JoinedRoom,
  type JoinedSession,
  type PeoplePage,
} from '../../shared/protocol';
import type { Result } from '../../shared/result';
import type { ChatServer } from '../chat-server';

const PAGE = 2;

/** Joins as `nickname`, asking for the people it lists only; with what it hears, as `+x`/`-x`. */
async function listing(server: ChatServer, nickname: string) {
  const socket = await rawSocket(server, undefined, PRESENCE_LISTED_QUERY);
  const heard: string[] = [];
  socket.on('presence:changes', ({ room, changes }) => {
    for (const change of changes) {
      heard.push(`${room === LOBBY ? '' : `${room} `}${change.left ? '-' : '+'}${change.nickname}`);
    }
  });
  const session = await joinWith(socket, { nickname });
  if (!session.ok) throw new Error(session.error.message);
  return { socket, heard, session: session as JoinedSession & { ok: true } };
}

async function asked<T extends object>(
  socket: RawSocket,
  event: string,
  payload: object,
): Promise<T> {
  const reply = (await emitRaw(socket, event, payload)) as Result<T>;
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
  return reply;
}

describe('presence of the people listed (presence=listed)', () => {
  it('announces to a client only the people it lists, and newcomers once it has paged to the end', async () => {
    const server = await startServer({ joinPeoplePage: PAGE });
    const ann = await listing(server, 'ann');
    const bob = await listing(server, 'bob');
    // cat's join lists ann and cat: bob and whoever comes later are past its list.
    const cat = await listing(server, 'cat');
    expect(cat.session.users.map((user) => user.nickname)).toEqual(['ann', 'cat']);
    expect(cat.session.usersNext).toBeTypeOf('number');

    await joinRaw(server, 'dan');
    ann.socket.disconnect();
    await waitFor(() => cat.heard.length > 0, 'cat hears that ann (listed) left');
    // dan's join, before ann's leave, was not announced to cat; bob lists everyone.
    expect(cat.heard).toEqual(['-ann']);
    await waitFor(() => bob.heard.length === 3, 'bob hears cat, dan and ann');
    expect(bob.heard).toEqual(['+cat', '+dan', '-ann']);

    // The next page is the rest (bob, cat, dan): from then on cat lists everyone.
    const rest = await asked<PeoplePage>(cat.socket, 'people:page', {
      after: cat.session.usersNext,
    });
    expect(rest.users.map((user) => user.nickname)).toEqual(['bob', 'cat', 'dan']);
    expect(rest.next).toBeUndefined();
    await joinRaw(server, 'eve');
    await waitFor(() => cat.heard.length === 2, 'cat hears eve');
    expect(cat.heard).toEqual(['-ann', '+eve']);
  });

  it('a page asked out of turn, or searched, does not widen what a client hears', async () => {
    const server = await startServer({ joinPeoplePage: PAGE });
    const ann = await listing(server, 'ann');
    await listing(server, 'bob');
    const cat = await listing(server, 'cat');
    // From the start, and a search: neither goes on from the list cat holds.
    await asked<PeoplePage>(cat.socket, 'people:page', {});
    await asked<PeoplePage>(cat.socket, 'people:page', { query: 'b' });
    await joinRaw(server, 'dan');
    ann.socket.disconnect();
    await waitFor(() => cat.heard.length > 0, 'cat hears that ann left');
    expect(cat.heard).toEqual(['-ann']);
  });

  it('follows the other person of a direct conversation past the list, and counts everyone', async () => {
    const server = await startServer({ joinPeoplePage: PAGE });
    await listing(server, 'ann');
    await listing(server, 'bob');
    const cat = await listing(server, 'cat');
    const counts = collect(cat.socket, 'room:counts');
    const dan = await joinRaw(server, 'dan');
    await joinRaw(server, 'eve');
    await asked<JoinedRoom>(cat.socket, 'dm:open', { nickname: 'dan' });
    // The count of everyone comes by room:counts, newcomers past the list included.
    await waitFor(
      () => counts.some(({ counts }) => counts[LOBBY] === 5),
      'a count of the five in the lobby',
    );
    dan.disconnect();
    await waitFor(() => cat.heard.length > 0, 'cat hears that dan left');
    // dan, past cat's list, is announced as the other person of its direct conversation; eve is not.
    expect(cat.heard).toEqual(['-dan']);
  });

  it('in a room, announces to a client only the members it lists', async () => {
    const server = await startServer({ joinPeoplePage: PAGE });
    // One after another: the join order is the order of the names.
    const ann = await listing(server, 'ann');
    const bob = await listing(server, 'bob');
    const cat = await listing(server, 'cat');
    const dan = await listing(server, 'dan');
    const { room } = await asked<{ room: { id: string } }>(ann.socket, 'room:create', {
      name: 'alpha',
    });
    const enter = (who: typeof ann) =>
      asked<JoinedRoom>(who.socket, 'room:join', { room: room.id });
    await enter(ann);
    await enter(bob);
    // cat's join of the room lists ann and cat; dan comes after.
    expect((await enter(cat)).users.map((user) => user.nickname)).toEqual(['ann', 'cat']);
    await enter(dan);
    await asked<object>(ann.socket, 'room:leave', { room: room.id });
    const inRoom = (heard: string[]) => heard.filter((entry) => entry.startsWith(room.id));
    await waitFor(() => inRoom(cat.heard).length > 0, 'cat hears that ann left the room');
    expect(inRoom(cat.heard)).toEqual([`${room.id} -ann`]);
    await waitFor(() => inRoom(bob.heard).length === 3, 'bob hears cat, dan and ann');
    expect(inRoom(bob.heard)).toEqual([`${room.id} +cat`, `${room.id} +dan`, `${room.id} -ann`]);
  });
});
