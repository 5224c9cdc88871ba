/**
 * Two or three nodes on one real PostgreSQL (a throwaway server per file), real Socket.IO
 * clients on different nodes: one server to the people using it (issue 16).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatMessage, RoomInfo, User } from '../../shared/protocol';
import {
  collect,
  emitRaw,
  joinWith,
  nextEvent,
  nextEventWhere,
  onCleanup,
  rawSocket,
  startServer,
  waitFor,
  type RawSocket,
} from '../../../tests/support/chat';
import { memoryDeviceKey, type DeviceKey } from '../../../tests/support/join-with';
import { postgresPerFile } from '../../../tests/support/postgres-per-file';
import { freePort, ServerProcess } from '../../../tests/support/server-process';
import { sendFile } from '../../../tests/support/data-commands';
import type { ChatServer } from '../chat-server';
import { describeForLog } from '../errors';

const postgres = postgresPerFile('cluster');
const freshDatabase = () => postgres.freshUrl();

/** Nodes on one database (per-address limits do not count loopback; messages may come fast). */
async function nodes(count: number, onError?: (error: unknown) => void): Promise<ChatServer[]> {
  const database = await freshDatabase();
  const started: ChatServer[] = [];
  for (let index = 0; index < count; index++) {
    started.push(
      await startServer({
        database,
        rateLimits: { message: { points: 1000, durationSeconds: 1 } },
        ...(onError ? { onError } : {}),
      }),
    );
  }
  return started;
}

async function person(
  node: ChatServer,
  nickname: string,
  key: DeviceKey = memoryDeviceKey(),
): Promise<{ socket: RawSocket; self: User; users: User[]; messages: ChatMessage[] }> {
  const socket = await rawSocket(node);
  const joined = await joinWith(socket, { nickname }, key);
  if (!joined.ok) throw new Error(`${nickname} could not join: ${joined.error.message}`);
  return { socket, self: joined.self, users: joined.users, messages: joined.messages };
}

let clientIds = 0;
async function send(socket: RawSocket, text: string, room?: string): Promise<ChatMessage> {
  const result = await emitRaw(socket, 'message:send', {
    clientId: `c-${++clientIds}`,
    text,
    ...(room === undefined ? {} : { room }),
  });
  if (!result.ok) throw new Error(`not sent: ${result.error.message}`);
  return result.message as unknown as ChatMessage;
}

const names = (users: readonly User[]) => users.map((user) => user.nickname).sort();

