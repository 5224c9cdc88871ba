/**
 * Roles and moderation against a real server: the admin token (used once, guesses limited), the
 * host as admin, admins making moderators, removing a person for a chosen time, renaming and
 * releasing names, and every refusal of people who may not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  collect,
  emitRaw,
  nextEvent,
  onCleanup,
  rawSocket,
  startServer,
  waitFor,
  type RawSocket,
} from '../../../tests/support/chat';
import { joinWith, memoryDeviceKey, type DeviceKey } from '../../../tests/support/join-with';
import { LIMITS } from '../../shared/limits';
import type { JoinedSession } from '../../shared/protocol';
import type { ChatServerOptions } from '../chat-server';

/** Like `parley serve`: no host in the room, and every address its own (nobody exempt). */
const SERVE: ChatServerOptions = {
  hostIsAdmin: false,
  isHostAddress: () => false,
  isRateLimitExempt: () => false,
};

interface Person {
  socket: RawSocket;
  session: JoinedSession;
  key: DeviceKey;
}

let nextAddress = 10;

/** Joins `nickname` from an address of its own (127.0.0.N), with `extra` join fields. */
async function enter(
  server: Awaited<ReturnType<typeof startServer>>,
  nickname: string,
  extra: Record<string, unknown> = {},
  key: DeviceKey = memoryDeviceKey(),
): Promise<Person> {
  const socket = await rawSocket(server, `127.0.0.${nextAddress++}`);
  const joined = await joinWith(socket, { nickname, ...extra }, key);
  if (!joined.ok) throw new Error(`${nickname} could not join: ${joined.error.message}`);
  return { socket, session: joined, key };
}

/** A server like `parley serve` with an admin (ann, by the admin token) and a moderator (mo). */
async function moderatedServer(options: ChatServerOptions = {}) {
  const server = await startServer({ ...SERVE, ...options });
  const ann = await enter(server, 'ann', { adminToken: await server.newAdminToken() });
  const mo = await enter(server, 'mo');
  expect(
    await emitRaw(ann.socket, 'role:set', { userId: mo.session.self.id, role: 'moderator' }),
  ).toMatchObject({ ok: true });
  return { server, ann, mo };
}

