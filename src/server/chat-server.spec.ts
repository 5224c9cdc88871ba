import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  collect,
  emitRaw,
  emitWithoutAck,
  joinRaw,
  nextEvent,
  rawSocket,
  startServer,
  urlOf,
  waitFor,
} from '../../tests/support/chat';
import { LIMITS, LOBBY, PROTOCOL_VERSION } from '../shared/limits';
import type { ChatMessage, JoinedSession } from '../shared/protocol';
import type { Result } from '../shared/result';
import { ChatServerError, createChatServer } from './chat-server';

describe('joining', () => {
  it('acknowledges a join with the session, the people online and recent messages', async () => {
    const server = await startServer({ serverName: 'test-host' });
    const alice = await joinRaw(server, 'alice');
    await alice.timeout(5000).emitWithAck('message:send', { clientId: 'm1', text: 'first' });

    const bob = await rawSocket(server);
    const joined: Result<JoinedSession> = await bob
      .timeout(5000)
      .emitWithAck('session:join', { nickname: '  Bob ' });
    expect(joined.ok).toBe(true);
    if (!joined.ok) return;
    expect(joined.self.nickname).toBe('Bob');
    expect(joined.room).toBe(LOBBY);
    expect(joined.users.map((user) => user.nickname)).toEqual(['alice', 'Bob']);
    expect(joined.messages.map((message) => message.text)).toEqual(['first']);
    expect(joined.serverName).toBe('test-host');
    expect(joined.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(joined.resumeToken.length).toBeGreaterThan(20);
  });

  it('refuses a nickname already online, ignoring case, and accepts another', async () => {
    const server = await startServer();
    await joinRaw(server, 'Alice');
    const second = await rawSocket(server);
    const clash = await emitRaw(second, 'session:join', { nickname: 'ALICE' });
    expect(clash).toEqual({
      ok: false,
      error: {
        code: 'nickname_taken',
        message: 'The nickname "ALICE" is taken. Choose another one.',
      },
    });
    const retry = await emitRaw(second, 'session:join', { nickname: 'Alice2' });
    expect(retry.ok).toBe(true);
  });

  it('frees a nickname when its holder leaves', async () => {
    const server = await startServer();
    const first = await joinRaw(server, 'carol');
    first.disconnect();
    const second = await rawSocket(server);
    await waitFor(() => server.io.sockets.sockets.size === 1, 'the first socket to close');
    expect((await emitRaw(second, 'session:join', { nickname: 'carol' })).ok).toBe(true);
  });

  it('refuses a second join on the same connection', async () => {
    const server = await startServer();
    const socket = await joinRaw(server, 'dan');
    const again = await emitRaw(socket, 'session:join', { nickname: 'dan2' });
    expect(again).toMatchObject({ ok: false, error: { code: 'already_joined' } });
  });

  it('lets a reconnecting client take its nickname back with its resume token, silently', async () => {
    const server = await startServer();
    const observer = await joinRaw(server, 'observer');
    const joinedNotices = collect(observer, 'presence:joined');
    const leftNotices = collect(observer, 'presence:left');

    const old = await rawSocket(server);
    const first = await emitRaw(old, 'session:join', { nickname: 'erin' });
    if (!first.ok) throw new Error('join failed');
    const ended = nextEvent(old, 'session:ended');

    const fresh = await rawSocket(server);
    const wrongToken = await emitRaw(fresh, 'session:join', {
      nickname: 'erin',
      resumeToken: 'x'.repeat(32),
    });
    expect(wrongToken).toMatchObject({ ok: false, error: { code: 'nickname_taken' } });
    const resumed = await emitRaw(fresh, 'session:join', {
      nickname: 'erin',
      resumeToken: first.resumeToken,
    });
    expect(resumed).toMatchObject({ ok: true, self: first.self, resumeToken: first.resumeToken });
    await ended;
    await waitFor(() => old.disconnected, 'the replaced connection to close');
    expect(joinedNotices.map((notice) => notice.user.nickname)).toEqual(['erin']);
    expect(leftNotices).toEqual([]);
  });

  it('returns only the messages after `since` on a rejoin', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const sent: ChatMessage[] = [];
    for (const text of ['one', 'two', 'three']) {
      const result = await alice
        .timeout(5000)
        .emitWithAck('message:send', { clientId: text, text });
      if (result.ok) sent.push(result.message);
    }
    const bob = await rawSocket(server);
    const joined = await emitRaw(bob, 'session:join', { nickname: 'bob', since: sent[0]!.id });
    expect(
      (joined as unknown as { messages: ChatMessage[] }).messages.map((message) => message.text),
    ).toEqual(['two', 'three']);
  });
});