describe('a cluster of nodes on one PostgreSQL', () => {
  it('people on different nodes see each other, and a message from either reaches both with its id', async () => {
    const [a, b] = await nodes(2);
    const alice = await person(a!, 'alice');
    const joinedSeen = collect(alice.socket, 'presence:joined');
    const bob = await person(b!, 'bob');
    await waitFor(
      () => joinedSeen.some((event) => event.user.nickname === 'bob'),
      'alice (node A) to hear that bob joined on node B',
    );
    const toAlice = nextEvent(alice.socket, 'message:created');
    const sent = await send(bob.socket, 'hello from B');
    expect((await toAlice).id).toBe(sent.id);
    const toBob = nextEvent(bob.socket, 'message:created');
    const answer = await send(alice.socket, 'hello from A');
    expect((await toBob).id).toBe(answer.id);
    expect(answer.id).toBeGreaterThan(sent.id);

    // Someone new on either node finds both in the list (node B has heard all node A said
    // before that message: one node's notifications arrive in order).
    const carol = await person(b!, 'carol');
    expect(names(carol.users)).toEqual(['alice', 'bob', 'carol']);
    // A name taken on one node is taken on the other.
    const impostor = await rawSocket(a!);
    const refused = await joinWith(impostor, { nickname: 'BOB' });
    expect(refused.ok).toBe(false);
  });

  it('every client gets every id in increasing order while three nodes write at once', async () => {
    const cluster = await nodes(3);
    const people = [];
    for (const [index, node] of cluster.entries())
      people.push(await person(node, `writer${index}`));
    const seen = people.map(({ socket }) => collect(socket, 'message:created'));
    const perWriter = 25;
    const sent = (
      await Promise.all(
        people.map(async ({ socket }, writer) => {
          const mine: ChatMessage[] = [];
          for (let index = 0; index < perWriter; index++) {
            mine.push(await send(socket, `w${writer}-${index}`));
          }
          return mine;
        }),
      )
    ).flat();
    const expected = sent.map((message) => message.id).sort((x, y) => x - y);
    for (const [index, events] of seen.entries()) {
      await waitFor(() => events.length >= expected.length, `writer${index} to get every message`);
      // In id order, each once, and exactly what the database holds.
      expect(events.map((message) => message.id)).toEqual(expected);
    }
    const late = await person(cluster[0]!, 'late');
    expect(late.messages.map((message) => message.id)).toEqual(
      expected.slice(-late.messages.length),
    );
  });

  it('someone busy on one node shows busy to those who join another', async () => {
    const [a, b] = await nodes(2);
    const alice = await person(a!, 'alice');
    const bob = await person(b!, 'bob');
    const seen = nextEvent(alice.socket, 'presence:changed');
    const set = await emitRaw(bob.socket, 'presence:set', { status: 'busy', text: 'In a call' });
    expect(set.ok).toBe(true);
    expect((await seen).presence).toMatchObject({ status: 'busy', text: 'In a call' });
    const carol = await rawSocket(a!);
    const joined = await joinWith(carol, { nickname: 'carol' });
    if (!joined.ok) throw new Error(joined.error.message);
    expect(joined.presence[bob.self.id]).toMatchObject({ status: 'busy', text: 'In a call' });
  });

  it('a room made on one node is listed, joined and used on another', async () => {
    const [a, b] = await nodes(2);
    const alice = await person(a!, 'alice');
    const bob = await person(b!, 'bob');
    const announced = nextEvent(bob.socket, 'room:created');
    const created = await emitRaw(alice.socket, 'room:create', { name: 'Design' });
    if (!created.ok) throw new Error(created.error.message);
    const room = created.room as unknown as RoomInfo;
    expect((await announced).room.id).toBe(room.id);
    expect((await emitRaw(alice.socket, 'room:join', { room: room.id })).ok).toBe(true);
    // Bob's join of the lobby comes from the other node whenever the adapter brings it: the
    // room's join is the one looked for.
    const aliceSeesBob = nextEventWhere(
      alice.socket,
      'presence:joined',
      (joined) => joined.room === room.id,
    );
    const joined = await emitRaw(bob.socket, 'room:join', { room: room.id });
    expect(joined.ok).toBe(true);
    expect(names((joined as unknown as { users: User[] }).users)).toEqual(['alice', 'bob']);
    expect(await aliceSeesBob).toMatchObject({ room: room.id, user: { nickname: 'bob' } });
    const toAlice = nextEvent(alice.socket, 'message:created');
    const sent = await send(bob.socket, 'in Design', room.id);
    const received = await toAlice;
    expect(received).toMatchObject({ id: sent.id, room: room.id, text: 'in Design' });
  });

  it('a direct message reaches the other person on another node, live', async () => {
    const [a, b] = await nodes(2);
    const alice = await person(a!, 'alice');
    const bob = await person(b!, 'bob');
    // Node A knows bob once bob's message reached alice.
    const heard = nextEvent(alice.socket, 'message:created');
    await send(bob.socket, 'here');
    await heard;
    const toBob = nextEvent(bob.socket, 'dm:opened');
    const opened = await emitRaw(alice.socket, 'dm:open', { nickname: 'bob' });
    if (!opened.ok) throw new Error(opened.error.message);
    const room = (opened as unknown as { room: RoomInfo }).room;
    // Brought in on node B as soon as alice opened it, as on a single server.
    expect((await toBob).room).toMatchObject({ id: room.id, peer: alice.self.id });
    const bobGets = nextEvent(bob.socket, 'message:created');
    const sent = await send(alice.socket, 'just for you', room.id);
    expect(await bobGets).toMatchObject({ id: sent.id, room: room.id, text: 'just for you' });
  });

  it('a file sent through one node is read through another that shares its data folder', async () => {
    const database = await freshDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-cluster-files-'));
    const a = await startServer({ database, dataDir });
    const b = await startServer({ database, dataDir });
    const alice = await person(a, 'alice');
    const bob = await person(b, 'bob');
    const bytes = Buffer.from('content-addressed, so any node finds it');
    const toBob = nextEvent(bob.socket, 'message:created');
    const sent = await sendFile(alice.socket, bytes);
    const file = (await toBob).file!;
    expect(file.id).toBe(sent.file!.id);
    const read = await emitRaw(bob.socket, 'file:read', { id: file.id, offset: 0, length: 1024 });
    if (!read.ok) throw new Error(read.error.message);
    expect(Buffer.from(read.data as Uint8Array)).toEqual(bytes);
  });

  it('joining again on another node takes over the session there', async () => {
    const [a, b] = await nodes(2);
    const key = memoryDeviceKey();
    const watcher = await person(b!, 'erin');
    const announced = nextEvent(watcher.socket, 'presence:joined');
    const first = await person(a!, 'dana', key);
    // Node B knows of dana's session once her join is announced there.
    await announced;
    const ended = nextEvent(first.socket, 'session:ended');
    const again = await person(b!, 'dana', key);
    expect((await ended).code).toBe('session_replaced');
    expect(again.self.id).toBe(first.self.id);
  });

  it('a node that closes takes its people off the list at once', async () => {
    const [a, b] = await nodes(2);
    const alice = await person(a!, 'alice');
    const left = collect(alice.socket, 'presence:left');
    const joinedSeen = collect(alice.socket, 'presence:joined');
    await person(b!, 'bob');
    await waitFor(() => joinedSeen.length > 0, 'bob to be announced');
    await b!.close();
    await waitFor(
      () => left.some((event) => event.user.nickname === 'bob'),
      'bob to leave with his node',
    );
    const erin = await person(a!, 'erin');
    expect(names(erin.users)).toEqual(['alice', 'erin']);
  });
});

