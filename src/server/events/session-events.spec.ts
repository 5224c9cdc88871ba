/** `session:join` against a real server: nicknames, resuming, presence, the per-address join limit. */
import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import {
  collect,
  joinRaw,
  nextEvent,
  rawSocket,
  startServer,
  waitFor,
  joinWith,
  emitRaw,
  urlOf,
} from '../../../tests/support/chat';
import { joinProof, memoryDeviceKey } from '../../../tests/support/join-with';
import { LIMITS, LOBBY, PROTOCOL_VERSION } from '../../shared/limits';
import type { ChatMessage, JoinedSession } from '../../shared/protocol';
import type { Result } from '../../shared/result';

describe('joining', () => {
  it('acknowledges a join with the session, the people online and recent messages', async () => {
    const server = await startServer({ serverName: 'test-host' });
    const alice = await joinRaw(server, 'alice');
    await alice.timeout(5000).emitWithAck('message:send', { clientId: 'm1', text: 'first' });

    const bob = await rawSocket(server);
    const joined: Result<JoinedSession> = await joinWith(bob, { nickname: '  Bob ' });
    expect(joined.ok).toBe(true);
    if (!joined.ok) return;
    expect(joined.self.nickname).toBe('Bob');
    expect(joined.room).toBe(LOBBY);
    expect(joined.users.map((user) => user.nickname)).toEqual(['alice', 'Bob']);
    expect(joined.messages.map((message) => message.text)).toEqual(['first']);
    expect(joined.serverName).toBe('test-host');
    expect(joined.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(joined.self.id).toMatch(/^p-[A-Za-z0-9_-]{22}$/);
    expect(joined.directs).toEqual([]);
  });

  it("refuses someone else's nickname, ignoring case, and accepts another", async () => {
    const server = await startServer();
    await joinRaw(server, 'Alice');
    const second = await rawSocket(server);
    const clash = await joinWith(second, { nickname: 'ALICE' });
    expect(clash).toEqual({
      ok: false,
      error: {
        code: 'nickname_taken',
        message: 'The nickname "ALICE" belongs to someone else on this server. Choose another one.',
      },
    });
    const retry = await joinWith(second, { nickname: 'Alice2' });
    expect(retry.ok).toBe(true);
  });

  it('keeps a nickname for its person while they are away: only their key takes it back', async () => {
    const server = await startServer();
    const carolKey = memoryDeviceKey();
    const first = await joinRaw(server, 'carol', carolKey);
    first.disconnect();
    await waitFor(() => server.io.sockets.sockets.size === 0, 'the first socket to close');
    const someoneElse = await rawSocket(server);
    expect(await joinWith(someoneElse, { nickname: 'Carol' })).toMatchObject({
      ok: false,
      error: { code: 'nickname_taken', message: expect.stringMatching(/belongs to someone else/) },
    });
    const back = await joinWith(await rawSocket(server), { nickname: 'carol' }, carolKey);
    expect(back.ok).toBe(true);
  });

  it('refuses a second join on the same connection', async () => {
    const server = await startServer();
    const socket = await joinRaw(server, 'dan');
    const again = await joinWith(socket, { nickname: 'dan2' });
    expect(again).toMatchObject({ ok: false, error: { code: 'already_joined' } });
  });

  it('lets the same person join again (a reconnect, another tab) and take over, silently', async () => {
    const server = await startServer();
    const observer = await joinRaw(server, 'observer');
    const joinedNotices = collect(observer, 'presence:joined');
    const leftNotices = collect(observer, 'presence:left');

    const erinKey = memoryDeviceKey();
    const old = await rawSocket(server);
    const first = await joinWith(old, { nickname: 'erin' }, erinKey);
    if (!first.ok) throw new Error('join failed');
    const ended = nextEvent(old, 'session:ended');

    const fresh = await rawSocket(server);
    const impostor = await joinWith(fresh, { nickname: 'erin' });
    expect(impostor).toMatchObject({ ok: false, error: { code: 'nickname_taken' } });
    const resumed = await joinWith(fresh, { nickname: 'erin' }, erinKey);
    expect(resumed).toMatchObject({ ok: true, self: first.self });
    expect(await ended).toMatchObject({ code: 'session_replaced' });
    await waitFor(() => old.disconnected, 'the replaced connection to close');
    // Presence goes out in batches, in order: once a later newcomer is announced, anything the
    // takeover would have announced has arrived.
    await joinRaw(server, 'zed');
    await waitFor(() => joinedNotices.length >= 2, 'the later newcomer to be announced');
    expect(joinedNotices.map((notice) => notice.user.nickname)).toEqual(['erin', 'zed']);
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
    const joined = await joinWith(bob, { nickname: 'bob', since: sent[0]!.id });
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

describe('join rate limit', () => {
  it('counts joins per address across new connections, so reconnecting does not reset it', async () => {
    const server = await startServer({ isRateLimitExempt: () => false });
    const { points } = LIMITS.rate.join;
    const results = [];
    for (let n = 0; n <= points; n++) {
      const socket = await rawSocket(server);
      results.push(await joinWith(socket, { nickname: `user${n}` }));
      socket.disconnect();
    }
    expect(results.slice(0, points).every((result) => result.ok)).toBe(true);
    expect(results[points]).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  });

  it('does not count the server machine itself by default', async () => {
    const server = await startServer();
    for (let n = 0; n <= LIMITS.rate.join.points; n++) {
      const socket = await rawSocket(server);
      expect((await joinWith(socket, { nickname: `local${n}` })).ok).toBe(true);
      socket.disconnect();
    }
  });

  it('refuses a join whose proof is missing, forged, replayed, or made for another server', async () => {
    const server = await startServer();
    const socket = await rawSocket(server);
    const ask = (event: string, payload: unknown) =>
      (
        socket.timeout(5_000) as unknown as {
          emitWithAck(event: string, payload: unknown): Promise<Result<{ challenge: string }>>;
        }
      ).emitWithAck(event, payload);
    const key = memoryDeviceKey();
    const host = new URL(urlOf(server)).host;
    const refused = (message: RegExp) => ({
      ok: false,
      error: { code: 'identity_unproven', message: expect.stringMatching(message) },
    });

    // A protocol 1 client: told to update.
    expect(await ask('session:join', { nickname: 'old' })).toEqual(refused(/newer Parley/));
    // A challenge the server never gave (this one was given session:hello's): spent all the same.
    const made = await joinProof(key, 'never-given', host);
    expect(await ask('session:join', { nickname: 'eve', key: made })).toEqual(
      refused(/does not match/),
    );
    // None left to sign: ask for one.
    expect(await ask('session:join', { nickname: 'eve', key: made })).toEqual(
      refused(/session:challenge/),
    );
    // Signed for another host (a server relaying someone's proof), or another challenge.
    let asked = await ask('session:challenge', {});
    if (!asked.ok) throw new Error(asked.error.message);
    const elsewhere = await joinProof(key, asked.challenge, 'other.example:4000');
    expect(await ask('session:join', { nickname: 'eve', key: elsewhere })).toEqual(
      refused(/not for this server/),
    );
    asked = await ask('session:challenge', {});
    if (!asked.ok) throw new Error(asked.error.message);
    const forged = { ...(await joinProof(key, `${asked.challenge}x`, host)) };
    expect(await ask('session:join', { nickname: 'eve', key: forged })).toEqual(
      refused(/does not match/),
    );
    // The right proof, used twice: the second time its challenge is spent.
    asked = await ask('session:challenge', {});
    if (!asked.ok) throw new Error(asked.error.message);
    const good = await joinProof(key, asked.challenge, host);
    const other = await rawSocket(server);
    expect(await joinWith(other, { nickname: 'bystander' })).toMatchObject({ ok: true });
    expect(await ask('session:join', { nickname: 'eve', key: good })).toMatchObject({ ok: true });
    expect(await ask('session:challenge', {})).toMatchObject({
      ok: false,
      error: { code: 'already_joined' },
    });
    // Nothing of it reached anyone as a person: eve joined once.
    expect(server.io.sockets.sockets.size).toBe(2);
  });

  it('gives each connection its challenge before connect: a join needs no session:challenge', async () => {
    const server = await startServer();
    const socket = connect(urlOf(server), {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      autoConnect: false,
    });
    try {
      const given: string[] = [];
      socket.on('session:hello', ({ challenge }) => given.push(challenge));
      const atConnect = new Promise<number>((resolve) =>
        socket.once('connect', () => resolve(given.length)),
      );
      socket.connect();
      expect(await atConnect).toBe(1); // there when `connect` fires
      expect(given[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const proof = await joinProof(memoryDeviceKey(), given[0]!, new URL(urlOf(server)).host);
      // Another connection has a challenge of its own: this proof is worth nothing there.
      const other = await rawSocket(server);
      expect(await emitRaw(other, 'session:join', { nickname: 'ann', key: proof })).toMatchObject({
        ok: false,
        error: { code: 'identity_unproven' },
      });
      expect(await emitRaw(socket, 'session:join', { nickname: 'ann', key: proof })).toMatchObject({
        ok: true,
      });
    } finally {
      socket.disconnect();
    }
  });

  it('bounds the challenges a connection may ask for', async () => {
    const server = await startServer();
    const socket = await rawSocket(server);
    const { points } = LIMITS.rate.challenge;
    for (let n = 0; n < points; n++) {
      expect(await emitRaw(socket, 'session:challenge', {})).toMatchObject({ ok: true });
    }
    expect(await emitRaw(socket, 'session:challenge', {})).toMatchObject({
      ok: false,
      error: { code: 'rate_limited' },
    });
  });
});
