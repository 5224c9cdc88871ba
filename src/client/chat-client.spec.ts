import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { describe, expect, it } from 'vitest';
import { client, joinRaw, onCleanup, startServer, urlOf, waitFor } from '../../tests/support/chat';
import { faultyHistory } from '../../tests/support/faulty-history';
import { startTcpProxy } from '../../tests/support/tcp-proxy';
import type { ChatEvent } from '../shared/api';
import { createChatServer } from '../server/chat-server';

function record(chat: ReturnType<typeof client>): ChatEvent[] {
  const events: ChatEvent[] = [];
  chat.onEvent((event) => events.push(event));
  return events;
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('ChatClient.connect', () => {
  it('joins a server given as people type it, and reports connecting then connected', async () => {
    const server = await startServer();
    const chat = client();
    const events = record(chat);
    const result = await chat.connect(`127.0.0.1:${server.port}`, ' alice ');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.session.self.nickname).toBe('alice');
    expect(chat.status).toEqual({ state: 'connected', url: urlOf(server), reason: null });
    const states = events.flatMap((event) => (event.type === 'status' ? [event.status.state] : []));
    expect(states).toEqual(['connecting', 'connected']);
    expect(events.some((event) => event.type === 'session')).toBe(true);
  });

  it('refuses an invalid address before trying to connect', async () => {
    const chat = client();
    const events = record(chat);
    const result = await chat.connect('ftp://example.org', 'alice');
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_url' } });
    expect(events).toEqual([]);
    expect(chat.status.state).toBe('disconnected');
  });

  it('refuses an invalid nickname before trying to connect', async () => {
    const chat = client();
    expect(await chat.connect('127.0.0.1:4321', '   ')).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: 'Nickname cannot be empty.' },
    });
  });

  it('says clearly when nothing answers, instead of retrying forever', async () => {
    const port = await freePort();
    const chat = client();
    const result = await chat.connect(`127.0.0.1:${port}`, 'alice');
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'unreachable', message: /Nothing is answering/ },
    });
    expect(chat.status).toMatchObject({ state: 'disconnected', reason: /Nothing is answering/ });
  });

  it('gives up on a server that accepts the connection but never answers', async () => {
    // A TCP server that swallows everything: the WebSocket handshake never completes.
    const silent = createNetServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const chat = client({ connectTimeoutMs: 300 });
      const result = await chat.connect(
        `127.0.0.1:${(silent.address() as AddressInfo).port}`,
        'alice',
      );
      expect(result).toMatchObject({ ok: false, error: { code: 'unreachable' } });
    } finally {
      silent.close();
    }
  });

  it('reports a nickname clash and stays disconnected', async () => {
    const server = await startServer();
    await joinRaw(server, 'Alice');
    const chat = client();
    const result = await chat.connect(urlOf(server), 'alice');
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'nickname_taken', message: /is taken/ },
    });
    expect(chat.status.state).toBe('disconnected');
    await waitFor(() => server.io.sockets.sockets.size === 1, 'the refused connection to close');
  });
});