describe('presence', () => {
  it('tells everyone else who joins and who leaves', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const joined = nextEvent(alice, 'presence:joined');
    const bob = await joinRaw(server, 'bob');
    expect(await joined).toMatchObject({ room: LOBBY, user: { nickname: 'bob' } });

    const left = nextEvent(alice, 'presence:left');
    bob.disconnect();
    expect(await left).toMatchObject({ room: LOBBY, user: { nickname: 'bob' } });
  });
});

describe('messages', () => {
  it('broadcasts every message to everyone, in one order all clients agree on', async () => {
    const server = await startServer();
    const names = ['alice', 'bob', 'carol'];
    const sockets = await Promise.all(names.map((name) => joinRaw(server, name)));
    const received = sockets.map((socket) => collect(socket, 'message:created'));
    const perClient = 15;

    const before = Date.now();
    await Promise.all(
      sockets.map((socket, index) =>
        Promise.all(
          Array.from({ length: perClient }, (_, n) =>
            socket.timeout(5000).emitWithAck('message:send', {
              clientId: `${names[index]}-${n}`,
              text: `${names[index]} ${n}`,
            }),
          ),
        ),
      ),
    );
    const total = perClient * sockets.length;
    await waitFor(
      () => received.every((list) => list.length === total),
      'every client to receive every message',
    );

    const orders = received.map((list) => list.map((message) => message.id));
    expect(orders[1]).toEqual(orders[0]);
    expect(orders[2]).toEqual(orders[0]);
    expect(orders[0]).toEqual([...orders[0]!].sort((a, b) => a - b));
    expect(new Set(orders[0]).size).toBe(total);
    const first = received[0]!;
    expect(first.every((message, i) => i === 0 || message.sentAt >= first[i - 1]!.sentAt)).toBe(
      true,
    );
    expect(first[0]!.sentAt).toBeGreaterThanOrEqual(before - 1);
    // Each sender's own messages arrive in the order it sent them.
    for (const name of names) {
      const own = first
        .filter((message) => message.author.nickname === name)
        .map((message) => message.text);
      expect(own).toEqual(Array.from({ length: perClient }, (_, n) => `${name} ${n}`));
    }
  });

  it('never duplicates a resent message: same client id, same message, one broadcast', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const seen = collect(bob, 'message:created');

    const first = await alice
      .timeout(5000)
      .emitWithAck('message:send', { clientId: 'same-id', text: 'hello' });
    const resent = await alice
      .timeout(5000)
      .emitWithAck('message:send', { clientId: 'same-id', text: 'hello' });
    expect(first.ok && resent.ok).toBe(true);
    if (!first.ok || !resent.ok) return;
    expect(resent.message).toEqual(first.message);

    // A marker message proves delivery has caught up: anything duplicated would arrive before it.
    await alice.timeout(5000).emitWithAck('message:send', { clientId: 'marker', text: 'marker' });
    await waitFor(() => seen.some((message) => message.clientId === 'marker'), 'the marker');
    expect(seen.map((message) => message.clientId)).toEqual(['same-id', 'marker']);
  });

  it('keeps the same client id from two people apart', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const a = await alice
      .timeout(5000)
      .emitWithAck('message:send', { clientId: 'id-1', text: 'from alice' });
    const b = await bob
      .timeout(5000)
      .emitWithAck('message:send', { clientId: 'id-1', text: 'from bob' });
    expect(a.ok && b.ok && a.message.id !== b.message.id).toBe(true);
  });
});

describe('typing', () => {
  it('tells the others, not the typist, and clears when the message is sent', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const ownEcho = collect(alice, 'typing:updated');

    const started = nextEvent(bob, 'typing:updated');
    expect(await emitRaw(alice, 'typing:set', { typing: true })).toEqual({ ok: true });
    expect(await started).toMatchObject({ user: { nickname: 'alice' }, typing: true });

    const stopped = nextEvent(bob, 'typing:updated');
    await alice.timeout(5000).emitWithAck('message:send', { clientId: 'c1', text: 'done typing' });
    expect(await stopped).toMatchObject({ user: { nickname: 'alice' }, typing: false });
    expect(ownEcho).toEqual([]);
  });
});

