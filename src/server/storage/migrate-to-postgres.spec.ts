/**
 * `parley migrate`: a real server on an embedded data folder is filled through the protocol
 * (two people, two rooms, a direct conversation, a reply, an edit, a reaction, a pin, a delete, a
 * file, a role, read positions), stopped, moved by the CLI into a throwaway PostgreSQL, and a
 * server on that database (and the same folder, for the files) is asked what people see. Then
 * each refusal, with the database shown to be untouched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  emitRaw,
  joinRaw,
  onCleanup,
  rawSocket,
  startServer,
  type RawSocket,
} from '../../../tests/support/chat';
import { dataDirectory, uploadRaw } from '../../../tests/support/files';
import { joinWith, memoryDeviceKey, type DeviceKey } from '../../../tests/support/join-with';
import { postgresPerFile } from '../../../tests/support/postgres-per-file';
import { freePort } from '../../../tests/support/server-process';
import type { ChatMessage, JoinedSession, RoomInfo } from '../../shared/protocol';
import type { ChatServer } from '../chat-server';
import { main } from '../cli';
import { LevelMessageStore } from './level-message-store';
import { PostgresHistory } from './postgres-history';

const postgres = postgresPerFile('migrate');
const freshUrl = () => postgres.freshUrl();

/** Runs `parley migrate ...args` with `env`; its exit code and its lines. */
async function migrate(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
  const code = await main(['migrate', ...args], io, env);
  return { code, lines: lines.flatMap((line) => line.split('\n')) };
}

async function ask<T>(socket: RawSocket, event: string, payload: unknown): Promise<T> {
  const reply = await emitRaw(socket, event, payload);
  if (!reply.ok) throw new Error(`${event}: ${reply.error.message}`);
  return reply as T;
}

const send = async (socket: RawSocket, payload: Record<string, unknown>) =>
  (await ask<{ message: ChatMessage }>(socket, 'message:send', payload)).message;

const change = async (socket: RawSocket, payload: Record<string, unknown>) =>
  (await ask<{ message: ChatMessage }>(socket, 'message:change', payload)).message;

async function history(socket: RawSocket, room: string): Promise<ChatMessage[]> {
  const messages: ChatMessage[] = [];
  for (;;) {
    const after = messages.at(-1)?.id ?? 0;
    const page = await ask<{ messages: ChatMessage[]; hasMore: boolean }>(socket, 'history:fetch', {
      room,
      after,
    });
    messages.push(...page.messages);
    if (!page.hasMore) return messages;
  }
}

/** Joins as the person of `key`: the socket and what the join answered. */
async function joinAs(
  server: ChatServer,
  nickname: string,
  key: DeviceKey,
  extra: Record<string, unknown> = {},
) {
  const socket = await rawSocket(server);
  const session = await joinWith(socket, { nickname, ...extra }, key);
  if (!session.ok) throw new Error(session.error.message);
  return { socket, session: session as JoinedSession };
}

/** What a person sees of the server: who they are, their rooms, their reading, the history. */
async function seenBy(server: ChatServer, nickname: string, key: DeviceKey, rooms: string[]) {
  const { socket, session } = await joinAs(server, nickname, key);
  const list = await ask<{ rooms: RoomInfo[] }>(socket, 'room:list', {});
  const histories: Record<string, ChatMessage[]> = {};
  for (const room of rooms) {
    if (room !== 'lobby') await ask(socket, 'room:join', { room });
    histories[room] = await history(socket, room);
  }
  const pins = await ask<{ messages: ChatMessage[] }>(socket, 'room:pins', {});
  socket.disconnect();
  return {
    self: session.self,
    directs: session.directs.map(({ id, kind, peer }) => ({ id, kind, peer })),
    readPositions: session.readPositions,
    rooms: list.rooms.map(({ id, name, kind, creator, createdBy }) => ({
      id,
      name,
      kind,
      creator,
      createdBy,
    })),
    histories,
    pins: pins.messages,
  };
}

/**
 * What a person saw, with each message's author as id and name only: the embedded store also
 * keeps, inside `author`, the role its author had when sending (nothing reads it: roles come from
 * the people list), which PostgreSQL does not keep for any message.
 */
function authorsAsPostgresKeepsThem(seen: Awaited<ReturnType<typeof seenBy>>) {
  const plain = (message: ChatMessage): ChatMessage => ({
    ...message,
    author: { id: message.author.id, nickname: message.author.nickname },
  });
  return {
    ...seen,
    histories: Object.fromEntries(
      Object.entries(seen.histories).map(([room, messages]) => [room, messages.map(plain)]),
    ),
    pins: seen.pins.map(plain),
  };
}

