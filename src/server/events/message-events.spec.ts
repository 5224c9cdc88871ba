/** `message:send`, `typing:set` and `history:fetch` against a real server. */
import { describe, expect, it } from 'vitest';
import {
  collect,
  emitRaw,
  joinRaw,
  nextEvent,
  rawSocket,
  startServer,
  waitFor,
} from '../../../tests/support/chat';
import type { ChatMessage } from '../../shared/protocol';
import { faultyHistory } from '../../../tests/support/faulty-history';

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

describe('a message the store cannot write', () => {
  it('is refused with storage_full, shown to nobody, kept nowhere; the same send works later', async () => {
    const history = await faultyHistory();
    const server = await startServer({ history, onError: () => {} });
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const seen = collect(bob, 'message:created');

    history.failing = true;
    const refused = await emitRaw(alice, 'message:send', { clientId: 'c1', text: 'hello' });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'storage_full', message: expect.stringMatching(/disk is full/) },
    });
    // The server goes on serving reads, and nothing of the message is anywhere.
    expect(await emitRaw(bob, 'history:fetch', { after: 0 })).toMatchObject({
      ok: true,
      messages: [],
    });

    history.failing = false;
    const sent = await emitRaw(alice, 'message:send', { clientId: 'c1', text: 'hello' });
    expect(sent).toMatchObject({ ok: true, message: { clientId: 'c1', text: 'hello' } });
    await waitFor(() => seen.length === 1, 'the broadcast');
    expect(seen.map((message) => message.clientId)).toEqual(['c1']);
  });
});

describe('a change when the store cannot be read', () => {
  it('is refused with storage_unavailable (kept and retried by the client), and works later', async () => {
    const history = await faultyHistory();
    const server = await startServer({ history, onError: () => {} });
    const alice = await joinRaw(server, 'alice');
    const sent = await emitRaw(alice, 'message:send', { clientId: 'c1', text: 'hello' });
    if (!sent.ok) throw new Error(sent.error.message);
    const id = (sent.message as unknown as ChatMessage).id;
    const change = { clientId: 'e1', change: { kind: 'edit', target: id, text: 'hi' } } as const;

    history.readsFailing = true;
    expect(await emitRaw(alice, 'message:change', change)).toMatchObject({
      ok: false,
      error: { code: 'storage_unavailable' },
    });
    history.readsFailing = false;
    expect(await emitRaw(alice, 'message:change', change)).toMatchObject({
      ok: true,
      message: { clientId: 'e1', change: { kind: 'edit', target: id } },
    });
  });
});
