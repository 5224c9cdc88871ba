/**
 * Connection caps and the join timeout against a real server and real clients: refusals carry a
 * reason the client shows, refused and closed connections are counted out, and an unjoined
 * connection is closed with `session:ended`. Other loopback addresses (127.0.0.x) play other
 * machines, with loopback not exempt.
 */
import { io as connectSocket } from 'socket.io-client';
import WebSocket from 'ws';
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
import type { ChatServer } from './chat-server';

/** Connects from `localAddress` and resolves with the server's refusal (or fails the test). */
function refusal(server: ChatServer, localAddress: string): Promise<Error & { data?: unknown }> {
  const socket: RawSocket = connectSocket(urlOf(server), {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    localAddress,
  } as Parameters<typeof connectSocket>[1]);
  onCleanup(() => void socket.disconnect());
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('the connection was accepted')));
    socket.once('connect_error', resolve);
  });
}

const transports = (server: ChatServer) => server.io.engine.clientsCount;

describe('the connection caps', () => {
  it('refuses connections past the total with a reason, closes them, and counts closed ones out', async () => {
    const server = await startServer({ connections: { maxConnections: 3 } });
    const held = await Promise.all([1, 2, 3].map(() => rawSocket(server)));
    const refused = await refusal(server, '127.0.0.1');
    expect(refused.message).toBe(
      'The server is full: it has as many connections as it allows (3). Try again later.',
    );
    expect(refused.data).toEqual({ code: 'server_full', message: refused.message });
    // The refused transport is not kept.
    await waitFor(() => transports(server) === 3, 'the refused transport closed');

    // ChatClient says why, in the same words.
    const chat = client();
    expect(await chat.connect(urlOf(server), 'dora')).toEqual({
      ok: false,
      error: { code: 'unreachable', message: refused.message },
    });

    // Closing connections frees their places, again and again.
    for (let round = 0; round < 5; round++) {
      held.pop()!.disconnect();
      await waitFor(() => transports(server) === 2, 'the closed connection counted out');
      held.push(await rawSocket(server));
    }
    expect(await joinWith(held[0]!, { nickname: 'ann' })).toMatchObject({
      ok: true,
    });
  });

  it('counts a connection out when it leaves the namespace but keeps its transport', async () => {
    const server = await startServer({ connections: { maxConnections: 2 } });
    // One transport that connects to the namespace and leaves it, again and again (raw frames).
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`);
    onCleanup(() => ws.terminate());
    const frames: string[] = [];
    ws.on('message', (data) => frames.push(data.toString()));
    await waitFor(() => frames.some((frame) => frame.startsWith('0{')), 'the handshake');
    for (let round = 1; round <= 5; round++) {
      ws.send('40');
      await waitFor(
        () => frames.filter((frame) => frame.startsWith('40{')).length === round,
        `connected to the namespace (${round})`,
      );
      ws.send('41');
      // A CONNECT while the server still holds the socket would be ignored.
      await waitFor(() => server.io.of('/').sockets.size === 0, `left the namespace (${round})`);
    }
    // Its place is free again, though its transport is still open: two others fit.
    await rawSocket(server);
    await rawSocket(server);
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it('counts a connection out when its transport closed before Socket.IO accepted it', async () => {
    const server = await startServer({ connections: { maxConnections: 1 } });
    // After the caps counted it, the first connection's transport closes before the namespace
    // accepts it: Socket.IO then drops the socket, which never connects nor disconnects.
    let closedEarly = 0;
    server.io.use((socket, next) => {
      if (closedEarly++ === 0) socket.conn.close();
      next();
    });
    const first: RawSocket = connectSocket(urlOf(server), {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    onCleanup(() => void first.disconnect());
    await new Promise((resolve) => first.io.once('close', resolve));
    expect(first.connected).toBe(false);
    // Its place is free: the one place there is goes to the next connection.
    const next = await rawSocket(server);
    expect(next.connected).toBe(true);
    expect(closedEarly).toBe(2);
  });

  it('ends a reconnecting ChatClient with the reason when the server is full', async () => {
    const server = await startServer({ connections: { maxConnections: 1 } });
    // A long back-off: the client tries again only when told to (reconnectNow).
    const chat = client({ reconnectDelayMs: 120_000, reconnectDelayMaxMs: 120_000 });
    expect((await chat.connect(urlOf(server), 'ann')).ok).toBe(true);
    // Its transport drops (not an "io server disconnect": the client will reconnect)…
    for (const socket of server.io.of('/').sockets.values()) socket.conn.close();
    await waitFor(() => chat.status.state === 'reconnecting', 'the drop to be noticed');
    // …and someone else takes the one place meanwhile.
    await waitFor(() => transports(server) === 0, 'the dropped connection counted out');
    await rawSocket(server);
    chat.reconnectNow();
    await waitFor(() => chat.status.state === 'disconnected', 'the refusal');
    expect(chat.status.reason).toBe(
      'The server is full: it has as many connections as it allows (1). Try again later.',
    );
  });

  it('caps connections per address, and leaves other addresses their share', async () => {
    const server = await startServer({
      isRateLimitExempt: () => false,
      connections: { connectionsPerAddress: 2 },
    });
    await rawSocket(server, '127.0.0.2');
    const second = await rawSocket(server, '127.0.0.2');
    const refused = await refusal(server, '127.0.0.2');
    expect(refused.data).toEqual({
      code: 'server_full',
      message:
        'This device has 2 connections to the server already, the most it allows. Close some, then try again.',
    });
    await rawSocket(server, '127.0.0.3');
    await rawSocket(server, '127.0.0.3');
    second.disconnect();
    await waitFor(() => transports(server) === 3, 'the closed connection counted out');
    await rawSocket(server, '127.0.0.2');
  });
});

describe('the join timeout', () => {
  it('closes a connection that does not join in time, with a reason, and keeps joined ones', async () => {
    const server = await startServer({ connections: { joinTimeoutMs: 300 } });
    const joined = await rawSocket(server);
    expect(await joinWith(joined, { nickname: 'ann' })).toMatchObject({ ok: true });
    const idle = await rawSocket(server);
    const disconnected = new Promise<string>((resolve) => idle.once('disconnect', resolve));
    expect(await nextEvent(idle, 'session:ended')).toEqual({
      code: 'join_timeout',
      message:
        'The connection was closed because it did not join within 0.3 s. Connect again to join.',
    });
    expect(await disconnected).toBe('io server disconnect');
    // The joined connection's timer ran out before the idle one's: it is still here.
    await waitFor(() => transports(server) === 1, 'the idle transport closed');
    expect(joined.connected).toBe(true);
    expect(
      await emitRaw(joined, 'message:send', { clientId: 'c1', text: 'still here' }),
    ).toMatchObject({ ok: true });
  });

  it('closes each of several connections that came one after another, past one that left early', async () => {
    const server = await startServer({ connections: { joinTimeoutMs: 300 } });
    const early = await rawSocket(server);
    const left = await rawSocket(server);
    left.disconnect();
    await waitFor(() => transports(server) === 1, 'the connection that left counted out');
    // Its deadline is later than the first one's: when that one is due, the wait moves on to it.
    const late = await rawSocket(server);
    const ended = await Promise.all(
      [early, late].map((socket) => nextEvent(socket, 'session:ended')),
    );
    expect(ended.map((info) => (info as { code: string }).code)).toEqual([
      'join_timeout',
      'join_timeout',
    ]);
    await waitFor(() => transports(server) === 0, 'both idle transports closed');
  });
});