describe('the admin token', () => {
  it('makes whoever joins with it an admin, once; the role is stored and shown to everyone', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-admin-'));
    onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
    const server = await startServer({ ...SERVE, dataDir });
    const bob = await enter(server, 'bob');
    expect(bob.session.self.role).toBeUndefined();
    const token = await server.newAdminToken();
    const joined = collect(bob.socket, 'presence:joined');
    const ann = await enter(server, 'ann', { adminToken: token });
    expect(ann.session.self).toMatchObject({ nickname: 'ann', role: 'admin' });
    expect(ann.session.users).toContainEqual(ann.session.self);
    await waitFor(() => joined.length === 1, 'ann to be announced');
    expect(joined[0]!.user).toEqual(ann.session.self);

    // Used: the same link does nothing for anyone else, and nothing is bound for the refused.
    const eve = await rawSocket(server, '127.0.0.99');
    expect(await joinWith(eve, { nickname: 'eve', adminToken: token })).toEqual({
      ok: false,
      error: {
        code: 'wrong_admin_token',
        message:
          'That admin link is not valid here: each one works once. Ask whoever runs the server for a new one.',
      },
    });
    expect(await joinWith(eve, { nickname: 'eve' })).toMatchObject({
      ok: true,
      self: { nickname: 'eve' },
    });
    expect((await joinWith(await rawSocket(server, '127.0.0.98'), { nickname: 'x' })).ok).toBe(
      true,
    );

    // Stored with ann's identity: after a restart she is an admin without any token.
    await server.close();
    const again = await startServer({ ...SERVE, dataDir });
    const back = await enter(again, 'ann', {}, ann.key);
    expect(back.session.self).toEqual({ id: ann.session.self.id, nickname: 'ann', role: 'admin' });
    expect(again.mayModerate(ann.session.self.id, '127.0.0.200')).toBe(true);
    expect(again.mayModerate(bob.session.self.id, '127.0.0.200')).toBe(false);
  });

  it('counts wrong tokens per address: a brute force stops after a few guesses', async () => {
    const server = await startServer(SERVE);
    const token = await server.newAdminToken();
    const guesser = await rawSocket(server, '127.0.0.2');
    const { points } = LIMITS.rate.wrongAdminToken;
    // All at once, as a brute force would: each guess is counted before it is compared.
    const guesses = await Promise.all(
      Array.from({ length: points + 5 }, async (_, n) =>
        joinWith(await rawSocket(server, '127.0.0.2'), {
          nickname: `eve${n}`,
          adminToken: `${'A'.repeat(40)}${n.toString().padStart(3, '0')}`,
        }),
      ),
    );
    const codes = guesses.map((answer) => (answer.ok ? 'ok' : answer.error.code));
    expect(codes.filter((code) => code === 'wrong_admin_token')).toHaveLength(points);
    expect(codes.filter((code) => code === 'rate_limited')).toHaveLength(5);
    // Now even the right token is not compared from that address…
    expect(await joinWith(guesser, { nickname: 'eve', adminToken: token })).toMatchObject({
      ok: false,
      error: { code: 'rate_limited', message: /Too many wrong admin links/ },
    });
    // …and it still works once from elsewhere.
    const ann = await enter(server, 'ann', { adminToken: token });
    expect(ann.session.self.role).toBe('admin');
  });

  it('is refused when malformed, and a new token replaces the old one', async () => {
    const server = await startServer(SERVE);
    const socket = await rawSocket(server, '127.0.0.3');
    for (const adminToken of ['', 'short', 'has spaces in it here', 42]) {
      expect(await joinWith(socket, { nickname: 'ann', adminToken })).toMatchObject({
        ok: false,
        error: { code: 'invalid_payload' },
      });
    }
    const old = await server.newAdminToken();
    const current = await server.newAdminToken();
    expect(await joinWith(socket, { nickname: 'ann', adminToken: old })).toMatchObject({
      ok: false,
      error: { code: 'wrong_admin_token' },
    });
    expect((await enter(server, 'ann', { adminToken: current })).session.self.role).toBe('admin');
  });
});

describe('the host', () => {
  it('is an admin of the room it hosts (the desktop app), without a token', async () => {
    const server = await startServer({ isHostAddress: (address) => address === '127.0.0.1' });
    const host = await rawSocket(server, '127.0.0.1');
    const joined = await joinWith(host, { nickname: 'host' });
    expect(joined).toMatchObject({ ok: true, host: true, self: { role: 'admin' } });
    const guest = await enter(server, 'guest');
    expect(guest.session.self.role).toBeUndefined();
    expect(guest.session.users.map((user) => user.role)).toEqual(['admin', undefined]);
  });
});

describe('parley serve: no host', () => {
  it("gives the server's own machine no role: it may not moderate", async () => {
    // Loopback is the host's address, but this server's host is no admin (hostIsAdmin false).
    const server = await startServer({ hostIsAdmin: false, isRateLimitExempt: () => false });
    const local = await enter(server, 'local');
    expect(local.session).toMatchObject({ host: true, self: { nickname: 'local' } });
    expect(local.session.self.role).toBeUndefined();
    const bob = await enter(server, 'bob');
    const bobId = bob.session.self.id;
    const asks: Array<[string, object]> = [
      ['role:set', { userId: bobId, role: 'moderator' }],
      ['person:remove', { userId: bobId }],
      ['name:set', { userId: bobId, nickname: 'robert' }],
      ['name:release', { nickname: 'bob' }],
    ];
    for (const [event, payload] of asks) {
      expect(await emitRaw(local.socket, event, payload), event).toMatchObject({
        ok: false,
        error: { code: 'not_allowed' },
      });
    }
    expect(server.mayModerate(local.session.self.id, '127.0.0.1')).toBe(false);
    expect(bob.socket.connected).toBe(true);
  });
});

