/** Who may enter (the passphrase, its wrong-guess limit) and removing someone, against a real server. */
import { memoryDeviceKey } from '../../tests/support/join-with';
import { describe, expect, it } from 'vitest';
import {
  client,
  collect,
  emitRaw,
  joinRaw,
  nextEvent,
  rawSocket,
  startServer,
  urlOf,
  waitFor,
  joinWith,
} from '../../tests/support/chat';
import { LIMITS } from '../shared/limits';
import type { Result } from '../shared/result';
import { hashPassphrase, verifyPassphrase } from './passphrase';

describe('passphrase hashing', () => {
  it('keeps a salted scrypt hash, not the passphrase, and checks it', async () => {
    const stored = await hashPassphrase('open sesame');
    const again = await hashPassphrase('open sesame');
    expect(stored.hash.equals(again.hash)).toBe(false); // a fresh salt every time
    expect(stored.hash.toString('utf8')).not.toContain('open sesame');
    expect(await verifyPassphrase(stored, 'open sesame')).toBe(true);
    expect(await verifyPassphrase(stored, 'open sesame ')).toBe(false);
    expect(await verifyPassphrase(stored, '')).toBe(false);
    expect(await verifyPassphrase(stored, 'x'.repeat(LIMITS.passphraseMaxLength))).toBe(false);
  });
});

