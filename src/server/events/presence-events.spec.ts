/** `presence:set` against a real server: the change, its broadcast, the join reply, refusals. */
import { describe, expect, it } from 'vitest';
import {
  emitRaw,
  joinRaw,
  nextEvent,
  rawSocket,
  startServer,
  joinWith,
} from '../../../tests/support/chat';
import { memoryDeviceKey, type DeviceKey } from '../../../tests/support/join-with';
import { LIMITS } from '../../shared/limits';
import type { JoinedSession } from '../../shared/protocol';
import type { Result } from '../../shared/result';

async function join(
  socket: Awaited<ReturnType<typeof rawSocket>>,
  nickname: string,
  key?: DeviceKey,
) {
  const joined = (await joinWith(socket, { nickname }, key)) as Result<JoinedSession>;
  if (!joined.ok) throw new Error(joined.error.message);
  return joined;
}

describe('presence', () => {
  it('starts online, and the join reply lists by user id everyone who is not plain online', async () => {
    const server = await startServer();
    const alice = await rawSocket(server);
    const first = await join(alice, 'alice');
    // Plain online is left out: absent means online.
    expect(first.presence).toEqual({});

    await emitRaw(alice, 'presence:set', { status: 'busy', text: 'In a meeting' });
    const bob = await join(await rawSocket(server), 'bob');
    expect(bob.presence).toEqual({
      [first.self.id]: expect.objectContaining({ status: 'busy', text: 'In a meeting' }),
    });

    // Online with a status line is listed; plain online again is not.
    await emitRaw(alice, 'presence:set', { status: 'online', text: 'back soon' });
    const cy = await join(await rawSocket(server), 'cy');
    expect(cy.presence).toEqual({
      [first.self.id]: expect.objectContaining({ status: 'online', text: 'back soon' }),
    });
    await emitRaw(alice, 'presence:set', { status: 'online' });
    const dee = await join(await rawSocket(server), 'dee');
    expect(dee.presence).toEqual({});
  });

  it('lists only who is not plain online, however many joined before', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    await emitRaw(alice, 'presence:set', { status: 'away' });
    const joins = await Promise.all(
      ['bob', 'cy', 'dee'].map(async (nickname) => join(await rawSocket(server), nickname)),
    );
    // Each reply lists only alice, however many joined before it.
    for (const joined of joins) expect(Object.keys(joined.presence)).toHaveLength(1);
  });

  it('tells everyone joined (the person too) and answers with the presence set', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const seenByBob = nextEvent(bob, 'presence:changed');
    const seenByAlice = nextEvent(alice, 'presence:changed');
    const before = Date.now();

    const reply = await emitRaw(alice, 'presence:set', { status: 'away', text: '  lunch  ' });
    expect(reply).toMatchObject({ ok: true, presence: { status: 'away', text: 'lunch' } });
    const changed = await seenByBob;
    expect(changed.user.nickname).toBe('alice');
    expect(changed.presence).toMatchObject({ status: 'away', text: 'lunch' });
    expect(changed.presence.since).toBeGreaterThanOrEqual(before);
    expect((await seenByAlice).presence.status).toBe('away');
  });

  it('clears the status line when the text is left out or only spaces', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    await emitRaw(alice, 'presence:set', { status: 'busy', text: 'focus' });
    const cleared = await emitRaw(alice, 'presence:set', { status: 'online', text: '   ' });
    expect(cleared).toMatchObject({ ok: true, presence: { status: 'online' } });
    expect(cleared.ok && 'text' in (cleared.presence as object)).toBe(false);
  });

  it('keeps a presence when the person joins again, and forgets it when they leave', async () => {
    const server = await startServer();
    const observer = await joinRaw(server, 'observer');
    const old = await rawSocket(server);
    const erinKey = memoryDeviceKey();
    const first = await join(old, 'erin', erinKey);
    await emitRaw(old, 'presence:set', { status: 'busy', text: 'deep work' });

    const fresh = await rawSocket(server);
    const resumed = (await joinWith(fresh, { nickname: 'erin' }, erinKey)) as Result<JoinedSession>;
    if (!resumed.ok) throw new Error(resumed.error.message);
    expect(resumed.presence[first.self.id]).toMatchObject({ status: 'busy', text: 'deep work' });

    const left = nextEvent(observer, 'presence:left');
    fresh.disconnect();
    await left;
    const later = await join(await rawSocket(server), 'erin', erinKey);
    expect(later.self.id).toBe(first.self.id);
    // Back as a new session: plain online, so not listed.
    expect(later.presence[later.self.id]).toBeUndefined();
  });

  it('refuses a connection that has not joined, and tells nobody', async () => {
    const server = await startServer();
    const bob = await joinRaw(server, 'bob');
    let told = 0;
    bob.on('presence:changed', () => told++);
    const stranger = await rawSocket(server);
    expect(await emitRaw(stranger, 'presence:set', { status: 'busy' })).toMatchObject({
      ok: false,
      error: { code: 'not_joined' },
    });
    // A change after it is the first thing bob hears.
    const next = nextEvent(bob, 'presence:changed');
    await emitRaw(bob, 'presence:set', { status: 'away' });
    await next;
    expect(told).toBe(1);
  });

  it.each([
    [{ status: 'offline' }, 'status must be "online", "away" or "busy".'],
    [{}, 'status must be "online", "away" or "busy".'],
    [
      { status: 'busy', text: 'x'.repeat(LIMITS.statusTextMaxLength + 1) },
      `Status line can be at most ${LIMITS.statusTextMaxLength} characters.`,
    ],
    [
      { status: 'busy', text: 'hi\u202Ethere' },
      'Status line cannot contain control or invisible formatting characters.',
    ],
    [{ status: 'busy', text: 'a\u0007' }, 'Status line cannot contain'],
    [{ status: 'busy', text: 42 }, 'Status line must be text.'],
    [{ status: 'busy', colour: 'red' }, 'colour'],
  ])('refuses %j in words, and changes nothing', async (payload, words) => {
    const server = await startServer();
    const alice = await rawSocket(server);
    const self = await join(alice, 'alice');
    await emitRaw(alice, 'presence:set', { status: 'busy', text: 'before' });
    const refused = await emitRaw(alice, 'presence:set', payload);
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(!refused.ok && refused.error.message).toContain(words);
    const bob = await join(await rawSocket(server), 'bob');
    expect(bob.presence[self.self.id]).toMatchObject({ status: 'busy', text: 'before' });
  });

  it('accepts a status line of exactly the longest length', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const text = 'é'.repeat(LIMITS.statusTextMaxLength);
    expect(await emitRaw(alice, 'presence:set', { status: 'online', text })).toMatchObject({
      ok: true,
      presence: { text },
    });
  });

  it('limits how often one connection changes its presence', async () => {
    const server = await startServer({
      rateLimits: { presence: { points: 2, durationSeconds: 3_600 } },
    });
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    expect((await emitRaw(alice, 'presence:set', { status: 'away' })).ok).toBe(true);
    expect((await emitRaw(alice, 'presence:set', { status: 'busy' })).ok).toBe(true);
    expect(await emitRaw(alice, 'presence:set', { status: 'online' })).toMatchObject({
      ok: false,
      error: { code: 'rate_limited' },
    });
    // Counted per connection: bob still may; alice stays busy.
    expect((await emitRaw(bob, 'presence:set', { status: 'away' })).ok).toBe(true);
    const carol = await join(await rawSocket(server), 'carol');
    const aliceId = Object.entries(carol.presence).find(([, p]) => p.status === 'busy')?.[0];
    expect(aliceId).toBeDefined();
  });
});