describe('roles and removing people', () => {
  it('an admin makes a moderator and unmakes them; everyone sees it, and it is stored', async () => {
    const server = await startServer(SERVE);
    const ann = await enter(server, 'ann', { adminToken: await server.newAdminToken() });
    const bob = await enter(server, 'bob');
    const carol = await enter(server, 'carol');
    const seen = collect(carol.socket, 'person:updated');
    const made = await emitRaw(ann.socket, 'role:set', {
      userId: bob.session.self.id,
      role: 'moderator',
    });
    expect(made).toEqual({
      ok: true,
      user: { id: bob.session.self.id, nickname: 'bob', role: 'moderator' },
    });
    await waitFor(() => seen.length === 1, 'the change to be shown');
    expect(seen[0]).toEqual({
      user: { id: bob.session.self.id, nickname: 'bob', role: 'moderator' },
    });
    expect(server.mayModerate(bob.session.self.id, '127.0.0.77')).toBe(true);
    // Shown to newcomers too.
    const dave = await enter(server, 'dave');
    expect(dave.session.users.find((user) => user.nickname === 'bob')?.role).toBe('moderator');

    expect(
      await emitRaw(ann.socket, 'role:set', { userId: bob.session.self.id, role: 'none' }),
    ).toEqual({ ok: true, user: { id: bob.session.self.id, nickname: 'bob' } });
    await waitFor(() => seen.length === 2, 'the second change');
    expect(seen[1]!.user.role).toBeUndefined();
    expect(server.mayModerate(bob.session.self.id, '127.0.0.77')).toBe(false);
  });

  it('a moderator removes a person: their connection goes, and they and their address stay out for the chosen time', async () => {
    const { server, mo } = await moderatedServer();
    const bob = await enter(server, 'bob');
    const bobAddress = '127.0.0.50';
    const bobHere = await rawSocket(server, bobAddress);
    // bob joins again from another machine: the one person, on the newest connection.
    const again = await joinWith(bobHere, { nickname: 'bob' }, bob.key);
    expect(again.ok).toBe(true);
    const watcher = await enter(server, 'watcher');
    const left = nextEvent(watcher.socket, 'presence:left');
    const ended = nextEvent(bobHere, 'session:ended');
    const bobsConnections = () =>
      [...server.io.sockets.sockets.values()].filter(
        (socket) => socket.data.user?.id === bob.session.self.id,
      );
    const connections = bobsConnections().length;
    expect(connections).toBeGreaterThan(0);

    const removed = await emitRaw(mo.socket, 'person:remove', {
      userId: bob.session.self.id,
      minutes: 60,
    });
    expect(removed).toEqual({
      ok: true,
      user: { id: bob.session.self.id, nickname: 'bob' },
      minutes: 60,
      connections,
    });
    expect(await ended).toEqual({
      code: 'kicked',
      message: 'mo removed you from the room for 60 minutes.',
    });
    expect((await left).user.nickname).toBe('bob');
    await waitFor(() => !bobHere.connected && !bob.socket.connected, 'every connection to go');
    expect(bobsConnections()).toEqual([]);

    // bob, from anywhere under any name: out for the chosen hour, not the default five minutes.
    const elsewhere = await rawSocket(server, '127.0.0.51');
    expect(await joinWith(elsewhere, { nickname: 'robert' }, bob.key)).toEqual({
      ok: false,
      error: {
        code: 'kicked',
        message: 'You were removed from this room. You can join again in 60 minutes.',
      },
    });
    // His address, whoever uses it.
    const sameMachine = await rawSocket(server, bobAddress);
    expect(await joinWith(sameMachine, { nickname: 'mallory' })).toMatchObject({
      ok: false,
      error: { code: 'kicked' },
    });
    // Others are not affected.
    expect((await enter(server, 'carol')).session.self.nickname).toBe('carol');
  });

  it('removes a person who is away: they cannot come back for the default time', async () => {
    const { server, ann } = await moderatedServer();
    const bob = await enter(server, 'bob');
    const left = nextEvent(ann.socket, 'presence:left');
    bob.socket.disconnect();
    await left;
    expect(
      await emitRaw(ann.socket, 'person:remove', { userId: bob.session.self.id }),
    ).toMatchObject({ ok: true, minutes: LIMITS.kickCooldownSeconds / 60, connections: 0 });
    const back = await rawSocket(server, '127.0.0.60');
    expect(await joinWith(back, { nickname: 'bob' }, bob.key)).toMatchObject({
      ok: false,
      error: { code: 'kicked', message: /join again in 5 minutes/ },
    });
  });

  it('refuses role:set, person:remove and name:set from someone without a role, changing nothing', async () => {
    const { server, ann, mo } = await moderatedServer();
    const bob = await enter(server, 'bob');
    const carol = await enter(server, 'carol');
    const carolId = carol.session.self.id;
    expect(await emitRaw(bob.socket, 'role:set', { userId: carolId, role: 'moderator' })).toEqual({
      ok: false,
      error: { code: 'not_allowed', message: 'Only the host or an admin can make moderators.' },
    });
    expect(await emitRaw(bob.socket, 'person:remove', { userId: carolId })).toEqual({
      ok: false,
      error: {
        code: 'not_allowed',
        message: 'Only the host, an admin or a moderator can remove people.',
      },
    });
    expect(await emitRaw(bob.socket, 'name:set', { userId: carolId, nickname: 'caz' })).toEqual({
      ok: false,
      error: { code: 'not_allowed', message: 'Only the host or an admin can rename people.' },
    });
    expect(await emitRaw(bob.socket, 'name:release', { nickname: 'ann' })).toMatchObject({
      ok: false,
      error: { code: 'not_allowed' },
    });
    // A moderator removes, but makes no moderators and renames nobody.
    expect(
      await emitRaw(mo.socket, 'role:set', { userId: carolId, role: 'moderator' }),
    ).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    expect(
      await emitRaw(mo.socket, 'name:set', { userId: carolId, nickname: 'caz' }),
    ).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    // Nothing changed: carol is here, as she was, and no role was given.
    expect(carol.socket.connected).toBe(true);
    expect(server.mayModerate(carolId, '127.0.0.80')).toBe(false);
    const check = await enter(server, 'check');
    expect(check.session.users.find((user) => user.id === carolId)).toEqual(carol.session.self);
    expect(ann.socket.connected).toBe(true);
  });

  it('a moderator cannot remove an admin or another moderator; nobody removes an admin or themselves', async () => {
    const { server, ann, mo } = await moderatedServer();
    const other = await enter(server, 'other');
    expect(
      await emitRaw(ann.socket, 'role:set', { userId: other.session.self.id, role: 'moderator' }),
    ).toMatchObject({ ok: true });
    expect(await emitRaw(mo.socket, 'person:remove', { userId: ann.session.self.id })).toEqual({
      ok: false,
      error: { code: 'not_allowed', message: 'An admin cannot be removed.' },
    });
    expect(
      await emitRaw(mo.socket, 'person:remove', { userId: other.session.self.id }),
    ).toMatchObject({
      ok: false,
      error: { code: 'not_allowed', message: 'Only the host or an admin can remove a moderator.' },
    });
    expect(await emitRaw(mo.socket, 'person:remove', { userId: mo.session.self.id })).toMatchObject(
      { ok: false, error: { code: 'not_allowed' } },
    );
    expect(
      await emitRaw(ann.socket, 'role:set', { userId: ann.session.self.id, role: 'none' }),
    ).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    expect(
      await emitRaw(ann.socket, 'person:remove', { userId: `p-${'x'.repeat(22)}` }),
    ).toMatchObject({ ok: false, error: { code: 'unknown_user' } });
    expect(ann.socket.connected && mo.socket.connected && other.socket.connected).toBe(true);
    // An admin may remove a moderator.
    expect(
      await emitRaw(ann.socket, 'person:remove', { userId: other.session.self.id, minutes: 1 }),
    ).toMatchObject({ ok: true, connections: 1 });
  });

  it('refuses minutes out of bounds as invalid_payload', async () => {
    const { server, ann } = await moderatedServer();
    const bob = await enter(server, 'bob');
    for (const minutes of [0, -5, 1.5, LIMITS.maxRemoveMinutes + 1, '60']) {
      expect(
        await emitRaw(ann.socket, 'person:remove', { userId: bob.session.self.id, minutes }),
      ).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    }
    expect(bob.socket.connected).toBe(true);
  });
});

