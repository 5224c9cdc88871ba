import { describe, expect, it } from 'vitest';
import { emitRaw, joinRaw, nextEvent, startServer } from '../../tests/support/chat';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('back-pressure on a connection that keeps sending refused requests', () => {
  it('stops reading from it past its budget, answers the rest later, and others chat on', async () => {
    const server = await startServer({
      rateLimits: { refused: { points: 10, durationSeconds: 1 } },
    });
    const flooder = await joinRaw(server, 'flooder');
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');

    let answered = 0;
    const replies: Promise<unknown>[] = [];
    // In waves, so that later waves are still unread (in the kernel's buffers) when it pauses.
    for (let wave = 0; wave < 3; wave++) {
      for (let n = 0; n < 10; n++) {
        replies.push(
          emitRaw(flooder, 'message:send', { clientId: 'x', text: 42 }).then((reply) => {
            answered += 1;
            return reply;
          }),
        );
      }
      await sleep(40);
    }
    await sleep(200);
    // The budget (10) and what was already read when it ran out were answered; the rest waits.
    expect(answered).toBeGreaterThanOrEqual(10);
    expect(answered).toBeLessThan(30);

    // Meanwhile the others' chat is not held up.
    const received = nextEvent(bob, 'message:created');
    expect(await emitRaw(alice, 'message:send', { clientId: 'a1', text: 'hi' })).toMatchObject({
      ok: true,
    });
    expect((await received).text).toBe('hi');

    // After the window, reading resumes: every request gets its answer, none is lost.
    const all = await Promise.all(replies);
    expect(all).toHaveLength(30);
    expect(all.every((reply) => (reply as { ok: boolean }).ok === false)).toBe(true);
    expect(flooder.connected).toBe(true);
  });
});

describe('a connection that runs out of its refusal budget again', () => {
  it('is told and closed; everyone else stays', async () => {
    const server = await startServer({
      rateLimits: { refused: { points: 5, durationSeconds: 1 } },
    });
    const flooder = await joinRaw(server, 'flooder');
    const alice = await joinRaw(server, 'alice');
    const ended = nextEvent(flooder, 'session:ended', 10_000);
    const left = nextEvent(alice, 'presence:left', 10_000);
    // Keeps going after the pause: the second time it runs out, it is closed.
    for (let wave = 0; wave < 40 && flooder.connected; wave++) {
      for (let n = 0; n < 5; n++) void emitRaw(flooder, 'nonsense', {}).catch(() => {});
      await sleep(50);
    }
    expect(await ended).toEqual({
      code: 'rate_limited',
      message: 'Too many requests were refused, so the server closed this connection.',
    });
    expect((await left).user.nickname).toBe('flooder');
    expect(
      await emitRaw(alice, 'message:send', { clientId: 'a', text: 'still here' }),
    ).toMatchObject({ ok: true });
  });
});