describe('ChatClient chat', () => {
  it('sends with an acknowledgement, and resending with the same client id never duplicates', async () => {
    const server = await startServer();
    const alice = client();
    const bob = client();
    await alice.connect(urlOf(server), 'alice');
    await bob.connect(urlOf(server), 'bob');
    const bobEvents = record(bob);

    const sent = await alice.send('hello bob', 'retry-1');
    const again = await alice.send('hello bob', 'retry-1');
    expect(sent.ok && again.ok && sent.message.id === again.message.id).toBe(true);
    await alice.send('second');
    await waitFor(
      () => bobEvents.filter((event) => event.type === 'message').length === 2,
      'two messages',
    );
    const texts = bobEvents.flatMap((event) =>
      event.type === 'message' ? [event.message.text] : [],
    );
    expect(texts).toEqual(['hello bob', 'second']);
  });

  it('checks the message locally and when not connected', async () => {
    const server = await startServer();
    const chat = client();
    expect(await chat.send('hi')).toMatchObject({ ok: false, error: { code: 'not_connected' } });
    await chat.connect(urlOf(server), 'alice');
    expect(await chat.send('x'.repeat(4001))).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
  });

  it('reports presence and typing of others', async () => {
    const server = await startServer();
    const alice = client();
    await alice.connect(urlOf(server), 'alice');
    const events = record(alice);
    const bob = client();
    await bob.connect(urlOf(server), 'bob');
    await bob.setTyping(true);
    await waitFor(() => events.some((event) => event.type === 'typing'), 'typing');
    await bob.disconnect();
    await waitFor(() => events.some((event) => event.type === 'user-left'), 'bob to leave');
    // Leaving while typing clears the indicator, then the person leaves.
    expect(events.map((event) => event.type)).toEqual([
      'user-joined',
      'typing',
      'typing',
      'user-left',
    ]);
    expect(events[1]).toMatchObject({ user: { nickname: 'bob' }, typing: true });
    expect(events[2]).toMatchObject({ user: { nickname: 'bob' }, typing: false });
  });

  it('times out a request the server never acknowledges', async () => {
    // A bare Socket.IO server that accepts the join but ignores messages.
    const http = createHttpServer();
    const io = new Server(http);
    io.on('connection', (socket) => {
      socket.on('session:challenge', (_payload, ack) => ack({ ok: true, challenge: 'c' }));
      socket.on('session:join', (_payload, ack) =>
        ack({
          ok: true,
          self: { id: '1', nickname: 'a' },
          room: 'lobby',
          users: [],
          messages: [],
          directs: [],
          serverName: 'x',
          protocolVersion: 2,
        }),
      );
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const chat = client({ ackTimeoutMs: 200 });
      await chat.connect(`127.0.0.1:${(http.address() as AddressInfo).port}`, 'a');
      expect(await chat.send('anyone?')).toMatchObject({ ok: false, error: { code: 'timeout' } });
    } finally {
      await io.close();
    }
  });
});

describe('ChatClient reconnection', () => {
  it('joins and rejoins with the challenge each connection is given: one round trip, no session:challenge', async () => {
    const server = await startServer();
    const heard: string[] = [];
    server.io.on('connection', (socket) => socket.onAny((event: string) => heard.push(event)));
    const chat = client();
    expect((await chat.connect(urlOf(server), 'alice')).ok).toBe(true);
    // The transport drops: socket.io-client reconnects on a new connection, and the client rejoins.
    for (const socket of server.io.sockets.sockets.values()) socket.conn.close();
    await waitFor(
      () => heard.filter((event) => event === 'session:join').length === 2,
      'the rejoin',
    );
    await waitFor(() => chat.status.state === 'connected', 'connected again');
    expect(heard.filter((event) => event.startsWith('session:'))).toEqual([
      'session:join',
      'session:join',
    ]);
  });

  it('reconnects after the server restarts, rejoins and catches up on missed messages', async () => {
    const first = await createChatServer({ host: '127.0.0.1', port: 0, webRoot: null });
    const port = first.port;
    const chat = client();
    const events = record(chat);
    await chat.connect(`127.0.0.1:${port}`, 'alice');

    await first.close();
    await waitFor(() => chat.status.state === 'reconnecting', 'reconnecting');
    expect(
      events.some((event) => event.type === 'notice' && /shutting down/.test(event.text)),
    ).toBe(true);

    const second = await createChatServer({ host: '127.0.0.1', port, webRoot: null });
    try {
      // Someone speaks while alice is still away; she must see it after rejoining.
      const bob = await joinRaw(second, 'bob');
      await bob
        .timeout(5000)
        .emitWithAck('message:send', { clientId: 'while-away', text: 'you missed this' });
      await waitFor(() => chat.status.state === 'connected', 'connected again', 10_000);
      // Whether she was back before bob spoke (then it came live) or after (then in the rejoin's
      // catch-up) depends on timing; either way she sees it exactly once.
      const seen = () =>
        events.flatMap((event) =>
          event.type === 'message'
            ? [event.message.text]
            : event.type === 'session'
              ? event.session.messages.map((message) => message.text)
              : [],
        );
      await waitFor(() => seen().includes('you missed this'), 'the message bob sent');
      expect(seen()).toEqual(['you missed this']);
      expect((await chat.send('back again')).ok).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('is disconnected, with the reason, when the server ends the session', async () => {
    const server = await startServer();
    const chat = client();
    await chat.connect(urlOf(server), 'alice');
    server.io.disconnectSockets(true);
    await waitFor(() => chat.status.state === 'disconnected', 'disconnected');
    expect(chat.status.reason).toBe('The server ended the connection.');
  });

  it('leaves on disconnect() and tells the others', async () => {
    const server = await startServer();
    const observer = await joinRaw(server, 'observer');
    const left = new Promise((resolve) => observer.once('presence:left', resolve));
    const chat = client();
    await chat.connect(urlOf(server), 'alice');
    await chat.disconnect();
    expect(chat.status).toMatchObject({ state: 'disconnected', reason: 'You left.' });
    expect(await left).toMatchObject({ user: { nickname: 'alice' } });
  });
});

describe('ChatClient rejoining while the server cannot read its store', () => {
  it('keeps trying instead of giving up, and rejoins once the store answers again', async () => {
    // As in a cluster while its PostgreSQL restarts: the server is up, its history reads fail.
    const history = await faultyHistory();
    const server = await startServer({ history, onError: () => {} });
    const proxy = await startTcpProxy({ targetPort: server.port });
    onCleanup(() => proxy.close());
    const chat = client();
    const events: ChatEvent[] = [];
    chat.onEvent((event) => events.push(event));
    expect((await chat.connect(`http://127.0.0.1:${proxy.port}`, 'alice')).ok).toBe(true);

    history.readsFailing = true;
    const accepted = proxy.acceptedConnections;
    proxy.cut();
    // Each reconnection's rejoin is refused (`internal`): the client drops it and tries again.
    await waitFor(() => proxy.acceptedConnections >= accepted + 3, 'three refused rejoins');
    expect(chat.status.state).toBe('reconnecting');

    history.readsFailing = false;
    await waitFor(() => chat.status.state === 'connected', 'the rejoin');
    expect(events.filter((event) => event.type === 'session')).toHaveLength(2);
    // Never given up on, at any moment.
    const statuses = events.flatMap((event) => (event.type === 'status' ? [event.status] : []));
    expect(statuses.filter((status) => status.state === 'disconnected')).toEqual([]);
  });
});