describe('names, by an admin', () => {
  it('renames a person: the bound name moves, everyone sees it; a taken name is refused', async () => {
    const { server, ann } = await moderatedServer();
    const bob = await enter(server, 'bob');
    const carol = await enter(server, 'carol');
    const seen = nextEvent(carol.socket, 'person:updated');
    expect(
      await emitRaw(ann.socket, 'name:set', { userId: bob.session.self.id, nickname: 'Robert' }),
    ).toEqual({ ok: true, user: { id: bob.session.self.id, nickname: 'Robert' } });
    expect(await seen).toEqual({ user: { id: bob.session.self.id, nickname: 'Robert' } });

    // The old name is free; the new one is bob's (his key gets it, nobody else).
    expect((await enter(server, 'bob')).session.self.nickname).toBe('bob');
    const impostor = await rawSocket(server, '127.0.0.90');
    expect(await joinWith(impostor, { nickname: 'robert' })).toMatchObject({
      ok: false,
      error: { code: 'nickname_taken' },
    });
    // Taken names, online or bound, and look-alikes.
    for (const nickname of ['carol', 'CAROL', 'ann', 'саrol']) {
      expect(
        await emitRaw(ann.socket, 'name:set', { userId: bob.session.self.id, nickname }),
        nickname,
      ).toMatchObject({ ok: false, error: { code: 'nickname_taken' } });
    }
    expect(
      await emitRaw(ann.socket, 'name:set', { userId: `p-${'y'.repeat(22)}`, nickname: 'zed' }),
    ).toMatchObject({ ok: false, error: { code: 'unknown_user' } });
  });

  it('an admin (not only the host) releases a name', async () => {
    const { server, ann } = await moderatedServer();
    const bob = await enter(server, 'bob');
    const left = nextEvent(ann.socket, 'presence:left');
    bob.socket.disconnect();
    await left;
    expect(await emitRaw(ann.socket, 'name:release', { nickname: 'BOB' })).toEqual({
      ok: true,
      released: 'bob',
    });
    expect((await enter(server, 'bob')).session.self.id).not.toBe(bob.session.self.id);
  });
});

