/**
 * RoomCursors: delivering every message id once and in order per room, holding live messages
 * while catching up, and paging through `history:fetch` (forward to catch up, back to scroll)
 * against a bare Socket.IO server that keeps one room's log.
 */
import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../shared/api';
import { LIMITS } from '../shared/limits';
import type { ChatMessage } from '../shared/protocol';
import { fail, ok, type Result } from '../shared/result';
import type { HistoryFetchPayload } from '../shared/schemas';
import { timedRequest } from './acked-request';
import type { ParleyClientSocket } from './connection';
import { bareServer, chatMessage } from '../../tests/support/bare-server';
import { RoomCursors } from './room-cursors';

const ROOM = 'design';

const message = (id: number, room = ROOM): ChatMessage => chatMessage(id, { room });

/** Pages of three from messages 1 to 7, as the server answers `history:fetch`. */
function pageOf(
  payload: HistoryFetchPayload,
): Result<{ messages: ChatMessage[]; hasMore: boolean }> {
  const log = [1, 2, 3, 4, 5, 6, 7].map((id) => message(id));
  const { after, before } = payload;
  const wanted =
    after === undefined
      ? log.filter((entry) => entry.id < before!).slice(-3)
      : log.filter((entry) => entry.id > after).slice(0, 3);
  const last = after === undefined ? wanted[0] : wanted.at(-1);
  const beyond =
    after === undefined
      ? log.some((entry) => entry.id < last!.id)
      : log.some((entry) => entry.id > (last?.id ?? after));
  return ok({ messages: wanted, hasMore: beyond });
}

/**
 * Cursors over a socket to a server that answers each `history:fetch` with `answer` (default: the
 * pages of the log above); `fetches` records what was asked.
 */
async function setUp(answer: typeof pageOf = pageOf) {
  const fetches: HistoryFetchPayload[] = [];
  const { connect } = await bareServer((peer) =>
    peer.on('history:fetch', (payload, ack) => {
      fetches.push(payload);
      ack(answer(payload));
    }),
  );
  const socket = await connect();

  const state: { current: ParleyClientSocket | null; joined: boolean } = {
    current: socket,
    joined: true,
  };
  const events: ChatEvent[] = [];
  const cursors = new RoomCursors({
    request: timedRequest(5_000),
    emit: (event) => events.push(event),
    currentSocket: () => state.current,
    joinedSocket: () => (state.joined ? state.current : null),
  });
  const delivered = () =>
    events.flatMap((event) =>
      event.type === 'message' ? [`${event.message.room}:${event.message.id}`] : [],
    );
  return { cursors, socket, fetches, state, events, delivered };
}

describe('RoomCursors', () => {
  it('delivers each id once, in order per room, and holds live messages while catching up', async () => {
    const { cursors, delivered } = await setUp();
    expect(cursors.unseen(ROOM, [message(1), message(2)]).map((seen) => seen.id)).toEqual([1, 2]);
    expect(cursors.unseen(ROOM, [message(2), message(3)]).map((seen) => seen.id)).toEqual([3]);
    expect(cursors.newest(ROOM)).toBe(3);

    cursors.deliver(message(3));
    cursors.deliver(message(4));
    cursors.deliver(message(2, 'lobby'));
    cursors.hold();
    expect(cursors.catchingUp).toBe(true);
    cursors.deliver(message(5));
    cursors.deliver(message(5));
    expect(delivered()).toEqual([`${ROOM}:4`, 'lobby:2']);
    cursors.release();
    expect(cursors.catchingUp).toBe(false);
    expect(delivered()).toEqual([`${ROOM}:4`, 'lobby:2', `${ROOM}:5`]);

    cursors.clear();
    expect(cursors.newest(ROOM)).toBeUndefined();
    expect(cursors.unseen(ROOM, [message(1)])).toHaveLength(1);
  });

  it('catches up page by page from the newest id held, to the end', async () => {
    const { cursors, socket, fetches, delivered } = await setUp();
    cursors.unseen(ROOM, [message(1)]);
    await cursors.catchUp(socket, ROOM);
    expect(fetches).toEqual([
      { room: ROOM, after: 1 },
      { room: ROOM, after: 4 },
    ]);
    expect(delivered()).toEqual([2, 3, 4, 5, 6, 7].map((id) => `${ROOM}:${id}`));
  });

  it('asks for a failed page again', async () => {
    let failures = 1;
    const { cursors, socket, fetches, delivered } = await setUp((payload) =>
      failures-- > 0 ? fail('internal', 'The store is busy.') : pageOf(payload),
    );
    cursors.unseen(ROOM, [message(4)]);
    await cursors.catchUp(socket, ROOM);
    expect(fetches.map((fetch) => fetch.after)).toEqual([4, 4]);
    expect(delivered()).toEqual([5, 6, 7].map((id) => `${ROOM}:${id}`));
  });

  it('gives up after five failed pages, with a notice, until the next join', async () => {
    const { cursors, socket, fetches, events } = await setUp(() =>
      fail('internal', 'The store is broken.'),
    );
    await cursors.catchUp(socket, ROOM);
    expect(fetches).toHaveLength(5);
    expect(events).toEqual([
      { type: 'notice', text: 'Some missed messages could not be loaded (The store is broken.).' },
    ]);
  });

  it('does not catch up over a socket that has been replaced', async () => {
    const { cursors, socket, fetches, state } = await setUp();
    state.current = null;
    await cursors.catchUp(socket, ROOM);
    expect(fetches).toEqual([]);
  });

  it('scrolls back from the oldest id held, one request per room at a time', async () => {
    const { cursors, fetches, events } = await setUp();
    expect(await cursors.loadOlder(ROOM)).toEqual({ ok: true, count: 0, hasOlder: false });
    cursors.markOldest(ROOM, [message(7)]);
    cursors.markOldest(ROOM, [message(6)]); // marked already: stays at 7

    const loading = cursors.loadOlder(ROOM);
    expect(cursors.loadOlder(ROOM)).toBe(loading);
    expect(await loading).toEqual({ ok: true, count: 3, hasOlder: true });
    expect(await cursors.loadOlder(ROOM)).toEqual({ ok: true, count: 3, hasOlder: false });
    expect(fetches).toEqual([
      { room: ROOM, before: 7, limit: LIMITS.joinHistoryLength },
      { room: ROOM, before: 4, limit: LIMITS.joinHistoryLength },
    ]);
    const pages = events.flatMap((event) =>
      event.type === 'history' ? [event.messages.map((older) => older.id)] : [],
    );
    expect(pages).toEqual([
      [4, 5, 6],
      [1, 2, 3],
    ]);
  });

  it('cannot scroll back without a joined connection', async () => {
    const { cursors, fetches, state } = await setUp();
    cursors.markOldest(ROOM, [message(7)]);
    state.joined = false;
    expect(await cursors.loadOlder(ROOM)).toMatchObject({
      ok: false,
      error: { code: 'not_connected' },
    });
    expect(fetches).toEqual([]);
  });
});