describe('admin links in a cluster', () => {
  it("one node's link works once, on whichever node the person reaches; it goes with its node", async () => {
    const [a, b] = await nodes(2);
    const token = await a!.newAdminToken();
    // Behind a balancer, the link printed by node A may be opened on node B.
    const joined = await joinWith(await rawSocket(b!), { nickname: 'ann', adminToken: token });
    expect(joined.ok && joined.self.role).toBe('admin');
    // Used up on every node.
    for (const node of [a!, b!]) {
      const again = await joinWith(await rawSocket(node), { nickname: 'eve', adminToken: token });
      expect(!again.ok && again.error.code).toBe('wrong_admin_token');
    }
    // A node's newer link replaces its older one, everywhere; a node that stops takes its link
    // with it.
    const older = await b!.newAdminToken();
    const newer = await b!.newAdminToken();
    const withOlder = await joinWith(await rawSocket(a!), { nickname: 'eve', adminToken: older });
    expect(!withOlder.ok && withOlder.error.code).toBe('wrong_admin_token');
    await b!.close();
    const withNewer = await joinWith(await rawSocket(a!), { nickname: 'eve', adminToken: newer });
    expect(!withNewer.ok && withNewer.error.code).toBe('wrong_admin_token');
  });
});

describe('linking a device in a cluster', () => {
  it('a code shown by a device on one node links a device that reaches another, once', async () => {
    const [a, b] = await nodes(2);
    const alice = await person(a!, 'alice');
    const issued = await emitRaw(alice.socket, 'device:link-code', {});
    if (!issued.ok) throw new Error(issued.error.message);
    const code = issued.code as string;
    const linked = await joinWith(await rawSocket(b!), { nickname: 'alice', link: code });
    expect(linked.ok && linked.self.id).toBe(alice.self.id);
    const again = await joinWith(await rawSocket(a!), { nickname: 'alice', link: code });
    expect(!again.ok && again.error.code).toBe('link_invalid');
  });
});

describe('PostgreSQL restarting under the cluster', () => {
  it(
    'a message stored while a node was not listening still reaches its people',
    { timeout: 120_000 },
    async () => {
      const errors: unknown[] = [];
      const [a, b] = await nodes(2, (error) => errors.push(error));
      const alice = await person(a!, 'alice');
      const bob = await person(b!, 'bob');
      const heard = nextEvent(alice.socket, 'message:created');
      await send(bob.socket, 'before');
      await heard;
      const seen = collect(alice.socket, 'message:created');

      await postgres.server.restart();
      // At once, while the nodes' listening connections are still down (they come back after a
      // second or two): its notification is lost, and node A reads the room again when it hears
      // node B's next heartbeat out of sequence.
      let sent: ChatMessage | null = null;
      for (let attempt = 0; sent === null && attempt < 50; attempt++) {
        sent = await send(bob.socket, 'after the restart').catch(() => null);
        if (sent === null) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(sent).not.toBeNull();
      await waitFor(
        () => seen.some((message) => message.id === sent!.id),
        'alice to get it',
        30_000,
      );
      expect(seen.filter((message) => message.id === sent!.id)).toHaveLength(1);
      // What the nodes reported of the restart: a line each, saying it was the database (not
      // pg's client object with it, hundreds of lines each).
      expect(errors).not.toEqual([]);
      for (const error of errors) {
        expect(describeForLog(error)).toMatch(/^The (cluster's )?database\b[^\n]*$/);
      }
    },
  );
});

describe('a node that dies', () => {
  const processes: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of processes) await server.kill();
  });

  it(
    'takes its people off the list within seconds; they catch up on another node with no gap',
    { timeout: 180_000 },
    async () => {
      const database = await freshDatabase();
      const a = await startServer({ database });
      const doomed = new ServerProcess({
        port: await freePort(),
        dataDir: mkdtempSync(join(tmpdir(), 'parley-cluster-node-')),
        args: ['--database', database],
      });
      processes.push(doomed);
      await doomed.start();

      const alice = await person(a, 'alice');
      const left = collect(alice.socket, 'presence:left');
      const joinedSeen = collect(alice.socket, 'presence:joined');
      const bobKey = memoryDeviceKey();
      const bob = connectSocket(doomed.url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
      });
      onCleanup(() => void bob.disconnect());
      expect((await joinWith(bob, { nickname: 'bob' }, bobKey)).ok).toBe(true);
      await waitFor(() => joinedSeen.length > 0, 'bob to be announced on node A');
      const toBob = new Promise<ChatMessage>((resolve) => bob.once('message:created', resolve));
      const before = await send(alice.socket, 'before the crash');
      expect((await toBob).id).toBe(before.id);

      await doomed.kill();
      await waitFor(
        () => left.some((event) => event.user.nickname === 'bob'),
        'bob to leave once his node is silent',
        30_000,
      );
      const during = await send(alice.socket, 'while bob was away');
      // Bob comes back on the node that lives, from the last id he got.
      const back = await rawSocket(a);
      const rejoined = await joinWith(back, { nickname: 'bob', since: before.id }, bobKey);
      if (!rejoined.ok) throw new Error(rejoined.error.message);
      expect(rejoined.messages.map((message) => message.id)).toEqual([during.id]);
    },
  );
});
