/**
 * The door of bind-events.ts, against a real server: malformed and unknown requests get a clear
 * refusal and change nothing else; every client event refuses a payload that is not a plain
 * object (checks the fuzz suite, tests/integration/fuzz.spec.ts, found wanting, kept here as plain
 * regression tests).
 */
import { describe, expect, it } from 'vitest';
import {
  collect,
  emitRaw,
  emitWithoutAck,
  joinRaw,
  nextEvent,
  rawSocket,
  startServer,
  waitFor,
} from '../../../tests/support/chat';
import { faultyHistory } from '../../../tests/support/faulty-history';
import { errorsOf } from '../../shared/client-events';
import { LIMITS } from '../../shared/limits';
import { CLIENT_EVENTS } from '../../shared/protocol';
import { StorageError } from '../storage/history-store';

describe('every client event', () => {
  it.each(CLIENT_EVENTS)(
    '%s refuses a payload that is not a plain object with one short sentence',
    async (event) => {
      const server = await startServer();
      const socket = await rawSocket(server);
      // Arrays got zod's own wording; binary arrives as a Buffer, which zod took for an object
      // with one field per byte ("Unknown field(s): 0, 1, 2, …" for 60,000 of them).
      const payloads = [[], [{ nickname: 'a' }], Buffer.alloc(60_000), new Uint8Array(3).buffer];
      for (const payload of payloads) {
        expect(await emitRaw(socket, event, payload)).toEqual({
          ok: false,
          error: { code: 'invalid_payload', message: 'Payload must be an object.' },
        });
      }
      expect(socket.connected).toBe(true);
    },
  );
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
    ['room:rename', [{ room: 'lobby' }], 'unknown_event', /not a Parley event/],
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

describe('what an event can be answered with is its row of the event table', () => {
  it('passes a storage failure on where the row lists it, and answers internal elsewhere', async () => {
    const history = await faultyHistory();
    const diskFull = StorageError.fromWriteFailure(
      Object.assign(new Error(''), { code: 'ENOSPC' }),
    );
    // Saving a room fails as a full disk makes it: room:create does not list storage_full.
    Object.assign(history.rooms, { saveRoom: () => Promise.reject(diskFull) });
    const server = await startServer({ history, onError: () => {} });
    const alice = await joinRaw(server, 'alice');
    expect(errorsOf('room:create')).not.toContain('storage_full');
    expect(await emitRaw(alice, 'room:create', { name: 'Design' })).toEqual({
      ok: false,
      error: { code: 'internal', message: 'The server could not handle this request.' },
    });
    history.failing = true;
    expect(errorsOf('message:send')).toContain('storage_full');
    expect(await emitRaw(alice, 'message:send', { clientId: 'c1', text: 'hi' })).toMatchObject({
      ok: false,
      error: { code: 'storage_full' },
    });
  });
});