/** The tables of the database at `url` that hold rows, by name (none: untouched). */
async function tablesIn(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    const counts: Record<string, number> = {};
    for (const { name } of rows) {
      const counted = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`);
      counts[name] = counted.rows[0]!.n;
    }
    return counts;
  } finally {
    await client.end();
  }
}

/** A data folder with a stopped embedded server's history in it: one message. */
async function smallFolder(): Promise<string> {
  const dataDir = dataDirectory();
  const server = await startServer({ dataDir });
  const alice = await joinRaw(server, 'Alice');
  await send(alice, { clientId: 'c1', text: 'hello' });
  await server.close();
  return dataDir;
}

describe('parley migrate', () => {
  it(
    'moves a stopped server’s history, rooms and people into PostgreSQL: a server there shows the same',
    { timeout: 120_000 },
    async () => {
      const dataDir = dataDirectory();
      const aliceKey = memoryDeviceKey();
      const bobKey = memoryDeviceKey();
      // Roles come from the admin link only (as under `parley serve`), so they are stored ones.
      const embedded = await startServer({ dataDir, hostIsAdmin: false });
      const { socket: alice } = await joinAs(embedded, 'Alice', aliceKey, {
        adminToken: await embedded.newAdminToken(),
      });
      const { socket: bob, session: bobSession } = await joinAs(embedded, 'Bob', bobKey);

      const first = await send(alice, { clientId: 'a1', text: 'hello @Bob' });
      await send(bob, { clientId: 'b1', text: 'hi', replyTo: first.id });
      await change(alice, {
        clientId: 'a2',
        change: { kind: 'edit', target: first.id, text: 'hello again @Bob' },
      });
      await change(bob, {
        clientId: 'b2',
        change: { kind: 'reaction', target: first.id, emoji: '👍', add: true },
      });
      await change(alice, {
        clientId: 'a3',
        change: { kind: 'pin', target: first.id, pinned: true },
      });
      const regret = await send(bob, { clientId: 'b3', text: 'oops' });
      await change(bob, { clientId: 'b4', change: { kind: 'delete', target: regret.id } });

      const { room: ops } = await ask<{ room: RoomInfo }>(alice, 'room:create', { name: 'Ops' });
      await ask(alice, 'room:join', { room: ops.id });
      await ask(bob, 'room:join', { room: ops.id });
      await send(alice, { room: ops.id, clientId: 'a4', text: 'deploy at 5' });
      const { room: direct } = await ask<{ room: RoomInfo }>(alice, 'dm:open', { nickname: 'Bob' });
      await send(alice, { room: direct.id, clientId: 'a5', text: 'just between us' });
      const bytes = Buffer.from('the notes, only for Bob');
      const uploaded = await uploadRaw(alice, bytes, 'notes.txt', direct.id, 'a6');
      if (!uploaded.ok) throw new Error(uploaded.error.message);
      const fileId = (uploaded.message as ChatMessage).file!.id;
      const bobUser = bobSession.self;
      await ask(alice, 'role:set', { userId: bobUser.id, role: 'moderator' });
      await ask(alice, 'room:read', { room: 'lobby', id: regret.id });
      await ask(bob, 'room:read', { room: direct.id, id: (uploaded.message as ChatMessage).id });

      const rooms = ['lobby', ops.id, direct.id];
      const before = {
        alice: authorsAsPostgresKeepsThem(await seenBy(embedded, 'Alice', aliceKey, rooms)),
        bob: authorsAsPostgresKeepsThem(await seenBy(embedded, 'Bob', bobKey, rooms)),
      };
      await embedded.close();
      const level = await LevelMessageStore.open(join(dataDir, 'history'));
      const stored = { rooms: await level.rooms(), identities: await level.identities() };
      await level.close();
      const lastId = Math.max(
        ...Object.values(before.alice.histories).flatMap((messages) => messages.map((m) => m.id)),
      );

      // The password-free URL through the environment, as the usage text recommends.
      const url = await freshUrl();
      const moved = await migrate(['--data', dataDir], { PARLEY_DATABASE_URL: url });
      expect(moved.code).toBe(0);
      const messageCount = Object.values(before.alice.histories).flat().length;
      expect(moved.lines[0]).toContain(`: ${messageCount} messages (changes included) in 3 rooms`);
      expect(moved.lines[0]).toContain('2 people, 2 read positions and 1 file reference');
      expect(moved.lines[0]).toContain(`new messages are numbered after ${lastId}.`);

      // The stores hold the same records.
      const database = await PostgresHistory.open({ url });
      expect(await database.rooms.rooms()).toEqual(stored.rooms);
      expect(await database.identities.identities()).toEqual(stored.identities);
      await database.close();

      const moved2 = await startServer({ dataDir, database: url, hostIsAdmin: false });
      const after = {
        alice: await seenBy(moved2, 'Alice', aliceKey, rooms),
        bob: await seenBy(moved2, 'Bob', bobKey, rooms),
      };
      expect(after).toEqual(before);
      expect(after.alice.self).toMatchObject({ nickname: 'Alice', role: 'admin' });
      expect(after.bob.self).toMatchObject({ id: bobUser.id, nickname: 'Bob', role: 'moderator' });
      expect(after.alice.directs).toEqual([{ id: direct.id, kind: 'direct', peer: bobUser.id }]);
      expect(after.alice.readPositions).toMatchObject({ lobby: regret.id });
      expect(after.alice.pins.map((message) => message.id)).toEqual([first.id]);

      const { socket: aliceAgain } = await joinAs(moved2, 'Alice', aliceKey);
      // A resend from before the move is the original, not a new message.
      const resent = await send(aliceAgain, { clientId: 'a1', text: 'hello @Bob' });
      expect(resent).toEqual(before.alice.histories['lobby']!.find((m) => m.id === first.id));
      expect(await history(aliceAgain, 'lobby')).toEqual(before.alice.histories['lobby']);
      // The next message takes the next id.
      expect((await send(aliceAgain, { clientId: 'a7', text: 'new' })).id).toBe(lastId + 1);

      // The file stays in the folder, readable in the conversation it was posted to.
      const { socket: bobAgain } = await joinAs(moved2, 'Bob', bobKey);
      await ask(bobAgain, 'room:join', { room: direct.id });
      const read = await ask<{ data: Uint8Array }>(bobAgain, 'file:read', {
        id: fileId,
        offset: 0,
        length: bytes.length,
      });
      expect(Buffer.from(read.data)).toEqual(bytes);
    },
  );

  it('refuses a database that already holds Parley data, and writes nothing', async () => {
    const dataDir = await smallFolder();
    const url = await freshUrl();
    expect((await migrate(['--data', dataDir, '--database', url])).code).toBe(0);
    const tables = await tablesIn(url);
    const again = await migrate(['--data', dataDir, '--database', url]);
    expect(again.code).toBe(1);
    expect(again.lines).toHaveLength(1);
    expect(again.lines[0]).toMatch(
      /^The database postgres:\/\/parley@.* already holds Parley data/,
    );
    expect(await tablesIn(url)).toEqual(tables);
  });

  it('refuses a data folder without a history, and writes nothing', async () => {
    const url = await freshUrl();
    const empty = mkdtempSync(join(tmpdir(), 'parley-migrate-empty-'));
    onCleanup(() => rmSync(empty, { recursive: true }));
    const refused = await migrate(['--data', empty, '--database', url]);
    expect(refused).toEqual({
      code: 1,
      lines: [`${empty} holds no Parley data (no history folder).`],
    });
    expect(await tablesIn(url)).toEqual({});
  });

  it('refuses while a server runs on the data folder, and writes nothing', async () => {
    const dataDir = await smallFolder();
    await startServer({ dataDir });
    const url = await freshUrl();
    const refused = await migrate(['--data', dataDir, '--database', url]);
    expect(refused.code).toBe(1);
    expect(refused.lines).toEqual([
      `A Parley server is using ${dataDir}. Stop it first: what it stores after the move would be left behind.`,
    ]);
    expect(await tablesIn(url)).toEqual({});
  });

  it('refuses a folder whose history another process holds (LevelDB lock, no control socket)', async () => {
    const dataDir = await smallFolder();
    const holder = await LevelMessageStore.open(join(dataDir, 'history'));
    onCleanup(() => holder.close());
    const url = await freshUrl();
    const refused = await migrate(['--data', dataDir, '--database', url]);
    expect(refused).toEqual({
      code: 1,
      lines: [`The data directory ${join(dataDir, 'history')} is in use by another Parley server.`],
    });
    expect(await tablesIn(url)).toEqual({});
  });

  it('refuses a database it cannot reach in one line, without the password', async () => {
    const dataDir = await smallFolder();
    const port = await freePort();
    const refused = await migrate([
      '--data',
      dataDir,
      '--database',
      `postgres://parley:hunter2@127.0.0.1:${port}/parley`,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.lines).toHaveLength(1);
    expect(refused.lines[0]).toMatch(
      new RegExp(
        `^Cannot reach the database postgres://parley@127\\.0\\.0\\.1:${port}/parley: .*ECONNREFUSED`,
      ),
    );
  });

  it('is all or nothing: a record it cannot move half-way leaves the database as it was', async () => {
    const dataDir = await smallFolder();
    // Sorts after every other record: the tables are made and the rest read when it is found.
    const db = new ClassicLevel<string, unknown>(join(dataDir, 'history'), {
      valueEncoding: 'json',
    });
    await db.put('zzz!unknown', 1);
    await db.close();
    const url = await freshUrl();
    const refused = await migrate(['--data', dataDir, '--database', url]);
    expect(refused.code).toBe(1);
    expect(refused.lines).toEqual([
      "The history's record zzz!unknown cannot be moved (not a record this Parley knows): run `parley check` on the data folder first. Nothing was written.",
    ]);
    expect(await tablesIn(url)).toEqual({});
  });

  it('needs --data and a database URL', async () => {
    expect((await migrate(['--database', 'postgres://parley@db/parley'])).lines[0]).toBe(
      'parley migrate needs --data.',
    );
    expect((await migrate(['--data', 'x'])).lines[0]).toBe(
      'parley migrate needs --database (or PARLEY_DATABASE_URL).',
    );
    expect((await migrate(['--data', 'x', '--database', 'mysql://db/x'])).lines).toEqual([
      '--database must be a PostgreSQL URL such as postgres://parley@db.example.org:5432/parley (postgres:// or postgresql://, a host, and the database name).',
    ]);
  });
});