describe('deleting messages on `parley serve`', () => {
  const post = async (person: Person, text: string) => {
    const sent = await emitRaw(person.socket, 'message:send', { clientId: `c-${text}`, text });
    if (!sent.ok) throw new Error(sent.error.message);
    return (sent.message as { id: number }).id;
  };
  const remove = (person: Person, target: number) =>
    emitRaw(person.socket, 'message:change', {
      clientId: `d-${person.session.self.nickname}-${target}`,
      change: { kind: 'delete', target },
    });

  it('a moderator and an admin delete anyone’s message; a plain person cannot', async () => {
    const { server, ann, mo } = await moderatedServer();
    const bob = await enter(server, 'bob');
    const carol = await enter(server, 'carol');
    const first = await post(bob, 'first');
    const second = await post(bob, 'second');
    expect(await remove(carol, first)).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    expect(await remove(mo, first)).toMatchObject({ ok: true });
    expect(await remove(ann, second)).toMatchObject({ ok: true });
    const page = await emitRaw(bob.socket, 'history:fetch', { before: Number.MAX_SAFE_INTEGER });
    const shown = (page as unknown as { messages: Array<{ id: number; deleted?: boolean }> })
      .messages;
    expect(shown.filter((message) => message.id === first || message.id === second)).toEqual([
      expect.objectContaining({ id: first, deleted: true }),
      expect.objectContaining({ id: second, deleted: true }),
    ]);
  });
});
