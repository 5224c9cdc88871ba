import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  collect,
  joinRaw,
  rawSocket,
  startServer,
  waitFor,
  joinWith,
  type RawSocket,
} from '../../tests/support/chat';
import {
  PRESENCE_CHANGES_QUERY,
  type ChatMessage,
  type PresenceChange,
  type User,
} from '../shared/protocol';
import type { ParleyServer } from './socket-types';
import { LIMITS } from '../shared/limits';
import {
  batchIntervalMs,
  countsIntervalMs,
  RoomBroadcaster,
  type PresenceWindow,
} from './broadcast-batcher';

const user = (nickname: string): User => ({ id: `id-${nickname}`, nickname });
/** A stored message in the lobby, by cy. */
const chat = (id: number, text: string): ChatMessage => ({
  id,
  clientId: `c${id}`,
  room: 'lobby',
  author: user('cy'),
  text,
  sentAt: id,
});
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

/**
 * A bare Socket.IO server whose connections all enter the room "lobby", and an outbox for it
 * (with `window`, if given, deciding who hears which joins and leaves).
 */
async function roomServer(
  window: PresenceWindow | null = null,
): Promise<{ io: ParleyServer; outbox: RoomBroadcaster; url: string }> {
  const http = createServer();
  const io: ParleyServer = new Server(http);
  io.on('connection', (socket) => void socket.join('lobby'));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => void io.close());
  const outbox = new RoomBroadcaster(
    io,
    'lobby',
    (error) => {
      throw error;
    },
    null,
    window,
  );
  return { io, outbox, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

async function member(
  url: string,
  transports: string[],
  query?: Record<string, string>,
): Promise<Socket> {
  const socket = connect(url, { transports, forceNew: true, reconnection: false, query });
  cleanups.push(() => void socket.disconnect());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/**
 * A room server with three members over WebSocket that take presence:changes, and what each of
 * them receives; resolves once all three are in the room.
 */
async function roomOfThree() {
  const { io, outbox, url } = await roomServer();
  const members: Socket[] = [];
  for (let n = 0; n < 3; n++)
    members.push(await member(url, ['websocket'], PRESENCE_CHANGES_QUERY));
  const seen = members.map(record);
  await waitFor(() => io.sockets.adapter.rooms.get('lobby')?.size === 3, 'all in the room');
  return { outbox, members: members as [Socket, Socket, Socket], seen };
}

function record(socket: Socket): string[] {
  const seen: string[] = [];
  socket.onAny(
    (event: string, payload: { user?: User; text?: string; changes?: PresenceChange[] }) =>
      seen.push(
        `${event} ${
          payload.changes
            ?.map(({ nickname, left }) => `${left ? '-' : '+'}${nickname}`)
            .join(' ') ??
          payload.user?.nickname ??
          payload.text
        }`,
      ),
  );
  return seen;
}

describe('RoomBroadcaster', () => {
  it('sends a batch in order, over WebSocket and polling alike, and keeps room events behind it', async () => {
    const { io, outbox, url } = await roomServer();
    const websocketMember = await member(url, ['websocket']);
    const websocket = record(websocketMember);
    const polling = record(await member(url, ['polling']));
    await waitFor(() => io.sockets.adapter.rooms.get('lobby')?.size === 2, 'both in the room');

    void outbox.queue('presence:joined', { room: 'lobby', user: user('ann') });
    void outbox.queue('presence:left', { room: 'lobby', user: user('bob') });
    const message = chat(1, 'hi');
    const behind = outbox.emit('message:created', message);
    expect(behind).toBeInstanceOf(Promise); // a batch is open: the message waits behind it
    await behind;

    const expected = ['presence:joined ann', 'presence:left bob', 'message:created hi'];
    await waitFor(() => websocket.length === 3 && polling.length === 3, 'the batch');
    expect(websocket).toEqual(expected);
    expect(polling).toEqual(expected);
    // The WebSocket member got the batch as one pre-encoded write, the polling one event by event.
    expect(outbox.deliveries).toEqual({ preEncoded: 1, eventByEvent: 1 });
    // With nothing batched, room events go out at once (written here, not counted as batches),
    // to everyone but the one left out.
    expect(outbox.emit('message:created', chat(2, 'now'))).toBeNull();
    expect(
      outbox.emit('message:created', chat(3, 'not you'), { except: websocketMember.id! }),
    ).toBeNull();
    await outbox.emit('message:created', chat(4, 'last'));
    await waitFor(() => websocket.length === 5 && polling.length === 6, 'the direct messages');
    expect(websocket.slice(3)).toEqual(['message:created now', 'message:created last']);
    expect(polling.slice(3)).toEqual([
      'message:created now',
      'message:created not you',
      'message:created last',
    ]);
    expect(outbox.deliveries).toEqual({ preEncoded: 1, eventByEvent: 1 });
  });
});

describe('presence:changes', () => {
  it('gives each run of joins and leaves as one event to clients that ask, and the events one by one to others', async () => {
    const { io, outbox, url } = await roomServer();
    const asking = await member(url, ['websocket'], PRESENCE_CHANGES_QUERY);
    const websocket = record(asking);
    const polling = record(await member(url, ['polling'], PRESENCE_CHANGES_QUERY));
    const plain = record(await member(url, ['websocket']));
    await waitFor(() => io.sockets.adapter.rooms.get('lobby')?.size === 3, 'all in the room');

    const message = chat(1, 'hi');
    // The first join is the asking WebSocket client's own: it gets nothing queued before it.
    void outbox.queue(
      'presence:joined',
      { room: 'lobby', user: user('ann') },
      { joiner: asking.id! },
    );
    void outbox.queue('presence:left', { room: 'lobby', user: user('bob') });
    void outbox.queue('presence:joined', { room: 'lobby', user: user('cy') });
    await outbox.emit('message:created', message);
    void outbox.queue('presence:left', { room: 'lobby', user: user('cy') });
    await outbox.emit('message:created', chat(2, 'bye'));

    await waitFor(
      () => plain.length === 6 && polling.length === 4 && websocket.length === 4,
      'both batches',
    );
    expect(plain).toEqual([
      'presence:joined ann',
      'presence:left bob',
      'presence:joined cy',
      'message:created hi',
      'presence:left cy',
      'message:created bye',
    ]);
    expect(polling).toEqual([
      'presence:changes +ann -bob +cy',
      'message:created hi',
      'presence:changes -cy',
      'message:created bye',
    ]);
    expect(websocket).toEqual([
      'presence:changes -bob +cy',
      'message:created hi',
      'presence:changes -cy',
      'message:created bye',
    ]);
    expect(outbox.deliveries).toEqual({ preEncoded: 4, eventByEvent: 2 });
  });

  it('gives each socket the joins and leaves of the people it lists or follows, and no write when that is none', async () => {
    const listedUpTo = new Map<string, number>();
    const following = new Map<string, string[]>();
    const { io, outbox, url } = await roomServer({
      listedUpTo: (socket) => listedUpTo.get(socket.id),
      followers: (person) => following.get(person.id) ?? [],
    });
    const [first, second, all] = (await Promise.all(
      [0, 1, 2].map(() => member(url, ['websocket'], PRESENCE_CHANGES_QUERY)),
    )) as [Socket, Socket, Socket];
    const seen = [first, second, all].map(record);
    await waitFor(() => io.sockets.adapter.rooms.get('lobby')?.size === 3, 'all in the room');
    // The first two list the people up to the fifth to come online; the third lists everyone.
    listedUpTo.set(first.id!, 5);
    listedUpTo.set(second.id!, 5);

    void outbox.queue('presence:joined', { room: 'lobby', user: user('ann') }, { order: 10 });
    await outbox.queue('presence:joined', { room: 'lobby', user: user('bob') }, { order: 11 });
    // Nothing for the first two: one write in all.
    expect(outbox.deliveries).toEqual({ preEncoded: 1, eventByEvent: 0 });

    following.set('id-dee', [second.id!]);
    void outbox.queue('presence:left', { room: 'lobby', user: user('cy') }, { order: 3 });
    void outbox.queue('presence:joined', { room: 'lobby', user: user('dee') }, { order: 12 });
    // A join that carries no place (another node's person) goes to everyone.
    await outbox.queue('presence:joined', { room: 'lobby', user: user('eli') });

    await waitFor(() => seen[2]!.length === 2, 'the two batches');
    await waitFor(() => seen[0]!.length === 1 && seen[1]!.length === 1, 'the second batch');
    expect(seen).toEqual([
      ['presence:changes -cy +eli'],
      ['presence:changes -cy +dee +eli'],
      ['presence:changes +ann +bob', 'presence:changes -cy +dee +eli'],
    ]);
    expect(outbox.deliveries).toEqual({ preEncoded: 4, eventByEvent: 0 });
  });

  it('gives a newcomer of a batch of joins and leaves the changes after its own join, and one left out only the others', async () => {
    const { outbox, members, seen } = await roomOfThree();
    const [newcomer, left] = members;

    void outbox.queue('presence:joined', { room: 'lobby', user: user('ann') });
    void outbox.queue(
      'presence:joined',
      { room: 'lobby', user: user('new') },
      { joiner: newcomer.id! },
    );
    void outbox.queue('presence:left', { room: 'lobby', user: user('bob') });
    void outbox.queue('presence:joined', { room: 'lobby', user: user('cy') }, { except: left.id! });
    await outbox.queue('presence:left', { room: 'lobby', user: user('dee') });

    await waitFor(() => seen.every((events) => events.length === 1), 'the batch');
    expect(seen).toEqual([
      ['presence:changes -bob +cy -dee'],
      ['presence:changes +ann +new -bob -dee'],
      ['presence:changes +ann +new -bob +cy -dee'],
    ]);
    expect(outbox.deliveries).toEqual({ preEncoded: 3, eventByEvent: 0 });
  });

  it('gives a newcomer the rest of a batch where joins are interleaved with other events, in order', async () => {
    const { outbox, members, seen } = await roomOfThree();
    const [early, late] = members;

    const counts = { counts: { lobby: 3 } };
    void outbox.queue(
      'presence:joined',
      { room: 'lobby', user: user('ann') },
      { joiner: early.id! },
    );
    void outbox.queue('presence:joined', { room: 'lobby', user: user('bob') });
    void outbox.queue('room:counts', counts);
    void outbox.queue('presence:joined', { room: 'lobby', user: user('cy') }, { joiner: late.id! });
    void outbox.queue('presence:joined', { room: 'lobby', user: user('dee') });
    void outbox.queue('room:counts', counts);
    await outbox.queue('presence:left', { room: 'lobby', user: user('eve') });

    const all = [
      'presence:changes +ann +bob',
      'room:counts undefined',
      'presence:changes +cy +dee',
      'room:counts undefined',
      'presence:changes -eve',
    ];
    await waitFor(() => seen[2]!.length === all.length, 'the batch');
    await waitFor(() => seen[0]!.length === 5 && seen[1]!.length === 3, "the newcomers' tails");
    expect(seen).toEqual([
      ['presence:changes +bob', ...all.slice(1)],
      ['presence:changes +dee', ...all.slice(3)],
      all,
    ]);
  });
});

describe('batches in a burst', () => {
  it('cost at most 4 writes a millisecond up to 8,000 members, and wait 2 s at most beyond', () => {
    // One write per member per batch: members / interval is what a join storm costs a second.
    for (const members of [1, 10, 200, 1_000, 2_000, 5_000, 8_000]) {
      expect(members / batchIntervalMs(members)).toBeLessThanOrEqual(4);
    }
    expect(batchIntervalMs(20_000)).toBe(2_000); // presence never waits longer than 2 s
    expect(batchIntervalMs(10)).toBe(20); // small rooms still get presence within 20 ms
    // A batch that took long to write (a slow or busy machine) spaces out the next ones.
    expect(batchIntervalMs(2_000, 0)).toBe(500);
    expect(batchIntervalMs(2_000, 80)).toBe(800);
    expect(batchIntervalMs(2_000, 1_000)).toBe(2_000);
  });

  it('member counts cost at most one write per connection a millisecond, and come every 2 s when few', () => {
    for (const connections of [1, 100, 2_000, 5_000, 50_000]) {
      expect(connections / countsIntervalMs(connections)).toBeLessThanOrEqual(1);
    }
    expect(countsIntervalMs(10)).toBe(LIMITS.roomCountsIntervalMs);
    expect(countsIntervalMs(5_000)).toBe(5_000);
  });

  it('go out at once, with the room event behind them, when one is sent while a batch waits', async () => {
    const { io, outbox, url } = await roomServer();
    const seen = record(await member(url, ['websocket']));
    await waitFor(() => io.sockets.adapter.rooms.get('lobby')?.size === 1, 'in the room');

    void outbox.queue('presence:joined', { room: 'lobby', user: user('ann') });
    expect(outbox.deliveries.preEncoded).toBe(0); // waiting for the end of the turn
    const message = chat(1, 'hi');
    const behind = outbox.emit('message:created', message);
    // Written before emit returned: the message does not wait out the batch's interval.
    expect(outbox.deliveries.preEncoded).toBe(1);
    await behind;
    await waitFor(() => seen.length === 2, 'both events');
    expect(seen).toEqual(['presence:joined ann', 'message:created hi']);
  });
});

describe('presence in batches', () => {
  it('reaches WebSocket clients of a real server through pre-encoded frames only', async () => {
    const server = await startServer();
    const observer = await joinRaw(server, 'observer');
    const observed = collect(observer, 'presence:joined');
    const before = server.broadcastDeliveries();
    await Promise.all(['ann', 'bob', 'cy'].map((nickname) => joinRaw(server, nickname)));
    await waitFor(() => observed.length === 3, 'three presence:joined at the observer');
    const after = server.broadcastDeliveries();
    expect(after.preEncoded).toBeGreaterThan(before.preEncoded);
    expect(after.eventByEvent).toBe(before.eventByEvent);
  });

  it.each([
    ['presence:joined', undefined],
    ['presence:changes', PRESENCE_CHANGES_QUERY],
  ])(
    'announces joins that arrive together to everyone there before them, once, in join order (%s)',
    async (_, query) => {
      const server = await startServer();
      // Joins as each client hears them, one by one or in presence:changes.
      const joins = (socket: RawSocket) => {
        const seen: Array<{ user: User }> = [];
        socket.on('presence:joined', (event) => seen.push(event));
        socket.on('presence:changes', ({ changes }) =>
          seen.push(...changes.filter((change) => !change.left).map((user) => ({ user }))),
        );
        return seen;
      };
      const observer = await rawSocket(server, undefined, query);
      const observerJoin = await joinWith(observer, { nickname: 'observer' });
      expect(observerJoin.ok).toBe(true);
      const observed = joins(observer);
      const sockets = await Promise.all(
        ['ann', 'bob', 'cy', 'dee'].map(() => rawSocket(server, undefined, query)),
      );
      const heard = sockets.map(joins);
      // All at once: the server handles them in the same turns and announces them in batches.
      const acks = await Promise.all(
        sockets.map((socket, index) =>
          joinWith(socket, { nickname: ['ann', 'bob', 'cy', 'dee'][index]! }),
        ),
      );
      await waitFor(() => observed.length === 4, 'four presence:joined at the observer');
      await new Promise((resolve) => setTimeout(resolve, 100)); // nothing more may come
      const order = acks.map((ack) => (ack.ok ? ack.self.nickname : ''));
      // The observer hears of each exactly once, in the order the server accepted them.
      const lastAck = acks.find((ack) => ack.ok && ack.users.length === 5)!;
      const accepted = lastAck.ok ? lastAck.users.map((u: User) => u.nickname).slice(1) : [];
      expect(observed.map((event) => event.user.nickname)).toEqual(accepted);
      expect([...accepted].sort()).toEqual([...order].sort());
      // Each joiner knows everyone exactly once: from its ack, or from a presence:joined after it.
      acks.forEach((ack, index) => {
        if (!ack.ok) throw new Error('join failed');
        const known = [
          ...ack.users.map((u: User) => u.nickname),
          ...heard[index]!.map((event) => event.user.nickname),
        ];
        expect(known.sort()).toEqual(['ann', 'bob', 'cy', 'dee', 'observer']);
      });
    },
  );
});