describe('a room with a passphrase', () => {
  it('asks for it, refuses a wrong one, and lets the right one in', async () => {
    const server = await startServer({ passphrase: 'open sesame' });
    expect(server.passphraseRequired).toBe(true);
    const socket = await rawSocket(server);
    expect(await joinWith(socket, { nickname: 'ann' })).toEqual({
      ok: false,
      error: { code: 'passphrase_required', message: 'This room needs a passphrase to join.' },
    });
    expect(await joinWith(socket, { nickname: 'ann', passphrase: 'open says me' })).toEqual({
      ok: false,
      error: { code: 'wrong_passphrase', message: 'That passphrase is not right.' },
    });
    // Refused joins left nothing behind: the nickname is free, nobody was announced.
    const joined = await joinWith(socket, {
      nickname: 'ann',
      passphrase: 'open sesame',
    });
    expect(joined).toMatchObject({
      ok: true,
      self: { nickname: 'ann' },
      users: [{ nickname: 'ann' }],
    });
  });

  it('slows down repeated wrong guesses from one address, and only that address', async () => {
    const server = await startServer({ passphrase: 'open sesame' });
    const guesser = await rawSocket(server, '127.0.0.1');
    const { points } = LIMITS.rate.wrongPassphrase;
    for (let n = 0; n < points; n++) {
      expect(await joinWith(guesser, { nickname: 'eve', passphrase: `guess ${n}` })).toMatchObject({
        ok: false,
        error: { code: 'wrong_passphrase' },
      });
    }
    // Now even the right passphrase is not checked until the window ends.
    const blocked = await joinWith(guesser, {
      nickname: 'eve',
      passphrase: 'open sesame',
    });
    expect(blocked).toMatchObject({
      ok: false,
      error: { code: 'rate_limited', message: /Too many wrong passphrases\. Try again in \d+ s\./ },
    });
    const neighbour = await rawSocket(server, '127.0.0.2');
    expect(await joinWith(neighbour, { nickname: 'bob', passphrase: 'open sesame' })).toMatchObject(
      { ok: true },
    );
  });

  it('counts guesses sent all at once before checking them: no more are checked than allowed', async () => {
    const server = await startServer({ passphrase: 'open sesame' });
    const { points } = LIMITS.rate.wrongPassphrase;
    // Ten connections from one address, each guessing with a proven key, all at once; round
    // after round (a proof is good for one join: a connection guesses once per challenge).
    const guessers = await Promise.all(
      Array.from({ length: 10 }, () => rawSocket(server, '127.0.0.3')),
    );
    const answers: Result[] = [];
    for (let n = 0; n <= points; n++) {
      answers.push(
        ...(await Promise.all(
          guessers.map((guesser, g) =>
            joinWith(guesser, { nickname: `eve${g}`, passphrase: `guess ${n}` }),
          ),
        )),
      );
    }
    const codes = answers.map((answer) => (answer.ok ? 'ok' : answer.error.code));
    const checked = codes.filter((code) => code === 'wrong_passphrase').length;
    expect(checked).toBeGreaterThanOrEqual(1);
    expect(checked).toBeLessThanOrEqual(points);
    expect(new Set(codes)).toEqual(new Set(['wrong_passphrase', 'rate_limited']));
    // The address has used up its guesses: the right passphrase now waits too.
    const late = await joinWith(guessers[0]!, {
      nickname: 'eve',
      passphrase: 'open sesame',
    });
    expect(late).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  });

  it('turns away a guess from an address whose guess is being checked before checking its key proof', async () => {
    const server = await startServer({ passphrase: 'open sesame' });
    const [before, checked, other] = await Promise.all([
      rawSocket(server, '127.0.0.6'),
      rawSocket(server, '127.0.0.5'),
      rawSocket(server, '127.0.0.5'),
    ]);
    // A check just made: the next waits its turn (a few a second), then takes tens of ms.
    expect(await joinWith(before, { nickname: 'mal', passphrase: 'guess' })).toMatchObject({
      error: { code: 'wrong_passphrase' },
    });
    let done = false;
    const first = joinWith(checked, { nickname: 'eve', passphrase: 'guess' }).finally(
      () => (done = true),
    );
    // Meanwhile the same address asks with a proof that could never pass, a few times (joins
    // per address are limited): while its guess is checked, the answer is known at once and no
    // signature is checked; otherwise the proof is checked, and fails.
    const answers: Result[] = [];
    while (!done && answers.length < LIMITS.rate.join.points - 5) {
      answers.push(
        (await other.timeout(10_000).emitWithAck('session:join', {
          nickname: 'eve2',
          passphrase: 'guess 2',
          key: { publicKey: 'A'.repeat(43), signature: 'B'.repeat(86), host: 'x' },
        })) as Result,
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await first).toMatchObject({ ok: false, error: { code: 'wrong_passphrase' } });
    const messages = new Set(answers.map((answer) => (answer.ok ? 'ok' : answer.error.message)));
    expect(messages).toContain('A passphrase from your address is being checked. Wait for it.');
    expect(messages).not.toContain('ok');
  });

  it('does not count a right passphrase as a wrong guess', async () => {
    const server = await startServer({ passphrase: 'open sesame' });
    const { points } = LIMITS.rate.wrongPassphrase;
    for (let n = 0; n < points + 2; n++) {
      const socket = await rawSocket(server, '127.0.0.4');
      const joined = await joinWith(socket, {
        nickname: `ann${n}`,
        passphrase: 'open sesame',
      });
      expect(joined, `join ${n}`).toMatchObject({ ok: true });
    }
  });

  it('refuses a passphrase field that is not short text, as invalid_payload', async () => {
    const server = await startServer({ passphrase: 'open sesame' });
    const socket = await rawSocket(server);
    for (const passphrase of [42, '', 'x'.repeat(LIMITS.passphraseMaxLength + 1)]) {
      expect(await joinWith(socket, { nickname: 'ann', passphrase })).toMatchObject({
        ok: false,
        error: { code: 'invalid_payload' },
      });
    }
  });

  it('lets ChatClient join with it, and rejoin by itself after the connection drops', async () => {
    const server = await startServer({ passphrase: 'open sesame' });
    const chat = client();
    expect(await chat.connect(urlOf(server), 'ann')).toMatchObject({
      ok: false,
      error: { code: 'passphrase_required' },
    });
    expect(await chat.connect(urlOf(server), 'ann', { passphrase: 'open sesame' })).toMatchObject({
      ok: true,
    });
    for (const socket of server.io.sockets.sockets.values()) socket.conn.close();
    await waitFor(() => chat.status.state === 'reconnecting', 'the drop');
    await waitFor(() => chat.status.state === 'connected', 'the rejoin');
  });

  it('an open room ignores a passphrase given anyway', async () => {
    const server = await startServer();
    expect(server.passphraseRequired).toBe(false);
    const socket = await rawSocket(server);
    expect(await joinWith(socket, { nickname: 'ann', passphrase: 'anything' })).toMatchObject({
      ok: true,
    });
  });
});

describe('removing someone (kick)', () => {
  it('tells them, disconnects them, tells the others, and keeps them and their address out a while', async () => {
    const server = await startServer({ isRateLimitExempt: () => false });
    const host = await rawSocket(server, '127.0.0.2');
    await joinWith(host, { nickname: 'host' });
    const bobKey = memoryDeviceKey();
    const bob = await joinRaw(server, 'bob', bobKey);
    const left = nextEvent(host, 'presence:left');
    const ended = nextEvent(bob, 'session:ended');
    const bobId = server.io.sockets.sockets.get(bob.id!)!.data.user!.id;

    expect(server.kick(bobId)).toMatchObject({ ok: true, user: { nickname: 'bob' } });
    expect(await ended).toEqual({ code: 'kicked', message: 'The host removed you from the room.' });
    expect((await left).user.nickname).toBe('bob');
    await waitFor(() => !bob.connected, 'bob to be disconnected');

    const back = await rawSocket(server);
    expect(await joinWith(back, { nickname: 'bob2' })).toMatchObject({
      ok: false,
      error: {
        code: 'kicked',
        message: /removed you from this room\. You can join again in 5 minutes/,
      },
    });
    // The person, from another address, under another name: refused too.
    const elsewhere = await rawSocket(server, '127.0.0.4');
    expect(await joinWith(elsewhere, { nickname: 'robert' }, bobKey)).toMatchObject({
      ok: false,
      error: { code: 'kicked' },
    });
    // Someone else, elsewhere, is not affected; chat goes on.
    const carol = await rawSocket(server, '127.0.0.3');
    expect(await joinWith(carol, { nickname: 'carol' })).toMatchObject({ ok: true });
    const messages = collect(host, 'message:created');
    await emitRaw(carol, 'message:send', { clientId: 'c1', text: 'still here' });
    await waitFor(() => messages.length === 1, 'the message');
  });

  it('says so when the person is not in the room', async () => {
    const server = await startServer();
    expect(server.kick('nobody')).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });

  it('ChatClient shows the removal and does not reconnect', async () => {
    const server = await startServer();
    const chat = client();
    const result = await chat.connect(urlOf(server), 'bob');
    if (!result.ok) throw new Error(result.error.message);
    server.kick(result.session.self.id);
    await waitFor(() => chat.status.state === 'disconnected', 'the removal');
    expect(chat.status.reason).toBe('The host removed you from the room.');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(chat.status.state).toBe('disconnected');
    expect(server.io.sockets.sockets.size).toBe(0);
  });
});
