/**
 * Test support: real chat servers on loopback (port 0) and real socket.io-client connections,
 * closed automatically after each test.
 */
import { io as connectSocket, type Socket } from 'socket.io-client';
import pg from 'pg';
import { afterEach, inject } from 'vitest';
import {
  createChatServer,
  type ChatServer,
  type ChatServerOptions,
} from '../../src/server/chat-server';
import { ChatClient, type ChatClientOptions } from '../../src/client/chat-client';
import type { DeviceKey } from '../../src/client/device-key';
import { joinWith } from './join-with';

export { joinWith };
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/shared/protocol';
import type { Result } from '../../src/shared/result';

export type RawSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Runs `cleanup` after the current test (child processes, extra servers). */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

export async function startServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const server = await createChatServer({
    host: '127.0.0.1',
    port: 0,
    webRoot: null,
    ...(await testDatabase(options)),
    ...options,
  });
  cleanups.push(() => server.close());
  return server;
}

/**
 * Under `npm run test:postgres` (see postgres-global-setup.ts), a server without a data folder
 * or a store of its own keeps its history in PostgreSQL: in a new, empty schema, as fresh as the
 * in-memory store it replaces.
 */
async function testDatabase(options: ChatServerOptions): Promise<ChatServerOptions> {
  const url = inject('postgresUrl');
  if (url === undefined || options.dataDir || options.history || options.database) return {};
  const schema = `test_${++schemas}_${process.pid}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  const withSchema = new URL(url);
  withSchema.searchParams.set('options', `-c search_path=${schema}`);
  return { database: withSchema.toString() };
}
let schemas = 0;

export function urlOf(server: ChatServer): string {
  return `http://127.0.0.1:${server.port}`;
}

/**
 * A raw protocol client, for sending exactly what a test wants (including malformed input).
 * `localAddress` (another loopback address, e.g. 127.0.0.2) makes it "another machine" for the
 * server's per-address limits; `query` goes with its handshake (PRESENCE_CHANGES_QUERY);
 * `transports` as socket.io-client takes them (long-polling first, to upgrade later).
 */
export async function rawSocket(
  server: ChatServer,
  localAddress?: string,
  query?: Record<string, string>,
  transports: string[] = ['websocket'],
): Promise<RawSocket> {
  const socket: RawSocket = connectSocket(urlOf(server), {
    transports,
    forceNew: true,
    reconnection: false,
    ...(localAddress === undefined ? {} : { localAddress }),
    ...(query === undefined ? {} : { query }),
  } as Parameters<typeof connectSocket>[1]);
  cleanups.push(() => void socket.disconnect());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Emits any event with any arguments and waits for the ack (raw: bypasses the typed maps). */
export function emitRaw(
  socket: Socket,
  event: string,
  ...args: unknown[]
): Promise<Result<Record<string, unknown>>> {
  return (
    socket.timeout(5_000) as unknown as {
      emitWithAck(event: string, ...args: unknown[]): Promise<Result<Record<string, unknown>>>;
    }
  ).emitWithAck(event, ...args);
}

/** Emits without an acknowledgement callback, as a careless or hostile client may. */
export function emitWithoutAck(socket: RawSocket, event: string, ...args: unknown[]): void {
  (socket as unknown as { emit(event: string, ...args: unknown[]): void }).emit(event, ...args);
}

export async function joinRaw(
  server: ChatServer,
  nickname: string,
  key?: DeviceKey,
): Promise<RawSocket> {
  const socket = await rawSocket(server);
  const result = await joinWith(socket, { nickname }, key);
  if (!result.ok) throw new Error(`join failed: ${result.error.message}`);
  return socket;
}

export function client(options: ChatClientOptions = {}): ChatClient {
  const chat = new ChatClient({ reconnectDelayMs: 50, reconnectDelayMaxMs: 200, ...options });
  cleanups.push(() => chat.disconnect());
  return chat;
}

/** Resolves with the first event of `name` on `socket` (rejects after a timeout). */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: RawSocket,
  name: E,
  timeoutMs = 5_000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${name} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once(
      name as 'message:created',
      ((payload: never) => {
        clearTimeout(timer);
        resolve(payload);
      }) as never,
    );
  });
}

/**
 * Resolves with the first event of `name` on `socket` that `where` accepts (rejects after a
 * timeout): for events that others of the same name may come before, as another node's do.
 */
export function nextEventWhere<E extends keyof ServerToClientEvents>(
  socket: RawSocket,
  name: E,
  where: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean,
  timeoutMs = 5_000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const listener = ((payload: Parameters<ServerToClientEvents[E]>[0]) => {
      if (!where(payload)) return;
      clearTimeout(timer);
      socket.off(name as 'message:created', listener as never);
      resolve(payload);
    }) as never;
    const timer = setTimeout(() => {
      socket.off(name as 'message:created', listener);
      reject(new Error(`no such ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(name as 'message:created', listener);
  });
}

/** Collects every event of `name` on `socket` into an array, from now on. */
export function collect<E extends keyof ServerToClientEvents>(
  socket: RawSocket,
  name: E,
): Array<Parameters<ServerToClientEvents[E]>[0]> {
  const seen: Array<Parameters<ServerToClientEvents[E]>[0]> = [];
  socket.on(name as 'message:created', ((payload: never) => seen.push(payload)) as never);
  return seen;
}

/** Waits until `check` returns true, polling; fails with `what` after a timeout. */
export async function waitFor(
  check: () => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
