import { io as connectSocket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import {
  emitRaw,
  joinRaw,
  nextEvent,
  onCleanup,
  startServer,
  urlOf,
  waitFor,
} from '../../tests/support/chat';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a connection that keeps sending refused requests', () => {
  it('is told and dropped past its budget, its backlog unread; everyone else chats on', async () => {
    const server = await startServer({
      rateLimits: { refused: { points: 10, durationSeconds: 3_600 } },
    });
    const flooder = await joinRaw(server, 'flooder');
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const ended = nextEvent(flooder, 'session:ended');
    const left = nextEvent(alice, 'presence:left');

    let answered = 0;
    for (let n = 0; n < 200; n++) {
      void emitRaw(flooder, 'message:send', { clientId: 'x', text: 42 }).then(
        () => (answered += 1),
        () => {},
      );
    }
    expect(await ended).toEqual({
      code: 'rate_limited',
      message: 'Too many requests were refused, so the server closed this connection.',
    });
    expect((await left).user.nickname).toBe('flooder');
    await waitFor(() => !flooder.connected, 'the flooder to be dropped');
    await sleep(100);
    // Its budget was answered; the rest of what it sent was never handled.
    // Exactly its budget, however many of the 200 the server read in one go.
    expect(answered).toBe(10);

    const received = nextEvent(bob, 'message:created');
    expect(await emitRaw(alice, 'message:send', { clientId: 'a1', text: 'hi' })).toMatchObject({
      ok: true,
    });
    expect((await received).text).toBe('hi');
  });

  it('unknown events count too', async () => {
    const server = await startServer({
      rateLimits: { refused: { points: 5, durationSeconds: 3_600 } },
    });
    const flooder = await joinRaw(server, 'flooder');
    const ended = nextEvent(flooder, 'session:ended');
    for (let n = 0; n < 20; n++) void emitRaw(flooder, 'nonsense', {}).catch(() => {});
    expect((await ended).code).toBe('rate_limited');
  });
});

describe('new connections per address', () => {
  it('are limited (loopback counted here), with others unaffected', async () => {
    const server = await startServer({
      isRateLimitExempt: () => false,
      rateLimits: { connect: { points: 3, durationSeconds: 60 } },
    });
    const attempt = (localAddress: string) =>
      new Promise<boolean>((resolve) => {
        const socket = connectSocket(urlOf(server), {
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
          localAddress,
        } as Parameters<typeof connectSocket>[1]);
        onCleanup(() => void socket.disconnect());
        socket.once('connect', () => resolve(true));
        socket.once('connect_error', () => resolve(false));
      });
    const results = [];
    for (let n = 0; n < 4; n++) results.push(await attempt('127.0.0.1'));
    expect(results).toEqual([true, true, true, false]);
    expect(await attempt('127.0.0.2')).toBe(true);
  });
});
