import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { client, joinRaw, startServer, urlOf, waitFor } from '../../tests/support/chat';
import { faultyHistory } from '../../tests/support/faulty-history';
import type { ChatEvent } from '../shared/api';
import type { ChatMessage } from '../shared/protocol';
import { restartableServer } from '../../tests/support/restartable-server';
import { openOutboxFile } from '../desktop/outbox-file';
import type { ChatClient } from './chat-client';
import { memoryDeviceKey } from './device-key';

/** Every message a client delivered to its listeners, in the order it delivered them. */
function deliveries(chat: ChatClient): ChatMessage[] {
  const seen: ChatMessage[] = [];
  chat.onEvent((event: ChatEvent) => {
    if (event.type === 'session') seen.push(...event.session.messages);
    if (event.type === 'message') seen.push(event.message);
  });
  return seen;
}

const texts = (messages: ChatMessage[]) => messages.map((message) => message.text);

describe('ChatClient outbox', () => {
  it('sends a posted message at once and empties the outbox when the server acknowledges it', async () => {
    const server = await startServer();
    const chat = client();
    const seen = deliveries(chat);
    const outboxes: number[] = [];
    chat.onEvent((event) => event.type === 'outbox' && outboxes.push(event.entries.length));
    await chat.connect(urlOf(server), 'alice');

    const posted = chat.post('hello');
    expect(posted).toMatchObject({ ok: true, entry: { text: 'hello', state: 'sending' } });
    await waitFor(() => chat.outbox.length === 0, 'the acknowledgement');
    expect(texts(seen)).toEqual(['hello']);
    expect(outboxes).toEqual([0, 1, 0]);
  });

  it('refuses text the server would refuse, and posting before any join', async () => {
    const chat = client();
    expect(chat.post('hello')).toMatchObject({ ok: false, error: { code: 'not_connected' } });
    const server = await startServer();
    await chat.connect(urlOf(server), 'alice');
    expect(chat.post('   ')).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: 'Message cannot be only spaces.' },
    });
    expect(chat.outbox).toEqual([]);
  });

  it('keeps messages written while the server is down and sends each once when it is back', async () => {
    const room = await restartableServer();
    const alice = client();
    const bob = client();
    const aliceSaw = deliveries(alice);
    const bobSaw = deliveries(bob);
    await alice.connect(room.url, 'alice');
    await bob.connect(room.url, 'bob');

    await room.stop();
    await waitFor(() => alice.status.state === 'reconnecting', 'alice to notice');
    for (const text of ['one', 'two', 'three']) expect(alice.post(text).ok).toBe(true);
    expect(alice.outbox.map((entry) => entry.state)).toEqual(['sending', 'sending', 'sending']);

    await room.start();
    await waitFor(() => alice.outbox.length === 0, 'the outbox to drain', 10_000);
    await waitFor(() => bobSaw.length === 3, 'bob to see them', 10_000);
    expect(texts(aliceSaw)).toEqual(['one', 'two', 'three']);
    expect(texts(bobSaw)).toEqual(['one', 'two', 'three']);
    // The restarted server stored each once.
    const fresh = client();
    await fresh.connect(room.url, 'carol');
    expect(texts(fresh.session!.messages)).toEqual(['one', 'two', 'three']);
  });

  it('survives a restart of the app: the outbox file is sent on the next join', async () => {
    const room = await restartableServer();
    const file = join(mkdtempSync(join(tmpdir(), 'parley-outbox-file-')), 'outbox.json');
    // The app's device key is kept too (in a file on the desktop): the same person after a restart.
    const deviceKey = memoryDeviceKey();
    const before = client({ outboxStore: openOutboxFile(file), deviceKey });
    await before.connect(room.url, 'alice');
    await room.stop();
    await waitFor(() => before.status.state === 'reconnecting', 'the drop');
    before.post('written offline');
    await before.saved();
    await before.disconnect(); // the app quits
    expect(readFileSync(file, 'utf8')).toContain('written offline');

    await room.start();
    const after = client({ outboxStore: openOutboxFile(file), deviceKey });
    const seen = deliveries(after);
    await after.connect(room.url, 'Alice'); // the same nickname, in any case
    await waitFor(() => after.outbox.length === 0, 'the saved outbox to be sent');
    await after.saved();
    expect(texts(seen)).toEqual(['written offline']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, outboxes: {} });
  });

  it('marks a refused message failed with the reason; it can be retried or discarded', async () => {
    // One message per connection per hour: the limit is reached by count, however slow the run.
    const server = await startServer({
      rateLimits: { message: { points: 1, durationSeconds: 3_600 } },
    });
    const chat = client();
    const seen = deliveries(chat);
    await chat.connect(urlOf(server), 'alice');
    chat.post('first');
    chat.post('second');
    chat.post('third');
    await waitFor(
      () => chat.outbox.length === 2 && chat.outbox.every((entry) => entry.state === 'failed'),
      'two refusals',
    );
    expect(chat.outbox[0]).toMatchObject({
      text: 'second',
      state: 'failed',
      error: { code: 'rate_limited', message: expect.stringMatching(/too fast/) },
    });

    const [second, third] = chat.outbox;
    expect(chat.discard(third!.clientId).ok).toBe(true);
    // A new connection has a fresh limit: the server drops this one, the client comes back by
    // itself (failed entries wait for the person), and then Retry sends it.
    const states: string[] = [];
    chat.onEvent((event) => event.type === 'status' && states.push(event.status.state));
    for (const socket of server.io.sockets.sockets.values()) socket.conn.close();
    await waitFor(() => states.at(-1) === 'connected', 'the rejoin');
    expect(chat.outbox.map((entry) => entry.state)).toEqual(['failed']);
    expect(chat.retry(second!.clientId).ok).toBe(true);
    await waitFor(() => chat.outbox.length === 0, 'the retry to go through');
    expect(texts(seen)).toEqual(['first', 'second']);
    expect(seen[1]!.clientId).toBe(second!.clientId);
  });
});