describe('bad input', () => {
  const cases: Array<[string, unknown[], string, RegExp]> = [
    ['session:join', [{}], 'invalid_payload', /nickname is required/],
    ['session:join', ['alice'], 'invalid_payload', /must be an object/],
    ['session:join', [null], 'invalid_payload', /must be an object/],
    ['session:join', [{ nickname: '' }], 'invalid_payload', /cannot be empty/],
    ['session:join', [{ nickname: 'x'.repeat(33) }], 'invalid_payload', /at most 32/],
    ['session:join', [{ nickname: 'a\u0000b' }], 'invalid_payload', /control or invisible/],
    ['session:join', [{ nickname: 'a', role: 'admin' }], 'invalid_payload', /Unknown field/],
    ['session:join', [{ nickname: 'a' }, 'extra'], 'invalid_payload', /exactly one payload/],
    ['message:send', [{ clientId: 'c', text: '' }], 'invalid_payload', /cannot be empty/],
    [
      'message:send',
      [{ clientId: 'c', text: 'x'.repeat(4001) }],
      'invalid_payload',
      /at most 4000/,
    ],
    ['message:send', [{ clientId: 'c', text: ['array'] }], 'invalid_payload', /must be text/],
    ['message:send', [{ clientId: 'c', text: 42 }], 'invalid_payload', /must be text/],
    ['message:send', [{ clientId: '', text: 'hi' }], 'invalid_payload', /clientId cannot be empty/],
    [
      'message:send',
      [{ clientId: '../../x', text: 'hi' }],
      'invalid_payload',
      /clientId may use only/,
    ],
    ['message:send', [{ text: 'hi' }], 'invalid_payload', /clientId is required/],
    [
      'message:send',
      [{ clientId: 'c', text: 'hi', sentAt: 0 }],
      'invalid_payload',
      /Unknown field/,
    ],
    ['message:send', [{ clientId: 'c', text: '\uD800' }], 'invalid_payload', /invalid Unicode/],
    ['typing:set', [{ typing: 'yes' }], 'invalid_payload', /true or false/],
    ['typing:set', [{}], 'invalid_payload', /typing is required/],
    ['room:delete', [{ room: 'lobby' }], 'unknown_event', /not a Parley event/],
  ];

  it.each(cases)('%s %j → %s, and nothing else happens', async (event, args, code, message) => {
    const server = await startServer();
    const sender = await joinRaw(server, 'sender');
    const observer = await joinRaw(server, 'observer');
    const broadcasts = collect(observer, 'message:created');

    const result = await emitRaw(sender, event, ...args);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.message).toMatch(message);

    // The connection stays up and still works; the observer saw only the valid message.
    const after = await sender
      .timeout(5000)
      .emitWithAck('message:send', { clientId: 'ok', text: 'still here' });
    expect(after.ok).toBe(true);
    await waitFor(() => broadcasts.length === 1, 'the valid message');
    expect(broadcasts.map((message) => message.text)).toEqual(['still here']);
    expect(sender.connected).toBe(true);
  });

  it('requires a join before messages and typing', async () => {
    const server = await startServer();
    const socket = await rawSocket(server);
    expect(await emitRaw(socket, 'message:send', { clientId: 'c', text: 'hi' })).toMatchObject({
      ok: false,
      error: { code: 'not_joined' },
    });
    expect(await emitRaw(socket, 'typing:set', { typing: true })).toMatchObject({
      ok: false,
      error: { code: 'not_joined' },
    });
  });

  it('survives events without an acknowledgement callback', async () => {
    const server = await startServer();
    const sender = await joinRaw(server, 'sender');
    const observer = await joinRaw(server, 'observer');
    const broadcasts = collect(observer, 'message:created');
    emitWithoutAck(sender, 'message:send', { clientId: 5 });
    emitWithoutAck(sender, 'no-such-event', 1, 2, 3);
    emitWithoutAck(sender, 'message:send', { clientId: 'no-ack', text: 'sent without ack' });
    await waitFor(() => broadcasts.length === 1, 'the message sent without an ack');
    expect(broadcasts[0]!.text).toBe('sent without ack');
  });

  it('drops a connection that sends an oversized frame, and only that one', async () => {
    const server = await startServer();
    const flooder = await joinRaw(server, 'flooder');
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const left = nextEvent(alice, 'presence:left');

    emitWithoutAck(flooder, 'message:send', {
      clientId: 'big',
      text: 'x'.repeat(LIMITS.maxPayloadBytes + 1),
    });
    expect((await left).user.nickname).toBe('flooder');

    const received = nextEvent(bob, 'message:created');
    await alice
      .timeout(5000)
      .emitWithAck('message:send', { clientId: 'a1', text: 'business as usual' });
    expect((await received).text).toBe('business as usual');
    expect(alice.connected && bob.connected).toBe(true);
  });

  it('rate-limits a flood of messages with a clear error, per connection', async () => {
    const server = await startServer();
    const flooder = await joinRaw(server, 'flooder');
    const calm = await joinRaw(server, 'calm');
    const { points } = LIMITS.rate.message;
    const results = await Promise.all(
      Array.from({ length: points + 5 }, (_, n) =>
        flooder
          .timeout(5000)
          .emitWithAck('message:send', { clientId: `f${n}`, text: `flood ${n}` }),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(points);
    const refused = results.filter((result) => !result.ok);
    expect(refused).toHaveLength(5);
    expect(refused[0]).toMatchObject({
      ok: false,
      error: { code: 'rate_limited', message: /too fast/ },
    });
    expect(
      (await calm.timeout(5000).emitWithAck('message:send', { clientId: 'c', text: 'hi' })).ok,
    ).toBe(true);
  });
});

describe('history:fetch', () => {
  it('pages forwards and backwards, and says when there is more', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    for (let n = 1; n <= 5; n++) {
      await alice.timeout(5000).emitWithAck('message:send', { clientId: `c${n}`, text: `m${n}` });
    }
    const page = (payload: Record<string, unknown>) => emitRaw(alice, 'history:fetch', payload);
    const ids = (result: Awaited<ReturnType<typeof page>>) =>
      result.ok ? [(result.messages as ChatMessage[]).map((m) => m.id), result.hasMore] : result;
    expect(ids(await page({ after: 1, limit: 2 }))).toEqual([[2, 3], true]);
    expect(ids(await page({ after: 3 }))).toEqual([[4, 5], false]);
    expect(ids(await page({ before: 5, limit: 3 }))).toEqual([[2, 3, 4], true]);
    expect(ids(await page({ room: 'lobby', before: 2 }))).toEqual([[1], false]);
  });

  it.each([
    [{}, 'Give exactly one of after or before.'],
    [{ after: 1, before: 3 }, 'Give exactly one of after or before.'],
    [{ after: -1 }, /after/],
    [{ after: 1, limit: 201 }, /limit/],
    [{ after: 1, extra: true }, 'Unknown field(s): extra.'],
  ])('refuses %j with invalid_payload', async (payload, message) => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const result = await emitRaw(alice, 'history:fetch', payload);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    if (!result.ok) expect(result.error.message).toMatch(message);
  });

  it('needs a joined session and a room that exists', async () => {
    const server = await startServer();
    const stranger = await rawSocket(server);
    expect(await emitRaw(stranger, 'history:fetch', { after: 0 })).toMatchObject({
      ok: false,
      error: { code: 'not_joined' },
    });
    const alice = await joinRaw(server, 'alice');
    expect(await emitRaw(alice, 'history:fetch', { room: 'attic', after: 0 })).toMatchObject({
      ok: false,
      error: { code: 'unknown_room', message: 'There is no room "attic".' },
    });
  });
});

