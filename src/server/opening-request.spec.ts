/**
 * A connection does not keep the HTTP request that opened it (opening-request.ts), whether it
 * opened as a WebSocket or upgraded from long-polling: checked with weak references to every
 * request the client made, after a full garbage collection, while the connection stays open.
 * What Parley reads of the handshake instead (the Host header for the join's proof, the address,
 * the query) still works.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../tests/support/gc';
import {
  joinWith,
  onCleanup,
  rawSocket,
  startServer,
  type RawSocket,
} from '../../tests/support/chat';
import { PRESENCE_LISTED_QUERY } from '../shared/protocol';
import type { ChatServer } from './chat-server';

/** Weak references to each HTTP request (plain or upgrade) `server` receives from now on. */
function watchRequests(server: ChatServer): Array<WeakRef<IncomingMessage>> {
  const seen: Array<WeakRef<IncomingMessage>> = [];
  const note = (request: IncomingMessage) => void seen.push(new WeakRef(request));
  const http = server.io.httpServer;
  http.on('request', note);
  http.on('upgrade', note);
  onCleanup(() => {
    http.off('request', note);
    http.off('upgrade', note);
  });
  return seen;
}

/** The requests of `seen` still alive after a full collection (on a later turn: WeakRefs). */
async function stillKept(seen: Array<WeakRef<IncomingMessage>>): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  return seen.filter((request) => request.deref() !== undefined).length;
}

/** Joins on `socket` (the proof checks the handshake's Host header) and sends a message. */
async function joinAndSend(socket: RawSocket, nickname: string): Promise<void> {
  const joined = await joinWith(socket, { nickname });
  expect(joined.ok).toBe(true);
  const sent = await socket.emitWithAck('message:send', { clientId: 'c1', text: 'still here' });
  expect(sent.ok).toBe(true);
}

describe('the request that opened a connection', () => {
  it('is let go once a WebSocket connection is open, and the connection works on', async () => {
    const server = await startServer();
    const seen = watchRequests(server);
    const socket = await rawSocket(server, undefined, PRESENCE_LISTED_QUERY);
    expect(seen).toHaveLength(1);
    await joinAndSend(socket, 'ada');
    expect(await stillKept(seen)).toBe(0);
    expect(socket.connected).toBe(true);
    // The handshake Parley reads is intact: the query asked for presence of the listed only.
    const [serverSocket] = [...server.io.of('/').sockets.values()];
    expect(serverSocket!.handshake.query.presence).toBe(PRESENCE_LISTED_QUERY.presence);
    expect(serverSocket!.handshake.address).toBe('127.0.0.1');
  });

  it('is let go after long-polling upgrades to a WebSocket', async () => {
    const server = await startServer();
    const seen = watchRequests(server);
    const socket = await rawSocket(server, undefined, PRESENCE_LISTED_QUERY, [
      'polling',
      'websocket',
    ]);
    const engine = socket.io.engine;
    if (engine.transport.name !== 'websocket') {
      await new Promise<void>((resolve) => engine.once('upgrade', () => resolve()));
    }
    await joinAndSend(socket, 'bob');
    // The handshake's GET, the polls and the upgrade request at least.
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(await stillKept(seen)).toBe(0);
    expect(socket.connected).toBe(true);
  });
});