describe('ChatClient outbox when the server cannot store', () => {
  it('keeps the message, failed with the reason, until Retry sends it once the disk has room', async () => {
    const history = await faultyHistory();
    const server = await startServer({ history, onError: () => {} });
    const chat = client();
    const seen = deliveries(chat);
    await chat.connect(urlOf(server), 'alice');
    history.failing = true;
    chat.post('hello');
    await waitFor(() => chat.outbox[0]?.state === 'failed', 'the refusal');
    expect(chat.outbox).toMatchObject([
      { text: 'hello', state: 'failed', error: { code: 'storage_full' } },
    ]);
    history.failing = false;
    expect(chat.retry(chat.outbox[0]!.clientId).ok).toBe(true);
    await waitFor(() => chat.outbox.length === 0, 'the retry to go through');
    expect(texts(seen)).toEqual(['hello']);
  });
});

describe('ChatClient catch-up', () => {
  it('delivers everything missed during an outage, across a server restart, once and in order', async () => {
    const room = await restartableServer({
      rateLimits: {
        message: { points: 10_000, durationSeconds: 1 },
        messagePerAddress: { points: 10_000, durationSeconds: 1 },
      },
    });
    // Alice comes back slowly: by then much more than one history page has been written.
    const alice = client({ reconnectDelayMs: 3_000, reconnectDelayMaxMs: 3_000 });
    const seen = deliveries(alice);
    await alice.connect(room.url, 'alice');
    const bobKey = memoryDeviceKey();
    const writer = await joinRaw(room.current, 'bob', bobKey);
    await writer.timeout(5_000).emitWithAck('message:send', { clientId: 'before', text: 'b' });
    await waitFor(() => seen.length === 1, 'the first message');

    await room.stop();
    await room.start();
    const bob = await joinRaw(room.current, 'bob', bobKey);
    const total = 450;
    const acks = await Promise.all(
      Array.from({ length: total }, (_, n) =>
        bob.timeout(10_000).emitWithAck('message:send', { clientId: `m${n}`, text: `m${n}` }),
      ),
    );
    expect(acks.every((ack) => ack.ok)).toBe(true);

    await waitFor(() => seen.length === total + 1, 'alice to catch up', 15_000);
    const ids = seen.map((message) => message.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(texts(seen.slice(1)))).toEqual(
      new Set(Array.from({ length: total }, (_, n) => `m${n}`)),
    );
    expect(alice.status.state).toBe('connected');
  });
});

describe('ChatClient.loadOlder', () => {
  it('pages back through the history to its start, each message once', async () => {
    const server = await startServer({
      rateLimits: { message: { points: 10_000, durationSeconds: 1 } },
    });
    const writer = await joinRaw(server, 'writer');
    for (let n = 1; n <= 250; n++) {
      await writer.timeout(5_000).emitWithAck('message:send', { clientId: `c${n}`, text: `m${n}` });
    }
    const reader = client();
    const seen = deliveries(reader);
    const pages: boolean[] = [];
    reader.onEvent((event) => {
      if (event.type === 'history') {
        seen.unshift(...event.messages);
        pages.push(event.hasOlder);
      }
    });
    const joined = await reader.connect(urlOf(server), 'reader');
    expect(joined).toMatchObject({ ok: true, session: { hasOlder: true } });
    expect(await reader.loadOlder()).toEqual({ ok: true, count: 100, hasOlder: true });
    expect(await reader.loadOlder()).toEqual({ ok: true, count: 50, hasOlder: false });
    expect(pages).toEqual([true, false]);
    expect(texts(seen)).toEqual(Array.from({ length: 250 }, (_, n) => `m${n + 1}`));
  });

  it('says there is nothing older in a new room, and refuses when not connected', async () => {
    const chat = client();
    expect(await chat.loadOlder()).toMatchObject({ ok: false, error: { code: 'not_connected' } });
    const server = await startServer();
    const joined = await chat.connect(urlOf(server), 'ann');
    expect(joined).toMatchObject({ ok: true, session: { hasOlder: false } });
    expect(await chat.loadOlder()).toEqual({ ok: true, count: 0, hasOlder: false });
  });
});