describe('message rate limit per address', () => {
  it('counts messages from all connections of one address together', async () => {
    const server = await startServer({
      isRateLimitExempt: () => false,
      rateLimits: { messagePerAddress: { points: 4, durationSeconds: 60 } },
    });
    const first = await joinRaw(server, 'first');
    const second = await joinRaw(server, 'second');
    const send = (socket: typeof first, clientId: string) =>
      socket.timeout(5000).emitWithAck('message:send', { clientId, text: clientId });
    const results = [];
    for (let n = 0; n < 3; n++) results.push(await send(first, `a${n}`));
    results.push(await send(second, 'b0'));
    expect(results.every((result) => result.ok)).toBe(true);
    // Neither connection has used its own allowance (20), but the address has used its 4.
    expect(await send(second, 'b1')).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(await send(first, 'a3')).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  });

  it('takes rate limits from the options instead of the defaults', async () => {
    const server = await startServer({
      rateLimits: { message: { points: 2, durationSeconds: 60 } },
    });
    const socket = await joinRaw(server, 'bot');
    const results = [];
    for (let n = 0; n < 3; n++) {
      results.push(
        await socket.timeout(5000).emitWithAck('message:send', { clientId: `m${n}`, text: 'x' }),
      );
    }
    expect(results.map((result) => result.ok)).toEqual([true, true, false]);
  });
});

describe('join rate limit', () => {
  it('counts joins per address across new connections, so reconnecting does not reset it', async () => {
    const server = await startServer({ isRateLimitExempt: () => false });
    const { points } = LIMITS.rate.join;
    const results = [];
    for (let n = 0; n <= points; n++) {
      const socket = await rawSocket(server);
      results.push(await emitRaw(socket, 'session:join', { nickname: `user${n}` }));
      socket.disconnect();
    }
    expect(results.slice(0, points).every((result) => result.ok)).toBe(true);
    expect(results[points]).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  });

  it('does not count the server machine itself by default', async () => {
    const server = await startServer();
    for (let n = 0; n <= LIMITS.rate.join.points; n++) {
      const socket = await rawSocket(server);
      expect((await emitRaw(socket, 'session:join', { nickname: `local${n}` })).ok).toBe(true);
      socket.disconnect();
    }
  });
});

describe('starting and stopping', () => {
  it('reports the real port and the URLs to join', async () => {
    const server = await startServer();
    expect(server.port).toBeGreaterThan(0);
    expect(server.urls).toEqual([urlOf(server)]);
  });

  it('fails with port_in_use when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const attempt = createChatServer({ host: '127.0.0.1', port, webRoot: null });
      await expect(attempt).rejects.toBeInstanceOf(ChatServerError);
      await expect(attempt).rejects.toMatchObject({
        code: 'port_in_use',
        message: `Port ${port} is already in use by another program.`,
      });
    } finally {
      blocker.close();
    }
  });

  it('refuses a port out of range', async () => {
    await expect(
      createChatServer({ host: '127.0.0.1', port: 70000, webRoot: null }),
    ).rejects.toMatchObject({
      code: 'port_unavailable',
    });
  });

  it('tells clients it is closing, then stops listening', async () => {
    const server = await createChatServer({ host: '127.0.0.1', port: 0, webRoot: null });
    const alice = await joinRaw(server, 'alice');
    const closing = nextEvent(alice, 'server:closing');
    await server.close();
    expect(await closing).toEqual({ reason: 'The server is shutting down.' });
    await expect(fetch(`${urlOf(server)}/`)).rejects.toThrow();
  });
});

describe('history on disk', () => {
  it('keeps history and the id sequence when the server restarts on the same data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-data-'));
    const first = await createChatServer({ host: '127.0.0.1', port: 0, webRoot: null, dataDir });
    const alice = await joinRaw(first, 'alice');
    for (const text of ['before', 'the restart']) {
      await alice
        .timeout(5000)
        .emitWithAck('message:send', { clientId: text.replace(' ', '-'), text });
    }
    await first.close();

    const second = await startServer({ dataDir });
    const bob = await rawSocket(second);
    const joined: Result<JoinedSession> = await bob
      .timeout(5000)
      .emitWithAck('session:join', { nickname: 'bob' });
    if (!joined.ok) throw new Error(joined.error.message);
    expect(joined.messages.map((message) => [message.id, message.text])).toEqual([
      [1, 'before'],
      [2, 'the restart'],
    ]);
    const next = await bob
      .timeout(5000)
      .emitWithAck('message:send', { clientId: 'n', text: 'next' });
    expect(next.ok && next.message.id).toBe(3);
  });

  it('refuses to start on a data directory another server uses', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-data-'));
    await startServer({ dataDir });
    await expect(
      createChatServer({ host: '127.0.0.1', port: 0, webRoot: null, dataDir }),
    ).rejects.toMatchObject({
      code: 'data_in_use',
    });
  });
});

describe('origin check', () => {
  it('accepts browsers on the page it served and clients without an Origin, refuses other sites', async () => {
    const server = await startServer();
    const handshake = (origin?: string) =>
      fetch(`${urlOf(server)}/socket.io/?EIO=4&transport=polling`, {
        headers: origin ? { Origin: origin } : {},
      }).then((response) => response.status);
    expect(await handshake()).toBe(200);
    expect(await handshake(urlOf(server))).toBe(200);
    expect(await handshake('http://evil.example')).toBe(403);
    expect(await handshake('null')).toBe(403);
  });
});

describe('web client', () => {
  it('serves the built web client with a strict Content-Security-Policy', async () => {
    const webRoot = mkdtempSync(join(tmpdir(), 'parley-web-'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Parley</title>');
    const server = await startServer({ webRoot });
    const response = await fetch(`${urlOf(server)}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Parley</title>');
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the socket.io client bundle', async () => {
    const server = await startServer();
    const response = await fetch(`${urlOf(server)}/socket.io/socket.io.js`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('io');
  });

  it('says how to build the web client when it is missing', async () => {
    const server = await startServer({ webRoot: null });
    const response = await fetch(`${urlOf(server)}/`);
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/npm run build/);
  });
});
